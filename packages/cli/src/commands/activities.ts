/**
 * `signet call …` and `signet event …` — call logs and calendar events on
 * any target (issue 22 "Call logs and calendar events", docs/activities.md)
 * on the local database, through the same facade as REST and RPC
 * (`ActivitiesAdmin`), as the local system actor: list a target's, create,
 * show one, delete one. Input is decoded with the contracts' schemas
 * (`CreateCallLog`, `CreateCalendarEvent`); the service's own checks
 * (participants, zones, RRULEs, target existence) answer as they do over
 * REST: `signet: <message>`, exit code 1.
 *
 * (`signet event` is the calendar; `signet events` is the outbox's dead letters.)
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import {
  ActivitiesAdmin as A,
  type CalendarEvent,
  type CallLog,
  CreateCalendarEvent,
  CreateCallLog,
  policyUse
} from "@signet/core"
import { Console, DateTime, Effect, Option, Schema } from "effect"
import { plain, show as showValue, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const targetOpts = {
  targetType: Options.text("target-type").pipe(
    Options.withDescription("The target's type: user, school, classroom, group, course, beacon, tenant or x-…")
  ),
  targetId: Options.text("target-id").pipe(Options.withDescription("The target's id"))
}
const limit = Options.integer("limit").pipe(Options.withDescription("Page size (1–100, default 50)"), Options.optional)
const cursor = Options.text("cursor").pipe(
  Options.withDescription("Next page (a list's next_cursor)"),
  Options.optional
)
const idArg = (what: string) => Args.text({ name: "id" }).pipe(Args.withDescription(`The ${what}'s id`))

const read = policyUse("activities:read")
const write = policyUse("activities:write")

/** Decodes command-line input with the contract's schema; the last line of a refusal becomes the message. */
const decode = <A, I>(schema: Schema.Schema<A, I>, what: string, input: unknown) =>
  Schema.decodeUnknown(schema)(input).pipe(
    Effect.mapError((e) => new Error(`invalid ${what}: ${e.message.split("\n").slice(-1)[0]?.trim()}`))
  )

/** `Some(v)` as `{ [key]: v }`, `None` as nothing (for optional fields). */
const opt = <K extends string, V>(key: K, value: Option.Option<V>) =>
  Option.match(value, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) as { [k in K]: V } })

const paging = (o: { readonly limit: Option.Option<number>; readonly cursor: Option.Option<string> }) => ({
  ...opt("limit", o.limit),
  ...opt("cursor", o.cursor)
})

const callRow = (c: CallLog) => ({
  id: c.id,
  started_at: c.started_at,
  direction: c.direction,
  outcome: c.outcome,
  seconds: c.duration_seconds,
  participants: c.participants.map((p) => p.name ?? p.user_id).join(", ")
})
const CALL_COLUMNS = ["id", "started_at", "direction", "outcome", "seconds", "participants"] as const

const eventRow = (e: CalendarEvent) => ({
  id: e.id,
  starts_at: e.starts_at,
  ends_at: e.ends_at,
  title: e.title,
  rrule: e.rrule
})
const EVENT_COLUMNS = ["id", "starts_at", "ends_at", "title", "rrule"] as const

/** Prints a page as JSON (`items`, `next_cursor`) or a table and the next cursor. */
const printPage = <T>(
  page: { readonly items: ReadonlyArray<T>; readonly next_cursor: string | null },
  asJson: boolean,
  row: (t: T) => Record<string, unknown>,
  columns: ReadonlyArray<string>
) =>
  asJson
    ? Console.log(JSON.stringify(plain(page), null, 2))
    : Effect.zipRight(
        table(page.items.map(row), columns),
        page.next_cursor === null ? Effect.void : Console.log(`next page: --cursor ${page.next_cursor}`)
      )

/** Prints one activity as JSON or `key: value` lines. */
const printOne = (value: unknown, asJson: boolean) => showValue(plain(value), asJson)

// --- signet call ---

const callList = Command.make("list", { tenant: tenantOpt, ...targetOpts, limit, cursor, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(A.listCalls({ target_type: o.targetType, target_id: o.targetId }, paging(o)).pipe(read), (p) =>
      printPage(p, o.json, callRow, CALL_COLUMNS)
    ),
    true
  )
).pipe(Command.withDescription("A target's call logs, newest first."))

/** `Name` or `Name|+44 20 7946 0000`: a free-text participant with an optional phone. */
const participantOf = (text: string) => {
  const [name, phone] = text.split("|").map((s) => s.trim())
  return { name, ...(phone ? { phone } : {}) }
}

