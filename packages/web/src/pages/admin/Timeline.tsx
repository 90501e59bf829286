/**
 * A target's timeline (`/t/{slug}/admin/timeline/{type}/{id}?name=…`, issue
 * 22 "web app pages (a timeline panel on users, courses and groups)"): every
 * note, task, review, call, calendar event and file on one user, course,
 * group (or any target type), newest first with cursor pagination
 * (`activities.timeline`), and forms to add a note (Markdown, rendered and
 * sanitized by the server) or a task, and to move a task along its status
 * transitions; files: upload, download, new version, delete (`TimelineFiles.tsx`). Authors are shown by name (`users.get`, once per author).
 * What the caller may not see or do, the API refuses; the page shows the
 * refusal as the server words it.
 *
 * @module
 */
import { ActivitiesApi } from "@signet/contracts/activities/Api"
import {
  type ActivityPriority,
  CreateNote,
  CreateTask,
  TASK_TRANSITIONS,
  type TargetType,
  type Task,
  type TaskStatus,
  UpdateTask
} from "@signet/contracts/activities/Domain"
import type { TimelineItem } from "@signet/contracts/activities/Schedule"
import { UsersApi } from "@signet/contracts/identity/Api"
import type { User, UserId } from "@signet/contracts/identity/Domain"
import { DateTime } from "effect"
import { useEffect, useState } from "preact/hooks"
import { useRoute } from "preact-iso"
import { call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { ActionNotes, field, Pager, Section, useAction, useCursor } from "./shared.js"
import { FileActions, NewFile } from "./TimelineFiles.js"

const PRIORITIES: ReadonlyArray<ActivityPriority> = ["low", "normal", "high", "urgent"]
const PAGE = 25

/** Display names of the authors on a page, fetched once each; an id that cannot be read stays an id. */
const useAuthors = (slug: string, ids: ReadonlyArray<string>) => {
  const [names, setNames] = useState<Readonly<Record<string, string>>>({})
  const missing = [...new Set(ids)].filter((id) => !(id in names))
  useEffect(() => {
    for (const id of missing)
      void call(UsersApi, (c) => c.users.get({ path: { slug, id: id as UserId } })).then(
        (u) => setNames((n) => ({ ...n, [id]: u.display_name ?? `${u.given_name} ${u.family_name}`.trim() })),
        () => setNames((n) => ({ ...n, [id]: id.slice(0, 8) }))
      )
  }, [missing.join(",")])
  return (id: string) => names[id] ?? id.slice(0, 8)
}

/** The entry's own id and who wrote it. */
const whoAndWhat = (item: TimelineItem): { readonly id: string; readonly author: string } => {
  switch (item._tag) {
    case "note":
      return { id: item.note.id, author: item.note.author_id }
    case "task":
      return { id: item.task.id, author: item.task.author_id }
    case "review":
      return { id: item.review.id, author: item.review.reviewer_id }
    case "call":
      return { id: item.call.id, author: item.call.author_id }
    case "event":
      return { id: item.event.id, author: item.event.author_id }
    case "attachment":
      return { id: item.attachment.id, author: item.attachment.author_id }
    case "footprint":
      return { id: item.footprint.id, author: item.footprint.author_id }
  }
}
const authorOf = (item: TimelineItem) => whoAndWhat(item).author

/** One task's status, changeable along {@link TASK_TRANSITIONS}. */
const TaskStatusSelect = ({ slug, task, onChanged }: { slug: string; task: Task; onChanged: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const change = (status: TaskStatus) =>
    void action
      .run(
        () =>
          call(ActivitiesApi, (c) =>
            c.activities.updateTask({ path: { slug, id: task.id }, payload: new UpdateTask({ status }) })
          ),
        (x) => t("timeline.statusSaved", { title: x.title, status: t(`timeline.statuses.${x.status}`) })
      )
      .then((x) => x && onChanged())
  return (
    <div class="stack">
      <label>
        {t("timeline.status", { title: task.title })}
        <select
          value={task.status}
          disabled={action.busy}
          onChange={(e) => change((e.target as HTMLSelectElement).value as TaskStatus)}
        >
          {[task.status, ...TASK_TRANSITIONS[task.status]].map((s) => (
            <option key={s} value={s}>
              {t(`timeline.statuses.${s}`)}
            </option>
          ))}
        </select>
      </label>
      <ActionNotes action={action} />
    </div>
  )
}

/** What one timeline entry says, by kind. */
const ItemBody = ({ slug, item, onChanged }: { slug: string; item: TimelineItem; onChanged: () => void }) => {
  const t = useT("admin")
  switch (item._tag) {
    case "note":
      return (
        <>
          {item.note.pinned && <span class="badge">{t("timeline.pinned")}</span>}{" "}
          {item.note.priority !== "normal" && <span class="badge">{t(`timeline.priority.${item.note.priority}`)}</span>}
          {/* body_html is rendered and sanitized by the server (markdown-it without raw HTML, then sanitize-html). */}
          <div class="note-body" dangerouslySetInnerHTML={{ __html: item.note.body_html }} />
        </>
      )
    case "task":
      return (
        <>
          <p>
            <strong>{item.task.title}</strong>
            {item.task.due_at && (
              <span class="muted"> · {t("timeline.dueAt", { when: formatDateTime(item.task.due_at) })}</span>
            )}
          </p>
          {item.task.description && <p>{item.task.description}</p>}
          <TaskStatusSelect slug={slug} task={item.task} onChanged={onChanged} />
        </>
      )
    case "review":
      return (
        <p>
          <strong>{t("timeline.rating", { rating: item.review.rating })}</strong>
          {item.review.comment && ` — ${item.review.comment}`}
        </p>
      )
    case "call":
      return (
        <p>
          {t(`timeline.directions.${item.call.direction}`)} · {item.call.outcome} ·{" "}
          {t("timeline.duration", { minutes: Math.round(item.call.duration_seconds / 60) })}
          {item.call.summary && ` — ${item.call.summary}`}
        </p>
      )
    case "event":
      return (
        <p>
          <strong>{item.event.title}</strong>{" "}
          <span class="muted">
            {formatDateTime(item.event.starts_at, item.event.time_zone)} –{" "}
            {formatDateTime(item.event.ends_at, item.event.time_zone)}
          </span>
          {item.event.location && ` · ${item.event.location}`}
        </p>
      )
    case "attachment":
      return (
        <>
          <p>
            <strong>{item.attachment.filename}</strong>{" "}
            <span class="muted">
              {t("timeline.version", {
                n: item.attachment.version,
                size: Math.max(1, Math.round(item.attachment.size_bytes / 1024))
              })}
            </span>
          </p>
          <FileActions slug={slug} file={item.attachment} onChanged={onChanged} />
        </>
      )
    case "footprint":
      return (
        <p>
          {t("timeline.footprint", {
            scope: item.footprint.scope,
            category: item.footprint.category,
            quantity: item.footprint.quantity,
            unit: item.footprint.unit,
            kg: item.footprint.co2e_kg,
            from: item.footprint.period_start,
            to: item.footprint.period_end
          })}
        </p>
      )
  }
}

/** "Add a note": Markdown body, priority, pinned. */
const NewNote = ({ slug, type, id, onAdded }: { slug: string; type: TargetType; id: string; onAdded: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const payload = () =>
      new CreateNote({
        target_type: type,
        target_id: id,
        body: field(form, "body"),
        priority: field(form, "priority") as ActivityPriority,
        pinned: new FormData(form).get("pinned") === "on"
      })
    void action
      .run(
        () => call(ActivitiesApi, (c) => c.activities.createNote({ path: { slug }, payload: payload() })),
        () => t("timeline.noteSaved")
      )
      .then((n) => {
        if (n) {
          form.reset()
          // Preact sets `selected` as a property, not the attribute reset() returns to: set it again.
          ;(form.elements.namedItem("priority") as HTMLSelectElement).value = "normal"
          onAdded()
        }
      })
  }
  return (
    <form class="card stack" onSubmit={submit} aria-label={t("timeline.newNote")}>
      <label>
        {t("timeline.body")}
        <textarea name="body" rows={3} required maxLength={20_000} />
      </label>
      <label>
        {t("timeline.priorityLabel")}
        <select name="priority">
          {PRIORITIES.map((p) => (
            <option key={p} value={p} selected={p === "normal"}>
              {t(`timeline.priority.${p}`)}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" name="pinned" /> {t("timeline.pin")}
      </label>
      <button type="submit" disabled={action.busy}>
        {t("timeline.newNote")}
      </button>
      <ActionNotes action={action} />
    </form>
  )
}

/** "Add a task": title and an optional due time in the browser's zone. */
const NewTask = ({ slug, type, id, onAdded }: { slug: string; type: TargetType; id: string; onAdded: () => void }) => {
  const t = useT("admin")
  const action = useAction()
  const submit = (ev: Event) => {
    ev.preventDefault()
    const form = ev.target as HTMLFormElement
    const due = field(form, "due")
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
    const payload = () =>
      new CreateTask({
        target_type: type,
        target_id: id,
        title: field(form, "title"),
        ...(due ? { due_at: DateTime.unsafeMake(new Date(due)), due_time_zone: zone } : {})
      })
    void action
      .run(
        () => call(ActivitiesApi, (c) => c.activities.createTask({ path: { slug }, payload: payload() })),
        (x) => t("timeline.taskSaved", { title: x.title })
      )
      .then((x) => {
        if (x) {
          form.reset()
          onAdded()
        }
      })
  }
  return (
    <form class="card form-grid" onSubmit={submit} aria-label={t("timeline.newTask")}>
      <label>
        {t("timeline.taskTitle")}
        <input name="title" required maxLength={200} />
      </label>
      <label>
        {t("timeline.due")}
        <input name="due" type="datetime-local" />
      </label>
      <button type="submit" disabled={action.busy}>
        {t("timeline.newTask")}
      </button>
      <ActionNotes action={action} />
    </form>
  )
}

/** The timeline page of the target in the route. */
export const Timeline = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const { params, query } = useRoute()
  const type = (params.type ?? "") as TargetType
  const id = params.id ?? ""
  const name = query.name || `${t(`timeline.types.${type}`, { defaultValue: type })} ${id.slice(0, 8)}`
  const pager = useCursor()
  const [version, setVersion] = useState(0)
  const list = useLoad(
    () =>
      call(ActivitiesApi, (c) =>
        c.activities.timeline({
          path: { slug },
          urlParams: { target_type: type, target_id: id, limit: PAGE, cursor: pager.cursor }
        })
      ),
    [slug, type, id, pager.cursor, version]
  )
  const items = list.data?.items ?? []
  const author = useAuthors(slug, items.map(authorOf))
  const changed = () => {
    pager.reset()
    setVersion((v) => v + 1)
  }
  return (
    <Frame slug={slug} user={user} title={t("timeline.title", { name })}>
      <div class="timeline-forms">
        <NewNote slug={slug} type={type} id={id} onAdded={changed} />
        <NewTask slug={slug} type={type} id={id} onAdded={changed} />
        <NewFile slug={slug} type={type} id={id} onAdded={changed} />
      </div>
      <Section title={t("timeline.list")}>
        {list.loading && !list.data && <Loading />}
        <ErrorNote error={list.error} />
        {list.data && items.length === 0 && <p class="muted">{t("timeline.empty")}</p>}
        <ol class="list timeline">
          {items.map((item) => (
            <li key={`${item._tag}-${whoAndWhat(item).id}`} class="card" data-kind={item._tag}>
              <p class="muted">
                <strong>{t(`timeline.kinds.${item._tag}`)}</strong> · {formatDateTime(item.at)} ·{" "}
                {t("timeline.by", { who: author(authorOf(item)) })}
              </p>
              <ItemBody slug={slug} item={item} onChanged={() => setVersion((v) => v + 1)} />
            </li>
          ))}
        </ol>
        <Pager pager={pager} next={list.data?.next_cursor} />
      </Section>
    </Frame>
  )
}
