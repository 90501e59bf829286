/**
 * Activities contract, first slice (issue 22; seed 001 "Extended Tables":
 * `notes`, `tasks`, `reviews` with polymorphic `notable_type/notable_id`,
 * `taskable_…` relations): notes, tasks and reviews attached to a
 * **target** `(target_type, target_id)`, a per-target timeline merging
 * them, and the tenant's registry of custom target types.
 *
 * Limits (every resource has one): note bodies ≤ {@link MAX_NOTE_BODY_BYTES}
 * bytes of UTF-8, task titles ≤ {@link MAX_TASK_TITLE_CHARS} characters,
 * descriptions and review comments ≤ {@link MAX_TASK_DESCRIPTION_CHARS} /
 * {@link MAX_REVIEW_COMMENT_CHARS}, at most {@link MAX_NOTES_PER_TARGET}
 * notes and {@link MAX_TASKS_PER_TARGET} tasks per target, at most
 * {@link MAX_CUSTOM_TARGET_TYPES} custom types per tenant, pages of at most
 * {@link MAX_ACTIVITY_PAGE} items.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { UserId } from "../kernel/Ids.js"

/** Branded note id (UUIDv7). */
export const NoteId = Schema.UUID.pipe(Schema.brand("NoteId"), Schema.annotations({ identifier: "NoteId" }))
/** @see NoteId */
export type NoteId = typeof NoteId.Type
/** Branded task id (UUIDv7). */
export const TaskId = Schema.UUID.pipe(Schema.brand("TaskId"), Schema.annotations({ identifier: "TaskId" }))
/** @see TaskId */
export type TaskId = typeof TaskId.Type
/** Branded review id (UUIDv7). */
export const ReviewId = Schema.UUID.pipe(Schema.brand("ReviewId"), Schema.annotations({ identifier: "ReviewId" }))
/** @see ReviewId */
export type ReviewId = typeof ReviewId.Type

/** Bytes (UTF-8) of a note's markdown body at most (64 KiB). */
export const MAX_NOTE_BODY_BYTES = 65_536
/** Characters of a task title at most. */
export const MAX_TASK_TITLE_CHARS = 200
/** Characters of a task description at most. */
export const MAX_TASK_DESCRIPTION_CHARS = 10_000
/** Characters of a review comment at most. */
export const MAX_REVIEW_COMMENT_CHARS = 5_000
/** Live (not deleted) notes per target at most. */
export const MAX_NOTES_PER_TARGET = 10_000
/** Live (not deleted) tasks per target at most. */
export const MAX_TASKS_PER_TARGET = 10_000
/** Custom target types per tenant at most. */
export const MAX_CUSTOM_TARGET_TYPES = 50
/** Users mentioned by one note at most (more `@…` are kept as text, not notified). */
export const MAX_MENTIONS = 20
/** Page size at most (default {@link DEFAULT_ACTIVITY_PAGE}). */
export const MAX_ACTIVITY_PAGE = 100
/** Default page size. */
export const DEFAULT_ACTIVITY_PAGE = 50

/** Signet's own target types; their targets are checked through the owning module. */
export const BUILTIN_TARGET_TYPES = ["user", "school", "classroom", "group", "course", "beacon", "tenant"] as const
/** One of {@link BUILTIN_TARGET_TYPES}. */
export type BuiltinTargetType = (typeof BUILTIN_TARGET_TYPES)[number]

/**
 * Grammar of a custom target type name: `x-` then 1–47 lowercase letters,
 * digits, `_` or `-` (`x-invoice`). The prefix keeps custom names apart from
 * Signet's own types, present and future.
 */
export const CUSTOM_TARGET_TYPE_PATTERN = /^x-[a-z0-9][a-z0-9_-]{0,46}$/

/** A custom target type name; see {@link CUSTOM_TARGET_TYPE_PATTERN}. */
export const CustomTargetTypeName = Schema.String.pipe(
  Schema.pattern(CUSTOM_TARGET_TYPE_PATTERN, {
    message: () => "must be x- followed by 1–47 lowercase letters, digits, _ or - (x-invoice)"
  }),
  Schema.annotations({ identifier: "CustomTargetTypeName", examples: ["x-invoice"] })
)

/** A target type: one of Signet's ({@link BUILTIN_TARGET_TYPES}) or a registered custom name. */
export const TargetType = Schema.Union(Schema.Literal(...BUILTIN_TARGET_TYPES), CustomTargetTypeName).annotations({
  identifier: "TargetType"
})
/** @see TargetType */
export type TargetType = typeof TargetType.Type

