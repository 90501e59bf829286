/**
 * `signet attendance report|roll|mark|close …` — attendance reports, course
 * rolls, roll marking (issue 15 §6) and the close job on the local database
 * (issue 5 §6), as tables, CSV or JSON. Through the facade `AttendanceAdmin`
 * (as the local system actor, which holds every permission), so the CLI gets
 * the same rules as REST: `mark` is `POST …/courses/{id}/roll`
 * (`AttendanceAdmin.markRoll`), recorded as an ADMIN mark with an audit row.
 *
 * @module
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { Command, HelpDoc, Options, ValidationError } from "@effect/cli"
import {
  AttendanceAdmin,
  type AttendanceCounts,
  AttendanceNotFound,
  type AttendanceReport,
  CourseId,
  type CourseRoll,
  historyCsv,
  Identity,
  Ids,
  policyUse,
  reportCsv,
  rollCsv,
  type StudentHistory,
  type UserId
} from "@signet/core"
import { Console, Data, DateTime, Effect, Option, Schema } from "effect"
import { plain, show, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

/** The output file of `--output` could not be written (exit code 1). */
export class OutputFileError extends Data.TaggedError("OutputFileError")<{ readonly message: string }> {}

/** Output formats of `signet attendance report|roll`. */
export const ATTENDANCE_FORMATS = ["table", "csv", "json"] as const

/** An output format of `signet attendance report|roll`. */
export type AttendanceFormat = (typeof ATTENDANCE_FORMATS)[number]

