/**
 * Activities contract, second slice (issue 22; seed 001 "Extended Tables":
 * `logacalls` with `logacallable_…`, `events` with `eventable_…`): **call
 * logs** and **calendar events** on any target, and the per-target
 * timeline that merges them with notes, tasks and reviews.
 *
 * Limits: at most {@link MAX_CALL_PARTICIPANTS} participants per call,
 * durations 0..{@link MAX_CALL_DURATION_SECONDS} seconds, at most
 * {@link MAX_EVENT_ATTENDEES} attendees per event, RRULEs of at most
 * {@link MAX_RRULE_CHARS} characters, occurrence queries over at most
 * {@link MAX_OCCURRENCE_WINDOW_DAYS} days answering at most
 * {@link MAX_OCCURRENCES_PER_QUERY} occurrences. Counts, zones, RRULEs and
 * the order of start and end are checked by the service (400
 * `ValidationError`); these schemas check shapes.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { Schema } from "effect"
import { UserId } from "../kernel/Ids.js"
import { ActivityAttachment } from "./Attachments.js"
import { CarbonFootprint } from "./Carbon.js"
import { ActivityPage, Note, NoteId, Review, Target, Task, TimeZoneName } from "./Domain.js"

/** Branded call log id (UUIDv7). */
export const CallLogId = Schema.UUID.pipe(Schema.brand("CallLogId"), Schema.annotations({ identifier: "CallLogId" }))
/** @see CallLogId */
export type CallLogId = typeof CallLogId.Type
/** Branded calendar event id (UUIDv7). */
export const CalendarEventId = Schema.UUID.pipe(
  Schema.brand("CalendarEventId"),
  Schema.annotations({ identifier: "CalendarEventId" })
)
/** @see CalendarEventId */
export type CalendarEventId = typeof CalendarEventId.Type

/** Participants of one call at most. */
export const MAX_CALL_PARTICIPANTS = 20
/** Duration of one call at most, in seconds (24 h). */
export const MAX_CALL_DURATION_SECONDS = 86_400
/** Attendees of one calendar event at most. */
export const MAX_EVENT_ATTENDEES = 100
/** Characters of an RRULE value at most (RFC 5545 §3.3.10, without the `RRULE:` name). */
export const MAX_RRULE_CHARS = 500
/** Width of an occurrence query's window at most, in days. */
export const MAX_OCCURRENCE_WINDOW_DAYS = 366
/** Occurrences one query answers at most (then `truncated` is true). */
export const MAX_OCCURRENCES_PER_QUERY = 1_000
/** Characters of an event title at most. */
export const MAX_EVENT_TITLE_CHARS = 200
/** Characters of an event location at most. */
export const MAX_EVENT_LOCATION_CHARS = 500
/** Characters of an event description or a call summary at most. */
export const MAX_EVENT_DESCRIPTION_CHARS = 10_000

/** Direction of a call. */
export const CallDirection = Schema.Literal("inbound", "outbound")
/** @see CallDirection */
export type CallDirection = typeof CallDirection.Type

/** Outcome of a call. */
export const CallOutcome = Schema.Literal("connected", "no_answer", "voicemail", "busy", "failed")
/** @see CallOutcome */
export type CallOutcome = typeof CallOutcome.Type

/**
 * One party of a call: a user of the tenant (`user_id`) and/or a free-text
 * `name` (≤ 200 characters) with an optional `phone` (digits, spaces, `+`,
 * `-`, `(`, `)`, `.`; ≤ 32 characters). At least `user_id` or `name`.
 */
export const CallParticipant = Schema.Struct({
  user_id: Schema.optional(Schema.NullOr(UserId)),
  name: Schema.optional(Schema.NullOr(Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200)))),
  phone: Schema.optional(
    Schema.NullOr(Schema.String.pipe(Schema.pattern(/^[0-9+() .-]{3,32}$/, { message: () => "is not a phone number" })))
  )
}).pipe(
  Schema.filter((p) => p.user_id != null || p.name != null || "needs a user_id or a name"),
  Schema.annotations({ identifier: "CallParticipant" })
)
/** @see CallParticipant */
export type CallParticipant = typeof CallParticipant.Type

const Summary = Schema.String.pipe(Schema.maxLength(MAX_EVENT_DESCRIPTION_CHARS))

/** A logged call on a target; `duration_seconds` in seconds, `note_id` a note on the same target. */
export class CallLog extends Schema.Class<CallLog>("CallLog")({
  id: CallLogId,
  target_type: Schema.String,
  target_id: Schema.String,
  /** The writer (as for notes). */
  author_id: Schema.String,
  direction: CallDirection,
  participants: Schema.Array(CallParticipant),
  started_at: Schema.DateTimeUtc,
  duration_seconds: Schema.Number,
  outcome: CallOutcome,
  summary: Schema.NullOr(Schema.String),
  note_id: Schema.NullOr(NoteId),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of a call log's creation; `duration_seconds` defaults to 0. */
export class CreateCallLog extends Schema.Class<CreateCallLog>("CreateCallLog")({
  ...Target.fields,
  direction: CallDirection,
  participants: Schema.Array(CallParticipant),
  started_at: Schema.DateTimeUtc,
  duration_seconds: Schema.optional(Schema.Int),
  outcome: CallOutcome,
  summary: Schema.optional(Summary),
  note_id: Schema.optional(Schema.NullOr(NoteId))
}) {}

/** Body of a call log's update: the fields to change. */
export class UpdateCallLog extends Schema.Class<UpdateCallLog>("UpdateCallLog")({
  direction: Schema.optional(CallDirection),
  participants: Schema.optional(Schema.Array(CallParticipant)),
  started_at: Schema.optional(Schema.DateTimeUtc),
  duration_seconds: Schema.optional(Schema.Int),
  outcome: Schema.optional(CallOutcome),
  summary: Schema.optional(Schema.NullOr(Summary)),
  note_id: Schema.optional(Schema.NullOr(NoteId))
}) {}

const EventTitle = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "must not be blank" }),
  Schema.maxLength(MAX_EVENT_TITLE_CHARS)
)
const Location = Schema.String.pipe(Schema.maxLength(MAX_EVENT_LOCATION_CHARS))
const Rrule = Schema.String.pipe(Schema.maxLength(MAX_RRULE_CHARS))

