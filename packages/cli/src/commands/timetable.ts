/**
 * `signet timetable import|export|feed` — iCalendar timetables on the local
 * database.
 *
 * @module
 */

import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import {
  AcademicsAdmin,
  CalendarFeedId,
  FeedKind,
  ICalendar,
  policyUse,
  SchoolId,
  Timetable,
  type TimetableSummary
} from "@signet/core"
import { Console, Data, Effect, Option } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"
import { timetableSyncCommands } from "./timetable-sync.js"

/** The import refused the calendar. */
export class TimetableRefused extends Data.TaggedError("TimetableRefused")<{ readonly message: string }> {}

const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))

/** The text report of an import: skipped events, warnings grouped by code, the counts (issue 16). */
const printSummary = (file: string, summary: TimetableSummary) =>
  Effect.gen(function* () {
    for (const s of summary.skipped ?? []) yield* Console.error(`skipped ${s.file}:${s.line} ${s.code}: ${s.message}`)
    for (const g of summary.warning_groups ?? []) {
      yield* Console.error(`warning ${g.code} ×${g.count}`)
      for (const w of g.examples) yield* Console.error(`  ${w.file}${w.line ? `:${w.line}` : ""} ${w.message}`)
      if (g.count > g.examples.length)
        yield* Console.error(`  … ${g.count - g.examples.length} more (--json lists all)`)
    }
    const c = summary.courses
    const made = summary.created_missing
    yield* Console.log(
      `${file}: courses created ${c.created}, updated ${c.updated}, deleted ${c.deleted}, unchanged ${c.unchanged}` +
        (summary.skipped?.length ? `; ${summary.skipped.length} event(s) skipped` : "") +
        (made && made.classrooms + made.groups > 0
          ? `; created ${made.classrooms} classroom(s), ${made.groups} group(s)`
          : "") +
        (summary.floating_zone ? `; floating times read in ${summary.floating_zone}` : "") +
        `${summary.dry_run ? " (dry run: nothing written)" : ""}; ${summary.warnings.length} warning(s)`
    )
  })

