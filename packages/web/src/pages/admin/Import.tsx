/**
 * Imports (`/t/{slug}/admin/import`, issue 17 "roster import with a progress
 * bar and the warnings table (file:line), timetable import"): a roster zip
 * (OneRoster 1.1/1.2, SDS, Clever) sent as bytes (`academics.importRoster`,
 * `application/zip`) and an iCalendar file for a school
 * (`academics.importTimetable`). While the upload runs a `<progress>` shows;
 * then the summary, the warnings (grouped when the answer has
 * `warning_groups`) — or, when the files have errors, the errors with
 * file:line and the statement that nothing changed (the imports are
 * all-or-nothing on the server).
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type {
  ImportCounts,
  ImportMessage,
  MessageGroup,
  RosterSummary,
  SchoolId,
  TimetableSummary
} from "@signet/contracts/academics/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { Effect } from "effect"
import { useState } from "preact/hooks"
import { call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Frame } from "../../app/ui.js"
import { GroupsList, MessagesTable, SchoolSelect, Section, TableWrap, useAction } from "./shared.js"

/** The files' errors, when the server refused them (422: nothing was written). */
interface Refused {
  readonly refused: true
  readonly message: string
  readonly errors: ReadonlyArray<ImportMessage>
  readonly warnings: ReadonlyArray<ImportMessage>
  readonly warning_groups?: ReadonlyArray<MessageGroup> | undefined
}

/** The imports page. */
export const Import = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  return (
    <Frame slug={slug} user={user} title={t("import.title")}>
      <RosterImport slug={slug} />
      <TimetableImport slug={slug} />
    </Frame>
  )
}

const RosterImport = ({ slug }: { slug: string }) => {
  const t = useT("admin")
  const action = useAction()
  const [result, setResult] = useState<RosterSummary | Refused | undefined>(undefined)
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const file = (f.elements.namedItem("roster") as HTMLInputElement).files?.[0]
    const dry = (f.elements.namedItem("dry_run") as HTMLInputElement).checked
    if (!file) return
    setResult(undefined)
    void action
      .run(async () => {
        const bytes = new Uint8Array(await file.arrayBuffer())
        return call(AcademicsApi, (c) =>
          c.academics.importRoster({ path: { slug }, urlParams: { dry_run: dry }, payload: bytes }).pipe(
            Effect.catchTag("RosterImportFailed", (e) =>
              Effect.succeed<Refused>({
                refused: true,
                message: e.message,
                errors: e.errors,
                warnings: e.warnings,
                warning_groups: e.warning_groups
              })
            )
          )
        )
      })
      .then(setResult)
  }
  return (
    <Section title={t("import.roster")}>
      <p class="muted">{t("import.rosterHint")}</p>
      <form class="card stack" onSubmit={submit}>
        <label>
          {t("import.rosterFile")}
          <input name="roster" type="file" accept=".zip,application/zip" required />
        </label>
        <label class="check">
          <span>
            <input name="dry_run" type="checkbox" /> {t("import.dryRun")}
          </span>
        </label>
        <button type="submit" disabled={action.busy}>
          {t("import.rosterSubmit")}
        </button>
      </form>
      {action.busy && (
        <p>
          <label>
            {t("import.running")}
            <progress aria-label={t("import.running")} />
          </label>
        </p>
      )}
      <ErrorNote error={action.error} />
      {result && "refused" in result && <RefusedView result={result} />}
      {result && !("refused" in result) && <RosterResult summary={result} />}
    </Section>
  )
}

/** Counts of one kind of record. */
const CountsRow = ({ label, counts }: { label: string; counts: ImportCounts | { added: number; removed: number } }) => {
  const t = useT("admin")
  return (
    <tr>
      <th scope="row">{label}</th>
      {"created" in counts ? (
        <td>
          {t("import.counts", {
            created: counts.created,
            updated: counts.updated,
            deleted: counts.deleted,
            unchanged: counts.unchanged
          })}
        </td>
      ) : (
        <td>{t("import.links", { added: counts.added, removed: counts.removed })}</td>
      )}
    </tr>
  )
}