/**
 * A calendar event on a target. `starts_at`/`ends_at` are UTC instants
 * (`ends_at` after `starts_at`); for an all-day event both are UTC
 * midnights (dates; `ends_at` exclusive). `time_zone` is the IANA zone the
 * event and its `rrule` (RFC 5545 RECUR value, e.g. `FREQ=WEEKLY;COUNT=10`)
 * are expanded in.
 */
export class CalendarEvent extends Schema.Class<CalendarEvent>("CalendarEvent")({
  id: CalendarEventId,
  target_type: Schema.String,
  target_id: Schema.String,
  /** The writer (as for notes). */
  author_id: Schema.String,
  title: Schema.String,
  description: Schema.NullOr(Schema.String),
  starts_at: Schema.DateTimeUtc,
  ends_at: Schema.DateTimeUtc,
  all_day: Schema.Boolean,
  time_zone: Schema.String,
  location: Schema.NullOr(Schema.String),
  attendees: Schema.Array(UserId),
  rrule: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of an event's creation; `all_day` defaults to false, `time_zone` to `UTC`. */
export class CreateCalendarEvent extends Schema.Class<CreateCalendarEvent>("CreateCalendarEvent")({
  ...Target.fields,
  title: EventTitle,
  description: Schema.optional(Summary),
  starts_at: Schema.DateTimeUtc,
  ends_at: Schema.DateTimeUtc,
  all_day: Schema.optional(Schema.Boolean),
  time_zone: Schema.optional(TimeZoneName),
  location: Schema.optional(Location),
  attendees: Schema.optional(Schema.Array(UserId)),
  rrule: Schema.optional(Schema.NullOr(Rrule))
}) {}

/** Body of an event's update: the fields to change (the result is checked as a whole). */
export class UpdateCalendarEvent extends Schema.Class<UpdateCalendarEvent>("UpdateCalendarEvent")({
  title: Schema.optional(EventTitle),
  description: Schema.optional(Schema.NullOr(Summary)),
  starts_at: Schema.optional(Schema.DateTimeUtc),
  ends_at: Schema.optional(Schema.DateTimeUtc),
  all_day: Schema.optional(Schema.Boolean),
  time_zone: Schema.optional(TimeZoneName),
  location: Schema.optional(Schema.NullOr(Location)),
  attendees: Schema.optional(Schema.Array(UserId)),
  rrule: Schema.optional(Schema.NullOr(Rrule))
}) {}

/** One occurrence of an event in a window: the event's id and title, the occurrence's start and end. */
export class EventOccurrence extends Schema.Class<EventOccurrence>("EventOccurrence")({
  event_id: CalendarEventId,
  title: Schema.String,
  starts_at: Schema.DateTimeUtc,
  ends_at: Schema.DateTimeUtc,
  all_day: Schema.Boolean
}) {}

/** The occurrences of a target's events in a window, by start; `truncated` when a bound cut the list. */
export class OccurrenceList extends Schema.Class<OccurrenceList>("OccurrenceList")({
  items: Schema.Array(EventOccurrence),
  truncated: Schema.Boolean
}) {}

/**
 * One timeline entry: a note, a task, a review, a call log, a calendar
 * event, an attachment (its latest version; only for callers holding
 * `attachments:read`) or a carbon footprint (only for callers holding
 * `carbon:read`), tagged by `_tag`.
 */
export const TimelineItem = Schema.Union(
  Schema.TaggedStruct("note", { at: Schema.DateTimeUtc, note: Note }),
  Schema.TaggedStruct("task", { at: Schema.DateTimeUtc, task: Task }),
  Schema.TaggedStruct("review", { at: Schema.DateTimeUtc, review: Review }),
  Schema.TaggedStruct("call", { at: Schema.DateTimeUtc, call: CallLog }),
  Schema.TaggedStruct("event", { at: Schema.DateTimeUtc, event: CalendarEvent }),
  Schema.TaggedStruct("attachment", { at: Schema.DateTimeUtc, attachment: ActivityAttachment }),
  Schema.TaggedStruct("footprint", { at: Schema.DateTimeUtc, footprint: CarbonFootprint })
).annotations({ identifier: "TimelineItem" })
/** @see TimelineItem */
export type TimelineItem = typeof TimelineItem.Type

/** The timeline of a target, newest first. */
export const TimelinePage = ActivityPage(TimelineItem).annotations({ identifier: "TimelinePage" })
/** A page of call logs, newest first. */
export const CallLogPage = ActivityPage(CallLog).annotations({ identifier: "CallLogPage" })
/** A page of calendar events, newest first. */
export const CalendarEventPage = ActivityPage(CalendarEvent).annotations({ identifier: "CalendarEventPage" })
