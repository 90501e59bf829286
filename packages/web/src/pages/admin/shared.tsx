/**
 * Building blocks of the admin pages (issue 17 "Admin"): one-shot actions
 * with their busy/error/done state, cursor pagination, the import messages
 * table (file:line), file downloads and the school list.
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { ImportMessage, MessageGroup } from "@signet/contracts/academics/Domain"
import type { ComponentChildren } from "preact"
import { useState } from "preact/hooks"
import { ApiError, call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, useLoad } from "../../app/ui.js"

/** A one-shot action's state: `run(f, done?)` sets busy, then the error (an {@link ApiError}) or the `done` note. */
export const useAction = () => {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | undefined>(undefined)
  const [note, setNote] = useState<string | undefined>(undefined)
  const run = async <A,>(f: () => Promise<A>, done?: (a: A) => string | undefined): Promise<A | undefined> => {
    setBusy(true)
    setError(undefined)
    setNote(undefined)
    try {
      const a = await f()
      setNote(done?.(a))
      return a
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError("Error", String(e)))
      return undefined
    } finally {
      setBusy(false)
    }
  }
  return { busy, error, note, run }
}

/** The error and the success note of an action (`role="alert"` / `role="status"`). */
export const ActionNotes = ({ action }: { action: ReturnType<typeof useAction> }) => (
  <>
    <ErrorNote error={action.error} />
    {action.note && <output class="ok block">{action.note}</output>}
  </>
)

/** Cursor pagination state: the current cursor and the ones before it (for "Previous"). */
export const useCursor = () => {
  const [stack, setStack] = useState<ReadonlyArray<string | undefined>>([undefined])
  const cursor = stack[stack.length - 1]
  return {
    cursor,
    page: stack.length,
    next: (c: string) => setStack([...stack, c]),
    prev: () => setStack(stack.length > 1 ? stack.slice(0, -1) : stack),
    reset: () => setStack([undefined])
  }
}

/** "Previous" / "Next" buttons of a cursor-paginated list; `next` is the page's `next_cursor`. */
export const Pager = ({ pager, next }: { pager: ReturnType<typeof useCursor>; next: string | null | undefined }) => {
  const t = useT("admin")
  if (pager.page === 1 && !next) return null
  return (
    <nav class="toolbar" aria-label={t("pager.label")}>
      <button type="button" class="secondary" disabled={pager.page === 1} onClick={pager.prev}>
        {t("pager.prev")}
      </button>
      <span class="muted">{t("pager.page", { n: pager.page })}</span>
      <button type="button" class="secondary" disabled={!next} onClick={() => next && pager.next(next)}>
        {t("pager.next")}
      </button>
    </nav>
  )
}

/**
 * The scrolling box of a wide table: a labelled region that takes the focus,
 * so keyboard users can scroll it (axe `scrollable-region-focusable`).
 */
export const TableWrap = ({ children }: { children: ComponentChildren }) => {
  const t = useT("admin")
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable (WCAG 2.1.1)
    // biome-ignore lint/a11y/useSemanticElements: a <section> would add a landmark per table
    <div class="table-wrap" tabIndex={0} role="region" aria-label={t("table")}>
      {children}
    </div>
  )
}

/** A table of import messages: file:line, code, message. */
export const MessagesTable = ({ caption, messages }: { caption: string; messages: ReadonlyArray<ImportMessage> }) => {
  const t = useT("admin")
  if (messages.length === 0) return null
  return (
    <TableWrap>
      <table class="messages">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("import.where")}</th>
            <th scope="col">{t("import.code")}</th>
            <th scope="col">{t("import.message")}</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m, i) => (
            <tr key={i}>
              <td>
                <code>
                  {m.file}:{m.line}
                </code>
              </td>
              <td>{m.code}</td>
              <td>{m.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  )
}

/** Warnings grouped by code (count and first examples), as import answers carry them. */
export const GroupsList = ({ groups }: { groups: ReadonlyArray<MessageGroup> | undefined }) => {
  const t = useT("admin")
  if (!groups || groups.length === 0) return null
  return (
    <section>
      <h3>{t("import.groups")}</h3>
      <ul class="list">
        {groups.map((g) => (
          <li key={g.code} class="row">
            <span>
              <strong>{g.code}</strong>
              <br />
              <span class="muted">
                {g.examples.map((e) => `${e.file}:${e.line}`).join(", ")}
                {g.examples[0] ? ` — ${g.examples[0].message}` : ""}
              </span>
            </span>
            <span class="badge">{t("import.count", { count: g.count })}</span>
          </li>
        ))}
      </ul>
    </section>
  )
}

/** Saves `text` as a file named `name` (a Blob link, clicked). */
export const download = (name: string, text: string, type = "text/csv;charset=utf-8") => {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement("a")
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** The tenant's schools (first 200), for the pages' school selects. */
export const useSchools = (slug: string) =>
  useLoad(
    () => call(AcademicsApi, (c) => c.academics.listSchools({ path: { slug }, urlParams: { limit: 200 } })),
    [slug]
  )

/** A `<select>` of the tenant's schools; `optional` adds an empty first choice. */
export const SchoolSelect = ({
  slug,
  name,
  label,
  optional,
  onChange
}: {
  slug: string
  name: string
  label: string
  optional?: string
  onChange?: (id: string) => void
}) => {
  const schools = useSchools(slug)
  return (
    <label>
      {label}
      <select name={name} required={!optional} onChange={(e) => onChange?.((e.target as HTMLSelectElement).value)}>
        {optional !== undefined && <option value="">{optional}</option>}
        {schools.data?.items.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  )
}

/** A form field's trimmed text ("" when absent). */
export const field = (form: HTMLFormElement, name: string): string => String(new FormData(form).get(name) ?? "").trim()

/** A titled section of a page. */
export const Section = ({ title, children }: { title: string; children: ComponentChildren }) => (
  <section class="admin-section">
    <h2>{title}</h2>
    {children}
  </section>
)

/**
 * A row's delete button that asks first, inline (`role="alert"`): `label`
 * names the row for screen readers, `question` is asked, `onDelete` runs
 * on confirmation while `busy` disables it.
 */
export const DeleteWithConfirm = ({
  label,
  question,
  remove,
  cancel,
  busy,
  onDelete
}: {
  label: string
  question: string
  remove: string
  cancel: string
  busy: boolean
  onDelete: () => void
}) => {
  const [confirm, setConfirm] = useState(false)
  return confirm ? (
    <span role="alert">
      {question}{" "}
      <button type="button" class="danger" disabled={busy} onClick={onDelete}>
        {remove}
      </button>{" "}
      <button type="button" class="secondary" onClick={() => setConfirm(false)}>
        {cancel}
      </button>
    </span>
  ) : (
    <button type="button" class="secondary" aria-label={label} onClick={() => setConfirm(true)}>
      {remove}
    </button>
  )
}

/** The href of `target`'s timeline, its name carried for the heading. */
export const timelineHref = (slug: string, type: string, id: string, name: string) =>
  `/t/${encodeURIComponent(slug)}/admin/timeline/${encodeURIComponent(type)}/${encodeURIComponent(id)}?name=${encodeURIComponent(name)}`