/**
 * A target id: a UUID for Signet's types; for custom types the
 * integrator's own id, 1–128 of letters, digits, `.`, `_`, `:` or `-`.
 */
export const TargetIdString = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._:-]{1,128}$/, { message: () => "must be 1–128 letters, digits, '.', '_', ':' or '-'" }),
  Schema.annotations({ identifier: "TargetId" })
)

/** What an activity is attached to. */
export const Target = Schema.Struct({ target_type: TargetType, target_id: TargetIdString }).annotations({
  identifier: "Target"
})
/** @see Target */
export type Target = typeof Target.Type

/** A custom target type registered by the tenant (an integrator's own entity kind). */
export class CustomTargetType extends Schema.Class<CustomTargetType>("CustomTargetType")({
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc
}) {}

/** Body of a custom target type's registration. */
export class RegisterTargetType extends Schema.Class<RegisterTargetType>("RegisterTargetType")({
  name: CustomTargetTypeName,
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(500)))
}) {}

/** Priority of a note or task. */
export const ActivityPriority = Schema.Literal("low", "normal", "high", "urgent")
/** @see ActivityPriority */
export type ActivityPriority = typeof ActivityPriority.Type

/** A note's markdown body: at most {@link MAX_NOTE_BODY_BYTES} bytes of UTF-8, not blank. */
export const NoteBody = Schema.String.pipe(
  Schema.filter((s) => s.trim().length > 0 || "must not be blank"),
  Schema.filter(
    (s) => new TextEncoder().encode(s).length <= MAX_NOTE_BODY_BYTES || `must be at most ${MAX_NOTE_BODY_BYTES} bytes`
  ),
  Schema.annotations({ identifier: "NoteBody" })
)

/** A note on a target. `body_html` is the markdown rendered and sanitized on read. */
export class Note extends Schema.Class<Note>("Note")({
  id: NoteId,
  target_type: Schema.String,
  target_id: Schema.String,
  /** The writer: a user id for users, the key id for API keys, the operator id for operators. */
  author_id: Schema.String,
  body: Schema.String,
  body_html: Schema.String,
  priority: ActivityPriority,
  pinned: Schema.Boolean,
  assignee_id: Schema.NullOr(UserId),
  /** Users mentioned (`@<user id>` or `@<username>`), resolved at write time. */
  mentions: Schema.Array(UserId),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of a note's creation. `priority` defaults to `normal`, `pinned` to false. */
export class CreateNote extends Schema.Class<CreateNote>("CreateNote")({
  ...Target.fields,
  body: NoteBody,
  priority: Schema.optional(ActivityPriority),
  pinned: Schema.optional(Schema.Boolean),
  assignee_id: Schema.optional(Schema.NullOr(UserId))
}) {}

/** Body of a note's update: the fields to change. */
export class UpdateNote extends Schema.Class<UpdateNote>("UpdateNote")({
  body: Schema.optional(NoteBody),
  priority: Schema.optional(ActivityPriority),
  pinned: Schema.optional(Schema.Boolean),
  assignee_id: Schema.optional(Schema.NullOr(UserId))
}) {}

/** Largest reminder offset before a task's due instant, in minutes (28 days). */
export const MAX_REMIND_BEFORE_MINUTES = 40_320

/** A reminder offset before `due_at`, in whole minutes from 0 to {@link MAX_REMIND_BEFORE_MINUTES}. */
export const RemindBefore = Schema.Int.pipe(
  Schema.between(0, MAX_REMIND_BEFORE_MINUTES, {
    message: () => `must be an integer from 0 to ${MAX_REMIND_BEFORE_MINUTES} (minutes)`
  }),
  Schema.annotations({ identifier: "RemindBefore" })
)

/**
 * A task's RRULE (RFC 5545 §3.3.10, `FREQ=WEEKLY;BYDAY=MO`, optional
 * `RRULE:` prefix); its frequency and expansion are checked by the service
 * with the calendar events' bounds (400 when refused).
 */
export const TaskRecurrence = Schema.String.pipe(
  Schema.maxLength(500, { message: () => "must be at most 500 characters" }),
  Schema.annotations({ identifier: "TaskRecurrence" })
)

/** Status of a task. */
export const TaskStatus = Schema.Literal("todo", "in_progress", "done", "canceled")
/** @see TaskStatus */
export type TaskStatus = typeof TaskStatus.Type

/**
 * Allowed status transitions: todo → in_progress | done | canceled;
 * in_progress → todo | done | canceled; done → todo (reopen);
 * canceled → todo (reopen). Setting the current status is no transition.
 */
export const TASK_TRANSITIONS: { readonly [S in TaskStatus]: ReadonlyArray<TaskStatus> } = {
  todo: ["in_progress", "done", "canceled"],
  in_progress: ["todo", "done", "canceled"],
  done: ["todo"],
  canceled: ["todo"]
}

/** An IANA time zone name (`Europe/Paris`); checked against the runtime's zone database by the service. */
export const TimeZoneName = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_+/-]{1,64}$/, { message: () => "must be an IANA time zone name (Europe/Paris)" }),
  Schema.annotations({ identifier: "TimeZoneName" })
)

