/**
 * The activities module's SQL (issue 22, first slice): the only writer of
 * `activity_target_types`, `activity_notes`, `activity_tasks` and
 * `activity_reviews`; call logs and calendar events are in `ScheduleRepo.ts`, attachments in `AttachmentRepo.ts`, carbon footprints in `CarbonRepo.ts`, channel configs in `ChannelRepo.ts`, full-text search in `SearchRepo.ts`. Every method reads the tenant from `CurrentTenant`;
 * rows are decoded once into the domain classes (notes without their
 * rendered HTML, which the service adds on read). Callers run the methods
 * inside `tenantTx` (row-level security on Postgres).
 *
 * Lists are newest first by id (UUIDv7, so by creation time): `after` is
 * the last id of the previous page and the next page holds smaller ids.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  CustomTargetType,
  Note,
  type NoteId,
  Review,
  type ReviewId,
  type Target,
  Task,
  type TaskId,
  type TaskStatus
} from "@signet/contracts/activities/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { UserId } from "@signet/contracts/kernel/Ids"
import { type DateTime, Effect, Option, Schema, Struct } from "effect"
import { bool, DbBool, DbCount, DbJson, instant, json, repoSpan } from "../kernel/Sql.js"
import { attachmentQueries } from "./AttachmentRepo.js"
import { carbonQueries } from "./CarbonRepo.js"
import { channelQueries } from "./ChannelRepo.js"
import { purgeQueries } from "./PurgeRepo.js"
import { callQueries, eventQueries } from "./ScheduleRepo.js"
import { searchQueries } from "./SearchRepo.js"

/** An `activity_notes` row: the domain's note without its rendered HTML. */
export const NoteRow = Schema.Struct({
  ...Struct.omit(Note.fields, "body_html", "pinned", "mentions"),
  pinned: DbBool,
  mentions: Schema.compose(DbJson, Schema.Array(UserId))
})
/** @see NoteRow */
export type NoteRow = typeof NoteRow.Type

/** Fields of a note as written (creation and update). */
export interface NoteFields {
  readonly body: string
  readonly priority: string
  readonly pinned: boolean
  readonly assignee_id: string | null
  readonly mentions: ReadonlyArray<string>
}

/** Fields of a task as written (creation and update). */
export interface TaskFields {
  readonly title: string
  readonly description: string | null
  readonly status: TaskStatus
  readonly priority: string
  readonly due_at: DateTime.Utc | null
  readonly due_time_zone: string | null
  readonly assignee_id: string | null
  readonly completed_at: DateTime.Utc | null
  /** The reminder's instant (issue 22, migration 0005). */
  readonly remind_at: DateTime.Utc | null
  /** When the reminder was emitted; null again when `remind_at` changes. */
  readonly reminder_sent_at: DateTime.Utc | null
  /** The reminder's offset before `due_at` in minutes, or null (migration 0006). */
  readonly remind_before: number | null
  /** The RRULE of a recurring task, or null (migration 0006). */
  readonly recurrence: string | null
  /** The series' first due instant (the rule's DTSTART), or null. */
  readonly recurrence_start: DateTime.Utc | null
}

/** Filters of a task query (combined with AND). */
export interface TaskQueryFilter {
  readonly target?: Target | undefined
  readonly assignee_id?: string | undefined
  readonly status?: TaskStatus | undefined
}

const tid = Effect.map(CurrentTenant, (t) => t.id as string)
const first = <A>(rows: ReadonlyArray<A>) => Option.fromNullable(rows[0])

