/**
 * `signet timetable sync` and `signet timetable source add|list|remove|pull`
 * (issue 16 "Sync mode") on the local database: a snapshot replaces a
 * school's imported courses in the window it covers; a source is a school's
 * https iCalendar URL that `signet serve` pulls every interval.
 *
 * @module
 */

import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import {
  Academics,
  ICalendar,
  SchoolId,
  Timetable,
  type TimetableSyncItem,
  type TimetableSyncSummary
} from "@signet/core"
import { Console, Data, Effect, Option, type Redacted } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

/** The sync or source command refused its input. */
export class TimetableSyncRefused extends Data.TaggedError("TimetableSyncRefused")<{ readonly message: string }> {}

const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const mappingOpt = Options.file("mapping", { exists: "yes" }).pipe(
  Options.withDescription(
    "JSON mapping file (timezone, classroom/group/teacher/courseName rules, windowStart/windowEnd)"
  ),
  Options.optional
)

/** Reads and validates a mapping file. */
const readMapping = (file: Option.Option<string>) =>
  Option.match(file, {
    onNone: () => Effect.succeed({} as ICalendar.TimetableMapping),
    onSome: (path) =>
      Effect.try({
        try: () => ICalendar.parseMapping(Fs.readFileSync(path, "utf8")),
        catch: (e) => new TimetableSyncRefused({ message: `${path}: ${(e as Error).message}` })
      })
  })

const when = (i: TimetableSyncItem) => `${i.start_at} → ${i.end_at}`

/** The diff as text: counts, then one line per listed item (`+` created, `~` updated, `-` removed, `=` kept). */
export const diffText = (file: string, s: TimetableSyncSummary): string => {
  const c = s.counts
  const lines = [
    `${file}: ${s.window ? `window ${s.window.start} → ${s.window.end}` : "no window (the file covers nothing; nothing removed)"}${s.dry_run ? " (dry run: nothing written)" : ""}`,
    `courses created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, removed ${c.removed}, kept (attendance recorded) ${c.kept_with_attendance}, re-keyed ${c.rekeyed}; ${s.warnings.length} warning(s)`,
    ...s.created.map((i) => `+ ${i.name}  ${when(i)}`),
    ...s.updated.map(
      (i) =>
        `~ ${i.name}  ${when(i)}  ${i.changes.map((ch) => `${ch.field}: ${ch.before || "-"} → ${ch.after || "-"}`).join("; ")}`
    ),
    ...s.removed.map((i) => `- ${i.name}  ${when(i)}`),
    ...s.kept_with_attendance.map((i) => `= ${i.name}  ${when(i)}  kept: attendance recorded`)
  ]
  const listed = s.created.length + s.updated.length + s.removed.length + s.kept_with_attendance.length
  const counted = c.created + c.updated + c.removed + c.kept_with_attendance
  if (listed < counted) lines.push(`(lists show at most ${s.list_cap} items each; the counts are complete)`)
  return lines.join("\n")
}

const syncCmd = Command.make(
  "sync",
  {
    file: Args.file({ name: "calendar.ics", exists: "yes" }),
    tenant: tenantOpt,
    school: Options.text("school").pipe(Options.withDescription("School id"), Options.withSchema(SchoolId)),
    mapping: mappingOpt,
    timezone: Options.text("timezone").pipe(
      Options.withDescription("IANA zone for floating times (default: the mapping's, else the school's)"),
      Options.optional
    ),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Show the diff; write nothing")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const school = yield* Academics.use((a) => a.getSchool(o.school))
        const mapping = yield* readMapping(o.mapping)
        const timezone = Option.getOrElse(o.timezone, () => mapping.timezone ?? school.timezone)
        const plan = yield* ICalendar.parseTimetableEffect(Fs.readFileSync(o.file, "utf8"), { ...mapping, timezone })
        const window =
          mapping.windowStart !== undefined && mapping.windowEnd !== undefined
            ? { start: mapping.windowStart, end: mapping.windowEnd }
            : undefined
        const onProgress = o.json
          ? undefined
          : (done: number, total: number) => process.stderr.write(`synced ${done}/${total} course(s)\n`)
        const summary = yield* Timetable.use((t) =>
          t.syncPlan(school.id, plan, { dryRun: o.dryRun, window, onProgress })
        ).pipe(
          Effect.catchTags({
            TimetableImportFailed: (f) =>
              Effect.zipRight(
                o.json
                  ? Console.log(JSON.stringify({ errors: plain(f.errors), warnings: plain(f.warnings) }, null, 2))
                  : Effect.forEach(f.errors, (e) =>
                      Console.error(`error ${e.file} line ${e.line} ${e.code}: ${e.message}`)
                    ),
                Effect.fail(new TimetableSyncRefused({ message: f.message }))
              ),
            ValidationError: (f) => Effect.fail(new TimetableSyncRefused({ message: f.message }))
          })
        )
        if (o.json) return yield* Console.log(JSON.stringify(plain(summary), null, 2))
        for (const w of summary.warnings) yield* Console.error(`warning ${w.file} ${w.code}: ${w.message}`)
        yield* Console.log(diffText(o.file, summary))
      })
    )
).pipe(
  Command.withDescription(
    "Sync a timetable snapshot: replace the school's imported courses in the window the file covers (from its first\n" +
      "occurrence's start to its last one's end, or the mapping's windowStart/windowEnd). New occurrences are created,\n" +
      "changed ones updated, vanished ones removed — except courses with attendance, which are kept and listed.\n" +
      "Courses created by hand are never touched. Exports that regenerate UIDs are matched by start, end, room, group, name.\n" +
      "Examples:\n  signet timetable sync week.ics --tenant lycee-hugo --school 0193… --mapping mapping.json --dry-run\n" +
      "  signet timetable sync week.ics --tenant lycee-hugo --school 0193… --json"
  )
)