const RosterResult = ({ summary }: { summary: RosterSummary }) => {
  const t = useT("admin")
  return (
    <div class="import-result">
      <output class="ok block">
        {summary.dry_run ? t("import.dryDone") : t("import.done")} ({summary.version})
      </output>
      <TableWrap>
        <table>
          <caption>{t("import.summary")}</caption>
          <tbody>
            <CountsRow label={t("import.schools")} counts={summary.schools} />
            <CountsRow label={t("import.users")} counts={summary.users} />
            <CountsRow label={t("import.groups_")} counts={summary.groups} />
            <CountsRow label={t("import.sessions")} counts={summary.sessions} />
            <CountsRow label={t("import.memberships")} counts={summary.memberships} />
            <CountsRow label={t("import.teachers")} counts={summary.teacher_assignments} />
          </tbody>
        </table>
      </TableWrap>
      {summary.warnings.length === 0 && <p class="muted">{t("import.noWarnings")}</p>}
      <GroupsList groups={summary.warning_groups} />
      <MessagesTable caption={t("import.warnings", { count: summary.warnings.length })} messages={summary.warnings} />
    </div>
  )
}

/** The server refused the files: its message, the errors (file:line) and that nothing changed. */
const RefusedView = ({ result }: { result: Refused }) => {
  const t = useT("admin")
  return (
    <div class="import-refused">
      <p class="error" role="alert">
        {result.message} {t("import.nothingChanged")}
      </p>
      <MessagesTable caption={t("import.errors", { count: result.errors.length })} messages={result.errors} />
      <GroupsList groups={result.warning_groups} />
      <MessagesTable caption={t("import.warnings", { count: result.warnings.length })} messages={result.warnings} />
    </div>
  )
}

const TimetableImport = ({ slug }: { slug: string }) => {
  const t = useT("admin")
  const action = useAction()
  const [result, setResult] = useState<TimetableSummary | Refused | undefined>(undefined)
  const submit = (ev: Event) => {
    ev.preventDefault()
    const f = ev.target as HTMLFormElement
    const file = (f.elements.namedItem("ics") as HTMLInputElement).files?.[0]
    const school = (f.elements.namedItem("school_id") as HTMLSelectElement).value as SchoolId
    const dry = (f.elements.namedItem("tt_dry_run") as HTMLInputElement).checked
    const create = (f.elements.namedItem("create_missing") as HTMLInputElement).checked
    if (!file || !school) return
    setResult(undefined)
    void action
      .run(async () => {
        const text = await file.text()
        return call(AcademicsApi, (c) =>
          c.academics
            .importTimetable({
              path: { slug, id: school },
              urlParams: { dry_run: dry, create_missing: create },
              payload: text
            })
            .pipe(
              Effect.catchTag("TimetableImportFailed", (e) =>
                Effect.succeed<Refused>({
                  refused: true,
                  message: e.message,
                  errors: e.errors,
                  warnings: e.warnings,
                  warning_groups: e.warning_groups
                })
              )
            )
        )
      })
      .then(setResult)
  }
  return (
    <Section title={t("import.timetable")}>
      <form class="card stack" onSubmit={submit}>
        <SchoolSelect slug={slug} name="school_id" label={t("import.school")} />
        <label>
          {t("import.icsFile")}
          <input name="ics" type="file" accept=".ics,text/calendar" required />
        </label>
        <label class="check">
          <span>
            <input name="create_missing" type="checkbox" /> {t("import.createMissing")}
          </span>
        </label>
        <label class="check">
          <span>
            <input name="tt_dry_run" type="checkbox" /> {t("import.dryRun")}
          </span>
        </label>
        <button type="submit" disabled={action.busy}>
          {t("import.timetableSubmit")}
        </button>
      </form>
      {action.busy && (
        <p>
          <label>
            {t("import.running")}
            <progress aria-label={t("import.running")} />
          </label>
        </p>
      )}
      <ErrorNote error={action.error} />
      {result && "refused" in result && <RefusedView result={result} />}
      {result && !("refused" in result) && (
        <div class="import-result">
          <output class="ok block">{result.dry_run ? t("import.dryDone") : t("import.done")}</output>
          <table>
            <caption>{t("import.summary")}</caption>
            <tbody>
              <CountsRow label={t("import.courses")} counts={result.courses} />
            </tbody>
          </table>
          <GroupsList groups={result.warning_groups} />
          <MessagesTable caption={t("import.warnings", { count: result.warnings.length })} messages={result.warnings} />
          <MessagesTable
            caption={t("import.skipped", { count: result.skipped?.length ?? 0 })}
            messages={result.skipped ?? []}
          />
        </div>
      )}
    </Section>
  )
}
