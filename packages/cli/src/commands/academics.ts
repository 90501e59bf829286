/**
 * `signet school|classroom|group|course …` — academics administration on
 * the local database.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { Academics, ClassroomId, GroupId, SchoolId, UserId } from "@signet/core"
import { Console, Effect, Option, Schema } from "effect"
import { plain, show, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
/** A repeatable option that may be left out (help shows it in brackets); absent = none. */
const listOpt = <A>(name: string, description: string, id: Schema.Schema<A, string>) =>
  Options.text(name).pipe(
    Options.withDescription(description),
    Options.repeated,
    Options.withSchema(Schema.mutable(Schema.Array(id))),
    Options.optional
  )
const schoolOpt = Options.text("school").pipe(Options.withDescription("School id"), Options.withSchema(SchoolId))

const out = (value: unknown, asJson: boolean) => show(plain(value), asJson)
const list = (rows: ReadonlyArray<unknown>, asJson: boolean, columns: ReadonlyArray<string>) =>
  asJson ? Console.log(JSON.stringify(plain(rows), null, 2)) : table(plain(rows), columns)

const school = Command.make("school").pipe(
  Command.withDescription("Schools."),
  Command.withSubcommands([
    Command.make(
      "create",
      {
        tenant: tenantOpt,
        name: Options.text("name"),
        code: Options.text("code").pipe(Options.optional),
        timezone: Options.text("timezone").pipe(Options.optional),
        json
      },
      (o) =>
        inTenant(
          o.tenant,
          Effect.flatMap(
            Academics.use((a) =>
              a.createSchool({
                name: o.name,
                ...(Option.isSome(o.code) ? { code: o.code.value } : {}),
                ...(Option.isSome(o.timezone) ? { timezone: o.timezone.value } : {})
              })
            ),
            (s) => out(s, o.json)
          )
        )
    ).pipe(
      Command.withDescription(
        "Create a school.\nExample:\n  signet school create --tenant lycee-hugo --name 'Lycée Victor Hugo' --code HUGO --timezone Europe/Paris"
      )
    ),
    Command.make("list", { tenant: tenantOpt, json }, (o) =>
      inTenant(
        o.tenant,
        Effect.flatMap(
          Academics.use((a) => a.listSchools({ limit: 200 })),
          (p) => list(p.items, o.json, ["id", "name", "code", "timezone"])
        )
      )
    ).pipe(Command.withDescription("List schools.\nExample:\n  signet school list --tenant lycee-hugo"))
  ])
)

const classroom = Command.make("classroom").pipe(
  Command.withDescription("Classrooms."),
  Command.withSubcommands([
    Command.make(
      "create",
      { tenant: tenantOpt, school: schoolOpt, name: Options.text("name"), code: Options.text("code"), json },
      (o) =>
        inTenant(
          o.tenant,
          Effect.flatMap(
            Academics.use((a) => a.createClassroom({ school_id: o.school, name: o.name, code: o.code })),
            (c) => out(c, o.json)
          )
        )
    ).pipe(
      Command.withDescription(
        "Create a classroom.\nExample:\n  signet classroom create --tenant lycee-hugo --school 0193… --name 'Salle 101' --code 101"
      )
    ),
    Command.make("list", { tenant: tenantOpt, school: schoolOpt.pipe(Options.optional), json }, (o) =>
      inTenant(
        o.tenant,
        Effect.flatMap(
          Academics.use((a) => a.listClassrooms({ school_id: Option.getOrUndefined(o.school), limit: 200 })),
          (p) => list(p.items, o.json, ["id", "school_id", "name", "code"])
        )
      )
    ).pipe(Command.withDescription("List classrooms.\nExample:\n  signet classroom list --tenant lycee-hugo"))
  ])
)