/** A missing required option of a source action, as a one-line error. */
const required = <A>(value: Option.Option<A>, option: string, action: string) =>
  Option.match(value, {
    onNone: () => Effect.fail(new TimetableSyncRefused({ message: `timetable source ${action} needs ${option}` })),
    onSome: Effect.succeed
  })

interface SourceOptions {
  readonly action: "add" | "list" | "remove" | "pull"
  readonly sourceId: Option.Option<string>
  readonly tenant: string
  readonly school: Option.Option<SchoolId>
  readonly url: Option.Option<Redacted.Redacted<string>>
  readonly mapping: Option.Option<string>
  readonly interval: Option.Option<number>
  readonly disabled: boolean
  readonly json: boolean
}

const SOURCE_COLUMNS = ["id", "school_id", "url_hint", "interval_minutes", "enabled", "last_status", "next_pull_at"]

const sourceAction = (o: SourceOptions) =>
  Effect.gen(function* () {
    switch (o.action) {
      case "add": {
        const school = yield* required(o.school, "--school", "add")
        const url = yield* required(o.url, "--url", "add")
        const mapping = yield* readMapping(o.mapping)
        const source = yield* Timetable.use((t) =>
          t.addSource({
            school_id: school,
            url,
            mapping: Option.isSome(o.mapping) ? (mapping as Record<string, unknown>) : undefined,
            interval_minutes: Option.getOrUndefined(o.interval),
            enabled: !o.disabled
          })
        )
        return yield* o.json
          ? Console.log(JSON.stringify(plain(source), null, 2))
          : table([plain(source)], SOURCE_COLUMNS)
      }
      case "list": {
        const sources = yield* Timetable.use((t) => t.listSources)
        return yield* o.json
          ? Console.log(JSON.stringify(plain(sources), null, 2))
          : table(plain(sources), SOURCE_COLUMNS)
      }
      case "remove": {
        const id = yield* required(o.sourceId, "<source-id>", "remove")
        const removed = yield* Timetable.use((t) => t.removeSource(id))
        return yield* Console.log(`timetable source ${removed.id} removed (its courses stay)`)
      }
      case "pull": {
        const id = yield* required(o.sourceId, "<source-id>", "pull")
        const r = yield* Timetable.use((t) => t.pullSource(id))
        if (o.json) return yield* Console.log(JSON.stringify(plain(r), null, 2))
        return yield* Console.log(
          r.summary ? diffText(`source ${r.source_id}`, r.summary) : `source ${r.source_id}: not modified (HTTP 304)`
        )
      }
    }
  })

/**
 * `signet timetable source add|list|remove|pull`: one command with the
 * action as its first argument (as `timetable feed`; a third level of
 * subcommands is listed twice-prefixed by @effect/cli 0.77).
 */
const sourceCmd = Command.make(
  "source",
  {
    action: Args.choice(
      [
        ["add", "add"],
        ["list", "list"],
        ["remove", "remove"],
        ["pull", "pull"]
      ] as const,
      { name: "action" }
    ),
    sourceId: Args.text({ name: "source-id" }).pipe(
      Args.withDescription("Source to remove or pull (remove, pull)"),
      Args.optional
    ),
    tenant: tenantOpt,
    school: Options.text("school").pipe(
      Options.withDescription("School id (add)"),
      Options.withSchema(SchoolId),
      Options.optional
    ),
    url: Options.redacted("url").pipe(
      Options.withDescription("The https iCalendar URL (add); stored encrypted, never shown again"),
      Options.optional
    ),
    mapping: mappingOpt,
    interval: Options.integer("interval").pipe(
      Options.withDescription("Minutes between pulls (add; at least 15, default 60)"),
      Options.optional
    ),
    disabled: Options.boolean("disabled").pipe(Options.withDescription("Add the source switched off (add)")),
    json
  },
  (o) => inTenant(o.tenant, sourceAction(o))
).pipe(
  Command.withDescription(
    "Timetable sources: a school's https iCalendar URL that `signet serve` pulls every --interval minutes\n" +
      "(If-None-Match / If-Modified-Since; 304 changes nothing) and syncs like `timetable sync`.\n" +
      "Examples:\n  signet timetable source add --tenant lycee-hugo --school 0193… --url 'https://…/ical?token=…' --interval 60\n" +
      "  signet timetable source list --tenant lycee-hugo\n  signet timetable source pull --tenant lycee-hugo 0193…\n" +
      "  signet timetable source remove --tenant lycee-hugo 0193…"
  )
)

/** The `timetable` subcommands of issue 16's sync mode: `sync` and `source`. */
export const timetableSyncCommands = [syncCmd, sourceCmd] as const