const Title = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "must not be blank" }),
  Schema.maxLength(MAX_TASK_TITLE_CHARS, { message: () => `must be at most ${MAX_TASK_TITLE_CHARS} characters` })
)
const Description = Schema.String.pipe(
  Schema.maxLength(MAX_TASK_DESCRIPTION_CHARS, {
    message: () => `must be at most ${MAX_TASK_DESCRIPTION_CHARS} characters`
  })
)

/**
 * A task on a target. `due_at` is an instant; `due_time_zone` the zone it
 * was set in. `remind_at` (issue 22 "task reminders", third slice) is the
 * instant its reminder is due; `reminder_sent_at` when the
 * `activities.task_reminders` job emitted it (null until then; cleared when
 * `remind_at` changes).
 *
 * Recurring tasks (issue 22, migration 0006): `recurrence` is the RRULE,
 * `recurrence_start` the series' first due instant (the rule's DTSTART);
 * completing the task creates the next occurrence once, whose id is then
 * `next_task_id`. `remind_before` (minutes) makes `remind_at` follow
 * `due_at` (`remind_at = due_at − remind_before`).
 */
export class Task extends Schema.Class<Task>("Task")({
  id: TaskId,
  target_type: Schema.String,
  target_id: Schema.String,
  /** The writer (as for notes). */
  author_id: Schema.String,
  title: Schema.String,
  description: Schema.NullOr(Schema.String),
  status: TaskStatus,
  priority: ActivityPriority,
  due_at: Schema.NullOr(Schema.DateTimeUtc),
  due_time_zone: Schema.NullOr(Schema.String),
  assignee_id: Schema.NullOr(UserId),
  completed_at: Schema.NullOr(Schema.DateTimeUtc),
  remind_at: Schema.NullOr(Schema.DateTimeUtc),
  reminder_sent_at: Schema.NullOr(Schema.DateTimeUtc),
  remind_before: Schema.NullOr(Schema.Number),
  recurrence: Schema.NullOr(Schema.String),
  recurrence_start: Schema.NullOr(Schema.DateTimeUtc),
  next_task_id: Schema.NullOr(TaskId),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/**
 * Body of a task's creation. `status` starts at `todo`, `priority` defaults
 * to `normal`; `due_time_zone` (default `UTC`) is kept with `due_at`.
 */
export class CreateTask extends Schema.Class<CreateTask>("CreateTask")({
  ...Target.fields,
  title: Title,
  description: Schema.optional(Description),
  priority: Schema.optional(ActivityPriority),
  due_at: Schema.optional(Schema.DateTimeUtc),
  due_time_zone: Schema.optional(TimeZoneName),
  assignee_id: Schema.optional(Schema.NullOr(UserId)),
  /** When to remind (an instant; the `signet.activities.task.reminder_due` event). */
  remind_at: Schema.optional(Schema.NullOr(Schema.DateTimeUtc)),
  /** Remind this many minutes before `due_at` instead (needs `due_at`; not with `remind_at`). */
  remind_before: Schema.optional(Schema.NullOr(RemindBefore)),
  /** An RRULE making the task recurring (needs `due_at`). */
  recurrence: Schema.optional(Schema.NullOr(TaskRecurrence))
}) {}

/** Body of a task's update: the fields to change; `status` must follow {@link TASK_TRANSITIONS}. */
export class UpdateTask extends Schema.Class<UpdateTask>("UpdateTask")({
  title: Schema.optional(Title),
  description: Schema.optional(Schema.NullOr(Description)),
  status: Schema.optional(TaskStatus),
  priority: Schema.optional(ActivityPriority),
  due_at: Schema.optional(Schema.NullOr(Schema.DateTimeUtc)),
  due_time_zone: Schema.optional(Schema.NullOr(TimeZoneName)),
  assignee_id: Schema.optional(Schema.NullOr(UserId)),
  /** A new reminder instant (it will be sent again), or null for none; clears `remind_before`. */
  remind_at: Schema.optional(Schema.NullOr(Schema.DateTimeUtc)),
  /** A new reminder offset before `due_at` in minutes, or null for none; not with `remind_at`. */
  remind_before: Schema.optional(Schema.NullOr(RemindBefore)),
  /** A new RRULE (the series restarts at the task's `due_at`), or null to end the series. */
  recurrence: Schema.optional(Schema.NullOr(TaskRecurrence))
}) {}

/** A rating from 1 to 5 (integer). */
export const Rating = Schema.Int.pipe(Schema.between(1, 5, { message: () => "must be an integer from 1 to 5" }))

/** One reviewer's review of a target (one per reviewer per target). */
export class Review extends Schema.Class<Review>("Review")({
  id: ReviewId,
  target_type: Schema.String,
  target_id: Schema.String,
  reviewer_id: UserId,
  rating: Schema.Number,
  comment: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of a review: the caller's review of the target, replacing their previous one. */
export class PutReview extends Schema.Class<PutReview>("PutReview")({
  ...Target.fields,
  rating: Rating,
  comment: Schema.optional(
    Schema.String.pipe(
      Schema.maxLength(MAX_REVIEW_COMMENT_CHARS, {
        message: () => `must be at most ${MAX_REVIEW_COMMENT_CHARS} characters`
      })
    )
  )
}) {}

/** Reviews of a target in figures: count, mean rating (null when none), count per rating 1–5. */
export class ReviewSummary extends Schema.Class<ReviewSummary>("ReviewSummary")({
  target_type: Schema.String,
  target_id: Schema.String,
  count: Schema.Number,
  average: Schema.NullOr(Schema.Number),
  /** `distribution["1"]` … `distribution["5"]`: how many reviews gave each rating. */
  distribution: Schema.Record({ key: Schema.String, value: Schema.Number })
}) {}

/** A page of items, newest first; `next_cursor` is null on the last page. */
export const ActivityPage = <S extends Schema.Schema.Any>(item: S) =>
  Schema.Struct({ items: Schema.Array(item), next_cursor: Schema.NullOr(Schema.String) })

/** A page of notes, newest first. */
export const NotePage = ActivityPage(Note).annotations({ identifier: "NotePage" })
/** A page of tasks, newest first. */
export const TaskPage = ActivityPage(Task).annotations({ identifier: "TaskPage" })
/** A page of reviews, newest first. */
export const ReviewPage = ActivityPage(Review).annotations({ identifier: "ReviewPage" })

/** Paging of a list: `cursor` from the previous page, `limit` 1..{@link MAX_ACTIVITY_PAGE}. */
export interface ActivityPaging {
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/** Filters of a task list (all optional; combined with AND). */
export interface TaskFilter extends ActivityPaging {
  readonly target?: Target | undefined
  readonly assignee_id?: UserId | undefined
  readonly status?: TaskStatus | undefined
}

/**
 * 404 — no such activity (note, task, review, call log, calendar event) in the tenant, or its target
 * is not visible to the caller. Another tenant's activity answers this.
 */
export class ActivityNotFound extends Schema.TaggedError<ActivityNotFound>()(
  "ActivityNotFound",
  { message: Schema.String, kind: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such note, task, review, call log or event" })
) {}

/**
 * 404 — the target does not exist in the tenant, is not visible to the
 * caller, or its custom type is not registered. The three are not told apart.
 */
export class TargetNotFound extends Schema.TaggedError<TargetNotFound>()(
  "TargetNotFound",
  { message: Schema.String, target_type: Schema.String, target_id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such target (or not visible)" })
) {}

/**
 * Kinds of soft-deleted activities that can be restored, as their path
 * segment (`POST …/activities/{kind}/{id}/restore`; issue 22 "soft delete
 * and restore"). Restoring an attachment needs `attachments:write`, a
 * carbon footprint `carbon:write`, the others `activities:write`.
 */
export const RestorableKind = Schema.Literal("notes", "tasks", "calls", "events", "attachments", "footprints")
/** @see RestorableKind */
export type RestorableKind = typeof RestorableKind.Type

/** Which activity to restore (RPC `RestoreActivity`). */
export class RestoreActivity extends Schema.Class<RestoreActivity>("RestoreActivity")({
  kind: RestorableKind,
  id: Schema.String
}) {}

/** The answer of a restore: the activity, live again (read it with its kind's get). */
export class ActivityRestored extends Schema.Class<ActivityRestored>("ActivityRestored")({
  kind: RestorableKind,
  id: Schema.String
}) {}