/** What `signet attendance report` reports on: exactly one of `--school`, `--group`, `--course`, `--student`. */
export type ReportScope = {
  readonly scope: "school" | "group" | "course" | "student"
  readonly id: string
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i

/** Whether `text` is an ISO-8601 instant (date, `T`, time and an offset or `Z`) naming a real time. */
export const isIsoInstant = (text: string): boolean => ISO_INSTANT.test(text) && !Number.isNaN(Date.parse(text))

const usage = (message: string) => ValidationError.invalidValue(HelpDoc.p(`signet: ${message}`))

const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const format = Options.choice("format", ATTENDANCE_FORMATS).pipe(
  Options.withDescription("Output format: table (default), csv or json"),
  Options.withDefault("table" as AttendanceFormat)
)
const output = Options.text("output").pipe(
  Options.withDescription("Write to this file instead of standard output"),
  Options.optional
)
const instantOpt = (name: "from" | "to", description: string) =>
  Options.text(name).pipe(
    Options.withDescription(`${description} (ISO-8601 instant, e.g. 2026-09-01T00:00:00Z)`),
    Options.mapEffect((value) =>
      isIsoInstant(value)
        ? Effect.succeed(value)
        : Effect.fail(usage(`--${name} '${value}' is not an ISO-8601 instant (e.g. 2026-09-01T00:00:00Z)`))
    ),
    Options.optional
  )
const range = Options.all({
  from: instantOpt("from", "Courses starting at or after this instant"),
  to: instantOpt("to", "Courses starting before this instant")
}).pipe(
  Options.mapEffect((r) =>
    Option.isSome(r.from) && Option.isSome(r.to) && Date.parse(r.from.value) >= Date.parse(r.to.value)
      ? Effect.fail(usage("--to must be after --from"))
      : Effect.succeed({ from: Option.getOrUndefined(r.from), to: Option.getOrUndefined(r.to) })
  )
)
const idOpt = (name: ReportScope["scope"]) =>
  Options.text(name).pipe(Options.withDescription(`Report on this ${name} (id)`), Options.optional)
const scopeOpt = Options.all({
  school: idOpt("school"),
  group: idOpt("group"),
  course: idOpt("course"),
  student: idOpt("student")
}).pipe(
  Options.mapEffect((given) => {
    const chosen = (["school", "group", "course", "student"] as const).flatMap((scope) => {
      const id = given[scope]
      return Option.isSome(id) ? [{ scope, id: id.value } satisfies ReportScope] : []
    })
    if (chosen.length === 1) return Effect.succeed(chosen[0]!)
    return Effect.fail(
      usage(
        chosen.length === 0
          ? "give one of --school, --group, --course or --student"
          : `give only one of --school, --group, --course or --student (got ${chosen.map((c) => `--${c.scope}`).join(", ")})`
      )
    )
  })
)

/** A rate (0..1) as a percentage with one decimal; `-` when nothing was counted. */
export const percent = (rate: number | null): string => (rate === null ? "-" : `${(rate * 100).toFixed(1)}%`)

const countsLine = (t: AttendanceCounts) =>
  `present ${t.present}, late ${t.late}, absent ${t.absent}, excused ${t.excused}, unmarked ${t.unmarked}; rate ${percent(t.rate)}`

const rangeText = (from: DateTime.Utc | null, to: DateTime.Utc | null) =>
  from || to ? ` from ${from ? DateTime.formatIso(from) : "the start"} to ${to ? DateTime.formatIso(to) : "now"}` : ""

/**
 * A course or student id given on the command line, as its branded id; a
 * malformed one answers the same 404 as a missing one ("no course …").
 */
const idArg = <A extends string>(
  schema: Schema.Schema<A, string>,
  resource: "course" | "student",
  value: string
): Effect.Effect<A, AttendanceNotFound> =>
  Option.match(Schema.decodeUnknownOption(schema)(value), {
    onNone: () => Effect.fail(new AttendanceNotFound({ message: `no ${resource} ${value}`, resource, id: value })),
    onSome: Effect.succeed
  })

/** The human rendering of a report: a header, one row per student and a totals line. */
const reportTable = (r: AttendanceReport) =>
  Effect.gen(function* () {
    yield* Console.log(`Attendance of ${r.scope} ${r.scope_id}${rangeText(r.from, r.to)}: ${r.courses} course(s)`)
    yield* table(
      r.lines.map((l) => ({
        student: l.name ?? l.student_id,
        email: l.email,
        courses: l.totals.courses,
        present: l.totals.present,
        late: l.totals.late,
        absent: l.totals.absent,
        excused: l.totals.excused,
        unmarked: l.totals.unmarked,
        rate: percent(l.totals.rate)
      })),
      ["student", "email", "courses", "present", "late", "absent", "excused", "unmarked", "rate"]
    )
    yield* Console.log(`Total: ${r.lines.length} student(s); ${countsLine(r.totals)}`)
  })

/** The human rendering of a student's history: a header, one row per course and a totals line. */
const historyTable = (h: StudentHistory, who: { readonly name: string; readonly email: string } | undefined) =>
  Effect.gen(function* () {
    const name = who ? `${who.name} <${who.email}>` : h.student_id
    yield* Console.log(`Attendance of ${name}${rangeText(h.from, h.to)}: ${h.totals.courses} course(s)`)
    yield* table(
      h.entries.map((e) => ({ start_at: e.start_at, course: e.course_name, result: e.result ?? "UNMARKED" })),
      ["start_at", "course", "result"]
    )
    yield* Console.log(`Total: ${countsLine(h.totals)}`)
  })

/** The human rendering of a course roll: a header, one row per student and the counts. */
const rollTable = (roll: CourseRoll, people: ReadonlyMap<string, { readonly name: string; readonly email: string }>) =>
  Effect.gen(function* () {
    yield* Console.log(
      `${roll.course_name} (${roll.course_id}) ${DateTime.formatIso(roll.start_at)} – ${DateTime.formatIso(roll.end_at)}; ` +
        `${roll.closed ? "closed" : "open"}; teacher ${roll.teacher_signed ? "signed" : "has not signed"}`
    )
    yield* table(
      roll.entries.map((e) => ({
        student: people.get(e.student_id)?.name ?? e.student_id,
        email: people.get(e.student_id)?.email,
        result: e.result ?? "UNMARKED",
        method: e.method,
        signed_at: e.signed_at,
        excuse_id: e.excuse_id
      })),
      ["student", "email", "result", "method", "signed_at", "excuse_id"]
    )
    const c = roll.counts
    yield* Console.log(
      `Total: ${roll.entries.length} student(s); present ${c.PRESENT}, late ${c.LATE}, absent ${c.ABSENT}, excused ${c.EXCUSED}, unmarked ${c.UNMARKED}`
    )
  })

/** Prints `text`, or writes it to `file` and says where. */
const emit = (text: string, file: Option.Option<string>) =>
  Option.match(file, {
    onNone: () => Console.log(text.endsWith("\n") ? text.slice(0, -1) : text),
    onSome: (path) =>
      Effect.try({
        try: () => {
          const body = text.endsWith("\n") ? text : `${text}\n`
          Fs.writeFileSync(path, body)
          return { path: Path.resolve(path), bytes: Buffer.byteLength(body) }
        },
        catch: (e) => new OutputFileError({ message: `cannot write ${path}: ${(e as Error).message}` })
      }).pipe(Effect.flatMap((w) => Console.log(`wrote ${w.path} (${w.bytes} bytes)`)))
  })

/** Captures what `render` prints, for `--output` with the table format. */
const captured = <E, R>(render: Effect.Effect<void, E, R>) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const push = (...args: ReadonlyArray<unknown>) => void lines.push(args.map(String).join(" "))
    const console = yield* Console.consoleWith(Effect.succeed)
    yield* Console.withConsole(render, {
      ...console,
      log: (...args: ReadonlyArray<unknown>) => Effect.sync(() => push(...args)),
      unsafe: { ...console.unsafe, log: push }
    })
    return `${lines.join("\n")}\n`
  })

