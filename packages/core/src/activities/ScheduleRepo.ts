/**
 * The SQL of call logs and calendar events (issue 22, second slice): the
 * only writer of `activity_calls`, `activity_events` and
 * `activity_event_attendees`, merged into `ActivitiesRepo` (`Repo.ts`).
 * Same rules as `Repo.ts`: the tenant from `CurrentTenant`, rows decoded
 * once into the domain classes, lists newest first by id, callers inside
 * `tenantTx`.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { Target } from "@signet/contracts/activities/Domain"
import {
  CalendarEvent,
  type CalendarEventId,
  type CallDirection,
  CallLog,
  type CallLogId,
  type CallOutcome,
  CallParticipant
} from "@signet/contracts/activities/Schedule"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { UserId } from "@signet/contracts/kernel/Ids"
import { type DateTime, Effect, Option, Schema, Struct } from "effect"
import { bool, DbBool, DbCount, DbJson, instant, json, repoSpan } from "../kernel/Sql.js"

/** Fields of a call log as written (creation and update). */
export interface CallFields {
  readonly direction: CallDirection
  readonly participants: ReadonlyArray<CallParticipant>
  readonly started_at: DateTime.Utc
  readonly duration_seconds: number
  readonly outcome: CallOutcome
  readonly summary: string | null
  readonly note_id: string | null
}

/** Fields of a calendar event as written (creation and update). */
export interface EventFields {
  readonly title: string
  readonly description: string | null
  readonly starts_at: DateTime.Utc
  readonly ends_at: DateTime.Utc
  readonly all_day: boolean
  readonly time_zone: string
  readonly location: string | null
  readonly attendees: ReadonlyArray<UserId>
  readonly rrule: string | null
}

/** An `activity_calls` row (participants as JSON). */
const CallRow = Schema.Struct({
  ...Struct.omit(CallLog.fields, "participants"),
  participants: Schema.compose(DbJson, Schema.Array(CallParticipant))
})
/** An `activity_events` row (all_day 0/1, attendees as JSON). */
const EventRow = Schema.Struct({
  ...Struct.omit(CalendarEvent.fields, "all_day", "attendees"),
  all_day: DbBool,
  attendees: Schema.compose(DbJson, Schema.Array(UserId))
})

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const first = <A>(rows: ReadonlyArray<A>) => Option.fromNullable(rows[0])

/** The SQL of call logs. */
export const callQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const calls = Schema.decodeUnknown(Schema.Array(CallRow))
  const present = (rows: ReadonlyArray<typeof CallRow.Type>) => rows.map((r) => new CallLog(r))
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  const cols = sql`id, target_type, target_id, author_id, direction, participants, started_at, duration_seconds,
    outcome, summary, note_id, created_at, updated_at`
  return {
    /** Stores a new call log. */
    insertCall: (id: CallLogId, target: Target, author: string, f: CallFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_calls (tenant_id, id, target_type, target_id, author_id, direction,
          participants, started_at, duration_seconds, outcome, summary, note_id, created_at, updated_at)
          VALUES (${t}, ${id}, ${target.target_type}, ${target.target_id}, ${author}, ${f.direction},
            ${json(f.participants)}, ${instant(f.started_at)}, ${f.duration_seconds}, ${f.outcome}, ${f.summary},
            ${f.note_id}, ${instant(now)}, ${instant(now)})`
      ).pipe(Effect.asVoid, span("insertCall")),
    /** One live call log of the tenant (a soft-deleted one when `deleted`). */
    findCall: (id: string, deleted = false) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_calls WHERE tenant_id = ${t} AND id = ${id}
          AND ${deleted ? sql`deleted_at IS NOT NULL` : sql`deleted_at IS NULL`}`
      ).pipe(Effect.flatMap(calls), Effect.map(present), Effect.map(first), span("findCall")),
    /**
     * Clears the soft delete of a deleted call log (issue 22 "restore"): true
     * when this call restored it (conditional, so two restores restore once).
     */
    restoreCall: (id: CallLogId) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_calls SET deleted_at = NULL
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NOT NULL RETURNING id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("restoreCall")
      ),
    /** Replaces a call log's fields. */
    updateCall: (id: CallLogId, f: CallFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_calls SET direction = ${f.direction}, participants = ${json(f.participants)},
          started_at = ${instant(f.started_at)}, duration_seconds = ${f.duration_seconds}, outcome = ${f.outcome},
          summary = ${f.summary}, note_id = ${f.note_id}, updated_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("updateCall")),
    /** Soft-deletes a call log. */
    deleteCall: (id: CallLogId, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_calls SET deleted_at = ${instant(now)} WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("deleteCall")),
    /** A target's live call logs, newest first, after `after`, at most `limit`. */
    listCalls: (target: Target, after: string | undefined, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_calls WHERE tenant_id = ${t} AND target_type = ${target.target_type}
          AND target_id = ${target.target_id} AND deleted_at IS NULL
          ${after === undefined ? sql`` : sql`AND id < ${after}`} ORDER BY id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(calls), Effect.map(present), span("listCalls")),
    /** How many live call logs a target has. */
    countCalls: (target: Target) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_calls WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => r[0]?.n ?? 0),
        span("countCalls")
      )
  } as const
}