const group = Command.make("group").pipe(
  Command.withDescription("Student groups."),
  Command.withSubcommands([
    Command.make(
      "create",
      {
        tenant: tenantOpt,
        school: schoolOpt,
        name: Options.text("name"),
        code: Options.text("code").pipe(Options.optional),
        json
      },
      (o) =>
        inTenant(
          o.tenant,
          Effect.flatMap(
            Academics.use((a) =>
              a.createGroup({
                school_id: o.school,
                name: o.name,
                ...(Option.isSome(o.code) ? { code: o.code.value } : {})
              })
            ),
            (g) => out(g, o.json)
          )
        )
    ).pipe(
      Command.withDescription(
        "Create a group.\nExample:\n  signet group create --tenant lycee-hugo --school 0193… --name '2nde A' --code 2A"
      )
    ),
    Command.make("list", { tenant: tenantOpt, school: schoolOpt.pipe(Options.optional), json }, (o) =>
      inTenant(
        o.tenant,
        Effect.flatMap(
          Academics.use((a) => a.listGroups({ school_id: Option.getOrUndefined(o.school), limit: 200 })),
          (p) => list(p.items, o.json, ["id", "name", "code", "member_count"])
        )
      )
    ).pipe(Command.withDescription("List groups.\nExample:\n  signet group list --tenant lycee-hugo")),
    Command.make(
      "members",
      { tenant: tenantOpt, id: Args.text({ name: "group-id" }).pipe(Args.withSchema(GroupId)), json },
      (o) =>
        inTenant(
          o.tenant,
          Effect.flatMap(
            Academics.use((a) => a.listMembers(o.id)),
            (m) => (o.json ? Console.log(JSON.stringify(m)) : Console.log(m.join("\n") || "(none)"))
          )
        )
    ).pipe(
      Command.withDescription("List a group's student ids.\nExample:\n  signet group members --tenant lycee-hugo 0193…")
    )
  ])
)

const course = Command.make("course").pipe(
  Command.withDescription("Courses."),
  Command.withSubcommands([
    Command.make(
      "list",
      {
        tenant: tenantOpt,
        school: schoolOpt.pipe(Options.optional),
        from: Options.text("from").pipe(Options.withDescription("ISO instant"), Options.optional),
        to: Options.text("to").pipe(Options.withDescription("ISO instant"), Options.optional),
        json
      },
      (o) =>
        inTenant(
          o.tenant,
          Effect.flatMap(
            Academics.use((a) =>
              a.listCourses({
                school_id: Option.getOrUndefined(o.school),
                from: Option.getOrUndefined(o.from),
                to: Option.getOrUndefined(o.to),
                limit: 200
              })
            ),
            (p) => list(p.items, o.json, ["id", "name", "start_at", "end_at", "signature_closed"])
          )
        )
    ).pipe(
      Command.withDescription(
        "List courses.\nExample:\n  signet course list --tenant lycee-hugo --from 2026-11-23T00:00:00Z --to 2026-11-24T00:00:00Z"
      )
    ),
    Command.make(
      "create",
      {
        tenant: tenantOpt,
        school: schoolOpt,
        name: Options.text("name"),
        start: Options.text("start"),
        end: Options.text("end"),
        group: listOpt("group", "Student group id (repeatable)", GroupId),
        classroom: listOpt("classroom", "Classroom id (repeatable)", ClassroomId),
        teacher: listOpt(
          "teacher",
          "Teacher user id (repeatable; a teacher of another school of the tenant counts when they teach one of this school's groups)",
          UserId
        ),
        json
      },
      (o) =>
        inTenant(
          o.tenant,
          Effect.flatMap(
            Academics.use((a) =>
              a.createCourse({
                school_id: o.school,
                name: o.name,
                start_at: o.start,
                end_at: o.end,
                group_ids: Option.getOrElse(o.group, () => []),
                classroom_ids: Option.getOrElse(o.classroom, () => []),
                teacher_ids: Option.getOrElse(o.teacher, () => [])
              })
            ),
            (c) => out(c, o.json)
          )
        )
    ).pipe(
      Command.withDescription(
        "Create a course.\nExample:\n  signet course create --tenant lycee-hugo --school 0193… --name Maths --start 2026-11-23T08:00:00Z --end 2026-11-23T09:00:00Z --group 0193…"
      )
    )
  ])
)

/** `signet school|classroom|group|course`. */
export const academicsCommands = [school, classroom, group, course] as const