const importCmd = Command.make(
  "import",
  {
    file: Args.file({ name: "calendar.ics", exists: "yes" }),
    tenant: tenantOpt,
    school: Options.text("school").pipe(Options.withDescription("School id"), Options.withSchema(SchoolId)),
    mapping: Options.file("mapping", { exists: "yes" }).pipe(
      Options.withDescription("JSON mapping file (timezone, classroom/group/teacher/courseName rules)"),
      Options.optional
    ),
    timezone: Options.text("timezone").pipe(
      Options.withDescription("IANA zone for floating times (default: the mapping's, else the school's)"),
      Options.optional
    ),
    classroomPattern: Options.text("classroom-pattern").pipe(
      Options.withDescription("Regex with one capture group applied to LOCATION to find the classroom code"),
      Options.optional
    ),
    groupPattern: Options.text("group-pattern").pipe(
      Options.withDescription("Regex with one capture group applied to SUMMARY to find the group code"),
      Options.optional
    ),
    teachers: Options.file("teachers", { exists: "yes" }).pipe(
      Options.withDescription(
        "CSV of teacher codes: header code,login, one row per code (at most 5,000 rows, 1 MiB); codes the timetable gives resolve to those users"
      ),
      Options.optional
    ),
    strict: Options.boolean("strict").pipe(
      Options.withDescription(
        "Refuse the whole file when any event cannot be read (default: skip such events and list them with uid:line)"
      )
    ),
    createMissing: Options.boolean("create-missing").pipe(
      Options.withDescription(
        "Create the classrooms and groups the file names (by code, named after it) instead of reporting them unresolved; teachers are never created"
      )
    ),
    dryRun: Options.boolean("dry-run"),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const mappingFile = Option.getOrUndefined(o.mapping)
        const base = mappingFile
          ? yield* Effect.try({
              try: () => ICalendar.parseMapping(Fs.readFileSync(mappingFile, "utf8")),
              catch: (e) =>
                new TimetableRefused({
                  message: `${mappingFile}: ${(e as Error).message}`
                })
            })
          : {}
        const mapping = {
          ...base,
          ...(Option.isSome(o.classroomPattern)
            ? { classroom: { from: "LOCATION" as const, pattern: o.classroomPattern.value } }
            : {}),
          ...(Option.isSome(o.groupPattern)
            ? { group: { from: "SUMMARY" as const, pattern: o.groupPattern.value } }
            : {})
        }
        const teachersFile = Option.getOrUndefined(o.teachers)
        const summary = yield* AcademicsAdmin.importTimetable(o.school, Fs.readFileSync(o.file, "utf8"), {
          timezone: Option.getOrUndefined(o.timezone),
          mapping: JSON.stringify(mapping),
          dryRun: o.dryRun,
          skipInvalid: !o.strict,
          createMissing: o.createMissing,
          teacherCodes: teachersFile === undefined ? undefined : Fs.readFileSync(teachersFile, "utf8")
        }).pipe(
          policyUse("academics:write"),
          Effect.catchTags({
            // With --json the refusal's details go to stdout as JSON, as `roster import --json` does.
            TimetableImportFailed: (f) =>
              Effect.zipRight(
                o.json
                  ? Console.log(
                      JSON.stringify(
                        {
                          errors: plain(f.errors),
                          warnings: plain(f.warnings),
                          warning_groups: plain(f.warning_groups ?? [])
                        },
                        null,
                        2
                      )
                    )
                  : Effect.forEach(f.errors, (e) => Console.error(`error ${e.file}:${e.line} ${e.code}: ${e.message}`)),
                Effect.fail(new TimetableRefused({ message: f.message }))
              ),
            ValidationError: (f) =>
              Effect.zipRight(
                o.json ? Console.log(JSON.stringify({ errors: plain(f.issues), warnings: [] }, null, 2)) : Effect.void,
                Effect.fail(new TimetableRefused({ message: f.message }))
              )
          })
        )
        if (o.json) return yield* Console.log(JSON.stringify(plain(summary), null, 2))
        yield* printSummary(o.file, summary)
      })
    )
).pipe(
  Command.withDescription(
    "Import an iCalendar timetable into a school's courses (one per occurrence; RRULE/EXDATE/RECURRENCE-ID/time zones).\n" +
      "Events that cannot be read are skipped and listed (uid:line) unless --strict; open-ended series end with the school year (roster sessions) when known.\n" +
      "Examples:\n  signet timetable import week.ics --tenant lycee-hugo --school 0193… --classroom-pattern '^Salle (\\\\w+)$'\n  signet timetable import week.ics --tenant lycee-hugo --school 0193… --mapping mapping.json --teachers teachers.csv --create-missing --dry-run"
  )
)

const subject = {
  kind: Options.choice("kind", FeedKind.literals).pipe(Options.withDescription("Whose timetable")),
  id: Options.text("id").pipe(Options.withDescription("Student, teacher, group or classroom id"))
}

const exportCmd = Command.make(
  "export",
  {
    tenant: tenantOpt,
    ...subject,
    from: Options.text("from").pipe(
      Options.withDescription("Start of the window: ISO date (UTC midnight) or instant (default: 30 days ago)"),
      Options.optional
    ),
    to: Options.text("to").pipe(
      Options.withDescription(
        "End of the window: ISO date or instant (default: 180 days ahead; at most 731 days after --from)"
      ),
      Options.optional
    ),
    output: Options.file("output").pipe(
      Options.withDescription("Write to this file (default stdout)"),
      Options.optional
    )
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const exported = yield* Timetable.use((t) =>
          t.exportSubject(o.kind, o.id, { from: Option.getOrUndefined(o.from), to: Option.getOrUndefined(o.to) })
        )
        const window = `${exported.from} and ${exported.to}`
        if (exported.courses === 0) yield* Console.error(`no course between ${window}: the calendar is empty`)
        if (Option.isSome(o.output)) {
          Fs.writeFileSync(o.output.value, exported.calendar)
          return yield* Console.log(`wrote ${o.output.value}: ${exported.courses} course(s) between ${window}`)
        }
        process.stdout.write(exported.calendar)
      })
    )
).pipe(
  Command.withDescription(
    "Export a timetable as .ics: the courses of a student, teacher, group or classroom overlapping the window\n" +
      "--from … --to … (default: 30 days back to 180 days ahead, the window of subscription feeds; at most\n" +
      "731 days and 5,000 courses). An empty window gives a valid empty calendar and a note on stderr.\n" +
      "Example:\n  signet timetable export --tenant lycee-hugo --kind group --id 0193… --from 2027-09-01 --to 2028-07-15 --output 1A.ics"
  )
)