/** Renders with `render` to standard output, or to `file`. */
const emitTable = <E, R>(render: Effect.Effect<void, E, R>, file: Option.Option<string>) =>
  Option.isNone(file) ? render : Effect.flatMap(captured(render), (text) => emit(text, file))

const people = (ids: ReadonlyArray<UserId>) => Identity.use((i) => i.liteMany(ids))

const report = Command.make("report", { tenant: tenantOpt, target: scopeOpt, range, format, output }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      if (o.target.scope === "student") {
        const history = yield* AttendanceAdmin.studentHistory(yield* idArg(Ids.UserId, "student", o.target.id), o.range)
        if (o.format === "csv") return yield* emit(historyCsv(history), o.output)
        if (o.format === "json") return yield* emit(JSON.stringify(plain(history), null, 2), o.output)
        const who = (yield* people([history.student_id])).get(history.student_id)
        return yield* emitTable(historyTable(history, who), o.output)
      }
      const r = yield* AttendanceAdmin.report({ scope: o.target.scope, id: o.target.id, ...o.range }).pipe(
        policyUse("attendance:read")
      )
      if (o.format === "csv") return yield* emit(reportCsv(r), o.output)
      if (o.format === "json") return yield* emit(JSON.stringify(plain(r), null, 2), o.output)
      return yield* emitTable(reportTable(r), o.output)
    })
  )
).pipe(
  Command.withDescription(
    "Attendance report of a school, group or course (one line per student), or one student's history, " +
      "over the courses starting in [--from, --to).\n" +
      "Examples:\n" +
      "  signet attendance report --tenant lycee-hugo --group 0193… --from 2026-09-01T00:00:00Z --to 2027-01-01T00:00:00Z\n" +
      "  signet attendance report --tenant lycee-hugo --school 0193… --format csv --output attendance.csv\n" +
      "  signet attendance report --tenant lycee-hugo --student 0193… --format json"
  )
)

const roll = Command.make(
  "roll",
  {
    tenant: tenantOpt,
    course: Options.text("course").pipe(Options.withDescription("Course id")),
    format,
    output
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const r = yield* AttendanceAdmin.getRoll(yield* idArg(CourseId, "course", o.course)).pipe(
          policyUse("attendance:read")
        )
        if (o.format === "csv") return yield* emit(rollCsv(r), o.output)
        if (o.format === "json") return yield* emit(JSON.stringify(plain(r), null, 2), o.output)
        const names = yield* people(r.entries.map((e) => e.student_id))
        return yield* emitTable(rollTable(r, names), o.output)
      })
    )
).pipe(
  Command.withDescription(
    "A course's roll: every enrolled student and their result.\n" +
      "Examples:\n  signet attendance roll --tenant lycee-hugo --course 0193…\n" +
      "  signet attendance roll --tenant lycee-hugo --course 0193… --format csv"
  )
)