/** The SQL of calendar events and their attendee index. */
export const eventQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const decode = Schema.decodeUnknown(Schema.Array(EventRow))
  const events = (rows: ReadonlyArray<unknown>) => Effect.map(decode(rows), (rs) => rs.map((r) => new CalendarEvent(r)))
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  const cols = sql`id, target_type, target_id, author_id, title, description, starts_at, ends_at, all_day, time_zone,
    location, attendees, rrule, created_at, updated_at`
  /** Replaces the attendee index rows of an event. */
  const setAttendees = (t: string, id: CalendarEventId, users: ReadonlyArray<UserId>) =>
    Effect.zipRight(
      sql`DELETE FROM activity_event_attendees WHERE tenant_id = ${t} AND event_id = ${id}`,
      Effect.forEach(
        users,
        (u) => sql`INSERT INTO activity_event_attendees (tenant_id, event_id, user_id) VALUES (${t}, ${id}, ${u})`,
        { discard: true }
      )
    )
  return {
    /** Stores a new event and its attendees. */
    insertEvent: (id: CalendarEventId, target: Target, author: string, f: EventFields, now: DateTime.Utc) =>
      Effect.flatMap(tid, (t) =>
        Effect.zipRight(
          sql`INSERT INTO activity_events (tenant_id, id, target_type, target_id, author_id, title, description,
            starts_at, ends_at, all_day, time_zone, location, attendees, rrule, created_at, updated_at)
            VALUES (${t}, ${id}, ${target.target_type}, ${target.target_id}, ${author}, ${f.title}, ${f.description},
              ${instant(f.starts_at)}, ${instant(f.ends_at)}, ${bool(f.all_day)}, ${f.time_zone}, ${f.location},
              ${json(f.attendees)}, ${f.rrule}, ${instant(now)}, ${instant(now)})`,
          setAttendees(t, id, f.attendees)
        )
      ).pipe(Effect.asVoid, span("insertEvent")),
    /** One live event of the tenant (a soft-deleted one when `deleted`). */
    findEvent: (id: string, deleted = false) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_events WHERE tenant_id = ${t} AND id = ${id}
          AND ${deleted ? sql`deleted_at IS NOT NULL` : sql`deleted_at IS NULL`}`
      ).pipe(Effect.flatMap(events), Effect.map(first), span("findEvent")),
    /**
     * Clears the soft delete of a deleted event and puts back its attendee
     * index rows (issue 22 "restore"): true when this call restored it.
     */
    restoreEvent: (id: CalendarEventId, attendees: ReadonlyArray<UserId>) =>
      Effect.flatMap(tid, (t) =>
        Effect.flatMap(
          sql`UPDATE activity_events SET deleted_at = NULL
            WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NOT NULL RETURNING id`,
          (rows) => (rows.length === 1 ? Effect.as(setAttendees(t, id, attendees), true) : Effect.succeed(false))
        )
      ).pipe(span("restoreEvent")),
    /** Replaces an event's fields and attendees. */
    updateEvent: (id: CalendarEventId, f: EventFields, now: DateTime.Utc) =>
      Effect.flatMap(tid, (t) =>
        Effect.zipRight(
          sql`UPDATE activity_events SET title = ${f.title}, description = ${f.description},
            starts_at = ${instant(f.starts_at)}, ends_at = ${instant(f.ends_at)}, all_day = ${bool(f.all_day)},
            time_zone = ${f.time_zone}, location = ${f.location}, attendees = ${json(f.attendees)},
            rrule = ${f.rrule}, updated_at = ${instant(now)} WHERE tenant_id = ${t} AND id = ${id}`,
          setAttendees(t, id, f.attendees)
        )
      ).pipe(Effect.asVoid, span("updateEvent")),
    /** Soft-deletes an event (its attendee rows go: it leaves every export). */
    deleteEvent: (id: CalendarEventId, now: DateTime.Utc) =>
      Effect.flatMap(tid, (t) =>
        Effect.zipRight(
          sql`UPDATE activity_events SET deleted_at = ${instant(now)} WHERE tenant_id = ${t} AND id = ${id}`,
          setAttendees(t, id, [])
        )
      ).pipe(Effect.asVoid, span("deleteEvent")),
    /** A target's live events, newest first, after `after`, at most `limit`. */
    listEvents: (target: Target, after: string | undefined, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_events WHERE tenant_id = ${t} AND target_type = ${target.target_type}
          AND target_id = ${target.target_id} AND deleted_at IS NULL
          ${after === undefined ? sql`` : sql`AND id < ${after}`} ORDER BY id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(events), span("listEvents")),
    /**
     * A target's live events that may occur before `to` and end after
     * `from` (recurring ones whatever their first end), by start, at most `limit`.
     */
    eventsInWindow: (target: Target, from: DateTime.Utc, to: DateTime.Utc, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_events WHERE tenant_id = ${t} AND target_type = ${target.target_type}
          AND target_id = ${target.target_id} AND deleted_at IS NULL AND starts_at < ${instant(to)}
          AND (rrule IS NOT NULL OR ends_at > ${instant(from)}) ORDER BY starts_at, id LIMIT ${limit}`
      ).pipe(Effect.flatMap(events), span("eventsInWindow")),
    /** Live events `user` attends or wrote, by start, at most `limit`. */
    eventsOfUser: (user: string, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_events WHERE tenant_id = ${t} AND deleted_at IS NULL
          AND (author_id = ${user} OR id IN (SELECT event_id FROM activity_event_attendees
            WHERE tenant_id = ${t} AND user_id = ${user})) ORDER BY starts_at, id LIMIT ${limit}`
      ).pipe(Effect.flatMap(events), span("eventsOfUser")),
    /** How many live events a target has. */
    countEvents: (target: Target) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_events WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => r[0]?.n ?? 0),
        span("countEvents")
      )
  } as const
}