/** A feed's missing required option, as the one-line error the CLI prints. */
const required = <A>(value: Option.Option<A>, option: string, action: string) =>
  Option.match(value, {
    onNone: () => Effect.fail(new TimetableRefused({ message: `timetable feed ${action} needs ${option}` })),
    onSome: Effect.succeed
  })

const feedCreate = (o: {
  readonly tenant: string
  readonly kind: Option.Option<FeedKind>
  readonly id: Option.Option<string>
  readonly json: boolean
}) =>
  Effect.gen(function* () {
    const kind = yield* required(o.kind, "--kind", "create")
    const id = yield* required(o.id, "--id", "create")
    return yield* inTenant(
      o.tenant,
      Effect.flatMap(
        Timetable.use((t) => t.createFeed(kind, id)),
        ({ feed, token }) => {
          const path = `/api/v1/tenants/${o.tenant}/calendar/${token}.ics`
          return o.json
            ? Console.log(JSON.stringify({ feed: plain(feed), path }, null, 2))
            : Console.log(
                `${path}\n(subscribe with the server's base URL in front; revoke with signet timetable feed revoke ${feed.id})`
              )
        }
      )
    )
  })

const feedList = (o: { readonly tenant: string; readonly json: boolean }) =>
  inTenant(
    o.tenant,
    Effect.flatMap(
      Timetable.use((t) => t.listFeeds),
      (f) =>
        o.json
          ? Console.log(JSON.stringify(plain(f), null, 2))
          : table(plain(f), ["id", "kind", "subject_id", "created_at", "revoked_at"])
    )
  )

const feedRevoke = (o: { readonly tenant: string; readonly feedId: Option.Option<CalendarFeedId> }) =>
  Effect.flatMap(required(o.feedId, "<feed-id>", "revoke"), (id) =>
    inTenant(
      o.tenant,
      Effect.flatMap(
        Timetable.use((t) => t.revokeFeed(id)),
        (f) => Console.log(`feed ${f.id} revoked`)
      )
    )
  )

/**
 * `signet timetable feed create|list|revoke`. One command with the action as
 * its first argument rather than a third level of subcommands: @effect/cli
 * 0.77 lists a third level twice-prefixed in `signet --help`
 * ("timetable timetable feed create").
 */
const feed = Command.make(
  "feed",
  {
    action: Args.choice(
      [
        ["create", "create"],
        ["list", "list"],
        ["revoke", "revoke"]
      ] as const,
      { name: "action" }
    ),
    feedId: Args.text({ name: "feed-id" }).pipe(
      Args.withDescription("Feed to revoke (revoke only)"),
      Args.withSchema(CalendarFeedId),
      Args.optional
    ),
    tenant: tenantOpt,
    kind: Options.choice("kind", FeedKind.literals).pipe(
      Options.withDescription("Whose timetable (create only)"),
      Options.optional
    ),
    id: Options.text("id").pipe(
      Options.withDescription("Student, teacher, group or classroom id (create only)"),
      Options.optional
    ),
    json
  },
  (o) => (o.action === "create" ? feedCreate(o) : o.action === "list" ? feedList(o) : feedRevoke(o))
).pipe(
  Command.withDescription(
    "Calendar feeds: create a feed URL (shown once), list feeds, revoke one.\nExamples:\n  signet timetable feed create --tenant lycee-hugo --kind student --id 0193…\n  signet timetable feed list --tenant lycee-hugo\n  signet timetable feed revoke --tenant lycee-hugo 0193…"
  )
)

/** `signet timetable`. */
export const timetable = Command.make("timetable").pipe(
  Command.withDescription("iCalendar timetables: import, export, subscription feeds."),
  Command.withSubcommands([importCmd, exportCmd, feed, ...timetableSyncCommands])
)