/** The SQL of custom target types and notes. */
const noteQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const notes = Schema.decodeUnknown(Schema.Array(NoteRow))
  const types = Schema.decodeUnknown(Schema.Array(CustomTargetType))
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  return {
    /** Registers a custom type; answers false when the name is already registered. */
    insertTargetType: (name: string, description: string | null, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_target_types (tenant_id, name, description, created_at)
          VALUES (${t}, ${name}, ${description}, ${instant(at)}) ON CONFLICT (tenant_id, name) DO NOTHING RETURNING name`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("insertTargetType")
      ),
    /** The tenant's custom types, by name. */
    listTargetTypes: Effect.flatMap(
      tid,
      (t) => sql`SELECT name, description, created_at FROM activity_target_types WHERE tenant_id = ${t} ORDER BY name`
    ).pipe(Effect.flatMap(types), span("listTargetTypes")),
    /** How many custom types the tenant has. */
    countTargetTypes: Effect.flatMap(
      tid,
      (t) => sql`SELECT COUNT(*) AS n FROM activity_target_types WHERE tenant_id = ${t}`
    ).pipe(
      Effect.flatMap(count),
      Effect.map((r) => r[0]?.n ?? 0),
      span("countTargetTypes")
    ),
    /** Whether the tenant registered the custom type `name`. */
    hasTargetType: (name: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT name FROM activity_target_types WHERE tenant_id = ${t} AND name = ${name}`
      ).pipe(
        Effect.map((r) => r.length > 0),
        span("hasTargetType")
      ),
    /** Stores a new note. */
    insertNote: (id: NoteId, target: Target, author: string, f: NoteFields, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_notes (tenant_id, id, target_type, target_id, author_id, body, priority, pinned,
          assignee_id, mentions, created_at, updated_at)
          VALUES (${t}, ${id}, ${target.target_type}, ${target.target_id}, ${author}, ${f.body}, ${f.priority},
            ${bool(f.pinned)}, ${f.assignee_id}, ${json(f.mentions)}, ${instant(at)}, ${instant(at)})`
      ).pipe(Effect.asVoid, span("insertNote")),
    /** One live note of the tenant (a soft-deleted one when `deleted`). */
    findNote: (id: string, deleted = false) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM activity_notes WHERE tenant_id = ${t} AND id = ${id}
          AND ${deleted ? sql`deleted_at IS NOT NULL` : sql`deleted_at IS NULL`}`
      ).pipe(Effect.flatMap(notes), Effect.map(first), span("findNote")),
    /**
     * Clears the soft delete of a deleted note (issue 22 "restore"): true
     * when this call restored it (conditional, so two restores restore once).
     */
    restoreNote: (id: NoteId) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_notes SET deleted_at = NULL
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NOT NULL RETURNING id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("restoreNote")
      ),
    /** Replaces a note's fields. */
    updateNote: (id: NoteId, f: NoteFields, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_notes SET body = ${f.body}, priority = ${f.priority}, pinned = ${bool(f.pinned)},
          assignee_id = ${f.assignee_id}, mentions = ${json(f.mentions)}, updated_at = ${instant(at)}
          WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("updateNote")),
    /** Soft-deletes a note. */
    deleteNote: (id: NoteId, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_notes SET deleted_at = ${instant(at)} WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("deleteNote")),
    /** A target's live notes, newest first, after `after`, at most `limit`. */
    listNotes: (target: Target, after: string | undefined, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT * FROM activity_notes WHERE tenant_id = ${t} AND target_type = ${target.target_type}
          AND target_id = ${target.target_id} AND deleted_at IS NULL
          ${after === undefined ? sql`` : sql`AND id < ${after}`} ORDER BY id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(notes), span("listNotes")),
    /** How many live notes a target has. */
    countNotes: (target: Target) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_notes WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => r[0]?.n ?? 0),
        span("countNotes")
      )
  } as const
}