const callCreate = Command.make(
  "create",
  {
    tenant: tenantOpt,
    ...targetOpts,
    direction: Options.choice("direction", ["inbound", "outbound"]).pipe(Options.withDescription("Who called")),
    outcome: Options.choice("outcome", ["connected", "no_answer", "voicemail", "busy", "failed"]).pipe(
      Options.withDescription("How the call ended")
    ),
    participant: Options.text("participant").pipe(
      Options.withDescription("A participant as 'Name' or 'Name|phone' (repeatable)"),
      Options.repeated
    ),
    user: Options.text("user").pipe(
      Options.withDescription("A participant who is a user (id; repeatable)"),
      Options.repeated
    ),
    startedAt: Options.text("started-at").pipe(
      Options.withDescription("When the call started (ISO-8601 instant; default: now)"),
      Options.optional
    ),
    duration: Options.integer("duration").pipe(
      Options.withDescription("Length in seconds (default 0)"),
      Options.optional
    ),
    summary: Options.text("summary").pipe(Options.withDescription("What was said"), Options.optional),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const now = DateTime.formatIso(yield* DateTime.now)
        const input = yield* decode(CreateCallLog, "call", {
          target_type: o.targetType,
          target_id: o.targetId,
          direction: o.direction,
          outcome: o.outcome,
          participants: [...o.user.map((user_id) => ({ user_id })), ...o.participant.map(participantOf)],
          started_at: Option.getOrElse(o.startedAt, () => now),
          ...opt("duration_seconds", o.duration),
          ...opt("summary", o.summary)
        })
        const logged = yield* A.createCall(input).pipe(write)
        if (o.json) return yield* printOne(logged, true)
        yield* Console.log(`logged call ${logged.id}`)
      })
    )
).pipe(Command.withDescription("Log a call on a target."))

const callShow = Command.make("show", { tenant: tenantOpt, id: idArg("call log"), json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(A.getCall(o.id).pipe(read), (c) => printOne(c, o.json)),
    true
  )
).pipe(Command.withDescription("One call log."))

const callDelete = Command.make("delete", { tenant: tenantOpt, id: idArg("call log") }, (o) =>
  inTenant(o.tenant, Effect.zipRight(A.deleteCall(o.id).pipe(write), Console.log(`deleted call ${o.id}`)))
).pipe(Command.withDescription("Delete a call log (soft delete; audited)."))

/** `signet call`: list, create, show, delete (issue 22). */
export const call = Command.make("call").pipe(
  Command.withDescription("Call logs on any target (docs/activities.md)."),
  Command.withSubcommands([callList, callCreate, callShow, callDelete])
)

// --- signet event ---

const eventList = Command.make("list", { tenant: tenantOpt, ...targetOpts, limit, cursor, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(A.listEvents({ target_type: o.targetType, target_id: o.targetId }, paging(o)).pipe(read), (p) =>
      printPage(p, o.json, eventRow, EVENT_COLUMNS)
    ),
    true
  )
).pipe(Command.withDescription("A target's calendar events, newest first."))

const eventCreate = Command.make(
  "create",
  {
    tenant: tenantOpt,
    ...targetOpts,
    title: Options.text("title").pipe(Options.withDescription("The event's title")),
    startsAt: Options.text("starts-at").pipe(Options.withDescription("Start (ISO-8601 instant)")),
    endsAt: Options.text("ends-at").pipe(Options.withDescription("End (ISO-8601 instant, after the start)")),
    allDay: Options.boolean("all-day").pipe(
      Options.withDescription("A whole-day event (start and end at UTC midnights)")
    ),
    timeZone: Options.text("time-zone").pipe(
      Options.withDescription("IANA zone the event recurs in (default UTC)"),
      Options.optional
    ),
    location: Options.text("location").pipe(Options.withDescription("Where"), Options.optional),
    description: Options.text("description").pipe(Options.withDescription("What"), Options.optional),
    attendee: Options.text("attendee").pipe(
      Options.withDescription("An attendee (user id; repeatable)"),
      Options.repeated
    ),
    rrule: Options.text("rrule").pipe(
      Options.withDescription("Recurrence (RFC 5545 RRULE, e.g. FREQ=WEEKLY;COUNT=10)"),
      Options.optional
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* decode(CreateCalendarEvent, "event", {
          target_type: o.targetType,
          target_id: o.targetId,
          title: o.title,
          starts_at: o.startsAt,
          ends_at: o.endsAt,
          all_day: o.allDay,
          attendees: o.attendee,
          ...opt("time_zone", o.timeZone),
          ...opt("location", o.location),
          ...opt("description", o.description),
          ...opt("rrule", o.rrule)
        })
        const created = yield* A.createEvent(input).pipe(write)
        if (o.json) return yield* printOne(created, true)
        yield* Console.log(`created event ${created.id}`)
      })
    )
).pipe(Command.withDescription("Create a calendar event on a target."))

const eventShow = Command.make("show", { tenant: tenantOpt, id: idArg("event"), json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(A.getEvent(o.id).pipe(read), (e) => printOne(e, o.json)),
    true
  )
).pipe(Command.withDescription("One calendar event."))

const eventDelete = Command.make("delete", { tenant: tenantOpt, id: idArg("event") }, (o) =>
  inTenant(o.tenant, Effect.zipRight(A.deleteEvent(o.id).pipe(write), Console.log(`deleted event ${o.id}`)))
).pipe(Command.withDescription("Delete a calendar event (soft delete; audited)."))

/** `signet event`: list, create, show, delete calendar events (issue 22). Not `signet events` (the outbox). */
export const event = Command.make("event").pipe(
  Command.withDescription("Calendar events on any target (docs/activities.md); `signet events` is the outbox."),
  Command.withSubcommands([eventList, eventCreate, eventShow, eventDelete])
)