/** Roll results `signet attendance mark --status` accepts (`RollMark.result`). */
export const MARK_STATUSES = ["PRESENT", "LATE", "ABSENT", "EXCUSED"] as const

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The user id of `ref` — an id as given, an email or username looked up in the tenant. */
const studentIdOf = (ref: string) =>
  UUID.test(ref)
    ? Effect.succeed(Ids.UserId.make(ref))
    : Effect.flatMap(
        // In a tenant transaction: on Postgres, row-level security reads the tenant from it.
        Identity.use((i) => i.inTx(i.findByLogin(ref))),
        Option.match({
          onNone: () => Effect.fail(new StudentNotFound({ message: `no user ${ref} in this tenant` })),
          onSome: (row) => Effect.succeed(Ids.UserId.make(row.id))
        })
      )

/** `signet attendance mark --student` names no user of the tenant (exit code 1). */
export class StudentNotFound extends Data.TaggedError("StudentNotFound")<{ readonly message: string }> {}

const mark = Command.make(
  "mark",
  {
    tenant: tenantOpt,
    course: Options.text("course").pipe(Options.withDescription("Course id")),
    student: Options.text("student").pipe(Options.withDescription("The student: user id, email or username")),
    status: Options.choice("status", MARK_STATUSES).pipe(
      Options.withDescription("The result to record: PRESENT, LATE, ABSENT or EXCUSED")
    ),
    note: Options.text("note").pipe(
      Options.withDescription("Why (at most 500 characters; kept in the audit row)"),
      Options.mapEffect((n) =>
        n.length > 500 ? Effect.fail(usage("--note is longer than 500 characters")) : Effect.succeed(n)
      ),
      Options.optional
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const studentId = yield* studentIdOf(o.student)
        const r = yield* AttendanceAdmin.markRoll(yield* idArg(CourseId, "course", o.course), {
          marks: [{ student_id: studentId, result: o.status }],
          ...(Option.isSome(o.note) ? { note: o.note.value } : {})
        })
        if (o.json) return yield* show(plain({ ...r, student_id: studentId, status: o.status }), true)
        yield* Console.log(
          r.marked === 1
            ? `marked ${o.student} ${o.status} in course ${r.course_id}`
            : `${o.student} was already ${o.status} in course ${r.course_id}; nothing changed`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Mark one student's result in a course's roll (PRESENT and LATE create or change a signature; " +
      "ABSENT and EXCUSED set the result), as an administrator: the same rules as the REST roll call " +
      "(the student must be enrolled), recorded as an ADMIN mark with an audit row.\n" +
      "Examples:\n" +
      "  signet attendance mark --tenant lycee-hugo --course 0193… --student ana@lycee.example.edu --status PRESENT\n" +
      "  signet attendance mark --tenant lycee-hugo --course 0193… --student 0193… --status EXCUSED --note 'doctor'"
  )
)

const close = Command.make("close", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const r = yield* AttendanceAdmin.closeExpiredCourses().pipe(policyUse("attendance:admin"))
      if (o.json) return yield* show(plain(r), true)
      yield* Console.log(`closed ${r.closed_count} course(s); marked ${r.absences} student(s) absent`)
    })
  )
).pipe(
  Command.withDescription(
    "Close signing on every course of the tenant that has ended, marking unsigned students absent " +
      "(what the server's close job does every minute).\nExample:\n  signet attendance close --tenant lycee-hugo"
  )
)

/** `signet attendance report|roll|close`. */
export const attendance = Command.make("attendance").pipe(
  Command.withDescription("Attendance reports, course rolls, roll marking and closing ended courses."),
  Command.withSubcommands([report, roll, mark, close])
)