/** The SQL of tasks. */
const taskQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const tasks = Schema.decodeUnknown(Schema.Array(Task))
  const count = Schema.decodeUnknown(Schema.Array(Schema.Struct({ n: DbCount })))
  const at = (d: DateTime.Utc | null) => (d === null ? null : instant(d))
  const taskCols = sql`id, target_type, target_id, author_id, title, description, status, priority, due_at,
    due_time_zone, assignee_id, completed_at, remind_at, reminder_sent_at, remind_before, recurrence,
    recurrence_start, next_task_id, created_at, updated_at`
  return {
    /**
     * Live, open (`todo`/`in_progress`) tasks of the tenant whose reminder
     * is due at `now` and not yet sent, oldest reminder first, at most
     * `limit` (issue 22 "task reminders").
     */
    dueReminders: (now: DateTime.Utc, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${taskCols} FROM activity_tasks WHERE tenant_id = ${t} AND deleted_at IS NULL
          AND reminder_sent_at IS NULL AND remind_at IS NOT NULL AND remind_at <= ${instant(now)}
          AND status IN ('todo', 'in_progress') ORDER BY remind_at, id LIMIT ${limit}`
      ).pipe(Effect.flatMap(tasks), span("dueReminders")),
    /**
     * Marks a task's reminder sent unless it already is (or its reminder
     * moved): true when this call marked it, so one reminder is emitted once
     * even when two runs race.
     */
    markReminderSent: (id: TaskId, remindAt: DateTime.Utc, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_tasks SET reminder_sent_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id} AND reminder_sent_at IS NULL AND remind_at = ${instant(remindAt)}
          RETURNING id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("markReminderSent")
      ),
    /** Stores a new task. */
    insertTask: (id: TaskId, target: Target, author: string, f: TaskFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_tasks (tenant_id, id, target_type, target_id, author_id, title, description,
          status, priority, due_at, due_time_zone, assignee_id, completed_at, remind_at, reminder_sent_at,
          remind_before, recurrence, recurrence_start, created_at, updated_at)
          VALUES (${t}, ${id}, ${target.target_type}, ${target.target_id}, ${author}, ${f.title}, ${f.description},
            ${f.status}, ${f.priority}, ${at(f.due_at)}, ${f.due_time_zone}, ${f.assignee_id}, ${at(f.completed_at)},
            ${at(f.remind_at)}, ${at(f.reminder_sent_at)}, ${f.remind_before}, ${f.recurrence},
            ${at(f.recurrence_start)}, ${instant(now)}, ${instant(now)})`
      ).pipe(Effect.asVoid, span("insertTask")),
    /** One live task of the tenant (a soft-deleted one when `deleted`). */
    findTask: (id: string, deleted = false) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${taskCols} FROM activity_tasks WHERE tenant_id = ${t} AND id = ${id}
          AND ${deleted ? sql`deleted_at IS NOT NULL` : sql`deleted_at IS NULL`}`
      ).pipe(Effect.flatMap(tasks), Effect.map(first), span("findTask")),
    /**
     * Clears the soft delete of a deleted task (issue 22 "restore"): true
     * when this call restored it (conditional, so two restores restore once).
     */
    restoreTask: (id: TaskId) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_tasks SET deleted_at = NULL
          WHERE tenant_id = ${t} AND id = ${id} AND deleted_at IS NOT NULL RETURNING id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("restoreTask")
      ),
    /** Replaces a task's fields. */
    updateTask: (id: TaskId, f: TaskFields, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_tasks SET title = ${f.title}, description = ${f.description}, status = ${f.status},
          priority = ${f.priority}, due_at = ${at(f.due_at)}, due_time_zone = ${f.due_time_zone},
          assignee_id = ${f.assignee_id}, completed_at = ${at(f.completed_at)}, remind_at = ${at(f.remind_at)},
          reminder_sent_at = ${at(f.reminder_sent_at)}, remind_before = ${f.remind_before},
          recurrence = ${f.recurrence}, recurrence_start = ${at(f.recurrence_start)}, updated_at = ${instant(now)}
          WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("updateTask")),
    /**
     * Records `next` as the occurrence following a completed recurring task
     * unless one already is: true when this call recorded it. Conditional
     * (`next_task_id IS NULL`), so completing twice or concurrently creates
     * one next occurrence (issue 22 "recurring tasks").
     */
    claimNextTask: (id: TaskId, next: TaskId) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_tasks SET next_task_id = ${next}
          WHERE tenant_id = ${t} AND id = ${id} AND next_task_id IS NULL AND deleted_at IS NULL RETURNING id`
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        span("claimNextTask")
      ),
    /** Soft-deletes a task. */
    deleteTask: (id: TaskId, now: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_tasks SET deleted_at = ${instant(now)} WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("deleteTask")),
    /** Live tasks matching `filter`, newest first, after `after`, at most `limit`. */
    listTasks: (filter: TaskQueryFilter, after: string | undefined, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${taskCols}
          FROM activity_tasks WHERE tenant_id = ${t} AND deleted_at IS NULL
          ${filter.target ? sql`AND target_type = ${filter.target.target_type} AND target_id = ${filter.target.target_id}` : sql``}
          ${filter.assignee_id ? sql`AND assignee_id = ${filter.assignee_id}` : sql``}
          ${filter.status ? sql`AND status = ${filter.status}` : sql``}
          ${after === undefined ? sql`` : sql`AND id < ${after}`} ORDER BY id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(tasks), span("listTasks")),
    /** How many live tasks a target has. */
    countTasks: (target: Target) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT COUNT(*) AS n FROM activity_tasks WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND deleted_at IS NULL`
      ).pipe(
        Effect.flatMap(count),
        Effect.map((r) => r[0]?.n ?? 0),
        span("countTasks")
      )
  } as const
}

/** The SQL of reviews. */
const reviewQueries = (sql: SqlClient.SqlClient) => {
  const span = repoSpan("ActivitiesRepo")
  const reviews = Schema.decodeUnknown(Schema.Array(Review))
  const buckets = Schema.decodeUnknown(Schema.Array(Schema.Struct({ rating: DbCount, n: DbCount })))
  const cols = sql`id, target_type, target_id, reviewer_id, rating, comment, created_at, updated_at`
  return {
    /** The review of `reviewer` on a target, if any. */
    findReviewBy: (target: Target, reviewer: string) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_reviews WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} AND reviewer_id = ${reviewer}`
      ).pipe(Effect.flatMap(reviews), Effect.map(first), span("findReviewBy")),
    /** One review of the tenant. */
    findReview: (id: string) =>
      Effect.flatMap(tid, (t) => sql`SELECT ${cols} FROM activity_reviews WHERE tenant_id = ${t} AND id = ${id}`).pipe(
        Effect.flatMap(reviews),
        Effect.map(first),
        span("findReview")
      ),
    /** Stores a new review. */
    insertReview: (
      id: ReviewId,
      target: Target,
      reviewer: string,
      rating: number,
      comment: string | null,
      at: DateTime.Utc
    ) =>
      Effect.flatMap(
        tid,
        (t) => sql`INSERT INTO activity_reviews (tenant_id, id, target_type, target_id, reviewer_id, rating, comment,
          created_at, updated_at) VALUES (${t}, ${id}, ${target.target_type}, ${target.target_id}, ${reviewer},
          ${rating}, ${comment}, ${instant(at)}, ${instant(at)})`
      ).pipe(Effect.asVoid, span("insertReview")),
    /** Replaces a review's rating and comment. */
    replaceReview: (id: ReviewId, rating: number, comment: string | null, at: DateTime.Utc) =>
      Effect.flatMap(
        tid,
        (t) => sql`UPDATE activity_reviews SET rating = ${rating}, comment = ${comment}, updated_at = ${instant(at)}
          WHERE tenant_id = ${t} AND id = ${id}`
      ).pipe(Effect.asVoid, span("replaceReview")),
    /** Deletes a review. */
    deleteReview: (id: ReviewId) =>
      Effect.flatMap(tid, (t) => sql`DELETE FROM activity_reviews WHERE tenant_id = ${t} AND id = ${id}`).pipe(
        Effect.asVoid,
        span("deleteReview")
      ),
    /** A target's reviews, newest first, after `after`, at most `limit`. */
    listReviews: (target: Target, after: string | undefined, limit: number) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT ${cols} FROM activity_reviews WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id}
          ${after === undefined ? sql`` : sql`AND id < ${after}`} ORDER BY id DESC LIMIT ${limit}`
      ).pipe(Effect.flatMap(reviews), span("listReviews")),
    /** How many reviews of a target gave each rating (ratings without reviews absent). */
    ratingCounts: (target: Target) =>
      Effect.flatMap(
        tid,
        (t) => sql`SELECT rating, COUNT(*) AS n FROM activity_reviews WHERE tenant_id = ${t}
          AND target_type = ${target.target_type} AND target_id = ${target.target_id} GROUP BY rating`
      ).pipe(Effect.flatMap(buckets), span("ratingCounts"))
  } as const
}

/** The activities module's SQL; see the module comment. */
export class ActivitiesRepo extends Effect.Service<ActivitiesRepo>()("Signet/ActivitiesRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => ({
    ...noteQueries(sql),
    ...taskQueries(sql),
    ...reviewQueries(sql),
    ...callQueries(sql),
    ...eventQueries(sql),
    ...attachmentQueries(sql),
    ...carbonQueries(sql),
    ...searchQueries(sql),
    ...channelQueries(sql),
    ...purgeQueries(sql)
  }))
}) {}
