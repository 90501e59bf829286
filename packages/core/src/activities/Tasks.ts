/**
 * Tasks on a target (issue 22 "Tasks"; seed 001 `tasks` with status and due
 * dates): title, description, status with allowed transitions
 * (`TASK_TRANSITIONS`), priority, due instant with its IANA time zone,
 * assignee (a user of the tenant), soft delete. Internal to `Activities.ts`.
 *
 * - Lists: by target, by assignee ("my tasks" is the caller's id), by
 *   status, combined; newest first with a cursor. A list not bound to one
 *   target leaves out tasks whose target the caller cannot see, so a page
 *   may hold fewer items than `limit` while `next_cursor` is not null.
 * - Rights: its author, its assignee or a holder of `activities:admin`
 *   may change a task; its author or `activities:admin` may delete it.
 * - `completed_at` is set when the status becomes `done`, cleared when it
 *   leaves `done`.
 * - Every change writes one audit row (before/after) and one event
 *   `signet.activities.task.created|updated|deleted`.
 *
 * - `remind_at` (third slice): when the task's reminder is due; setting it
 *   to another instant (or null) clears `reminder_sent_at`, so a moved
 *   reminder is sent again. The reminders themselves: `Reminders.ts`.
 *
 * - Recurring tasks and reminder offsets (migration 0006; the rules in
 *   `TaskSeries.ts`): completing a recurring task (its status becoming
 *   `done`) creates its next occurrence — same target, title, description,
 *   priority, assignee, author, zone, rule and reminder offset; due at the
 *   series' next instant — in the same transaction, once: the completed
 *   task's `next_task_id` is set conditionally, so completing it again
 *   after a reopen, or twice at once, creates no second one. The series
 *   ends with the rule's UNTIL or COUNT, or when `recurrence` is cleared.
 *   The next occurrence is audited and published as
 *   `signet.activities.task.created`; it counts toward
 *   `MAX_TASKS_PER_TARGET` (at the limit the completion is refused, 400).
 *
 * @module
 */
import {
  type CreateTask,
  MAX_TASKS_PER_TARGET,
  TASK_TRANSITIONS,
  type Task,
  TaskId,
  type TaskStatus,
  type UpdateTask
} from "@signet/contracts/activities/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId, type UserId } from "@signet/contracts/kernel/Ids"
import { encodeCursor } from "@signet/contracts/kernel/Pagination"
import { DateTime, Effect, Option, Schema } from "effect"
import {
  type ActivityDeps,
  actorRef,
  type CheckTarget,
  changeRecorder,
  checkAssignee,
  paging,
  requireAuthorOrAdmin,
  toPage,
  visibleFinder
} from "./Kit.js"
import { createSchedule, seriesContinuation, updateSchedule } from "./TaskSeries.js"

/**
 * Query of {@link makeTasks} `list`: a target (`target_type` and
 * `target_id` together), an assignee, `mine` (assigned to the caller), a
 * status; combined with AND.
 */
export interface ListTasks {
  readonly target_type?: string | undefined
  readonly target_id?: string | undefined
  readonly assignee_id?: UserId | undefined
  readonly mine?: boolean | undefined
  readonly status?: TaskStatus | undefined
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}

/** A due time zone when it is a zone of the runtime's IANA database. @errors ValidationError (due_time_zone) */
const checkZone = (zone: string | null) =>
  zone === null || Option.isSome(DateTime.zoneMakeNamed(zone))
    ? Effect.succeed(zone)
    : ValidationError.field("due_time_zone", "is not an IANA time zone")

/** Tasks by target, assignee, status; see the module comment. @errors TargetNotFound, ValidationError */
const makeTaskList =
  ({ inTx, repo }: ActivityDeps, check: CheckTarget) =>
  (q: ListTasks) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(q)
      const actor = yield* CurrentActor
      const assignee = q.mine === true ? (actor.id ?? "") : q.assignee_id
      if ((q.target_type === undefined) !== (q.target_id === undefined))
        return yield* ValidationError.field("target_id", "target_type and target_id go together")
      const target =
        q.target_type !== undefined && q.target_id !== undefined
          ? { target_type: q.target_type, target_id: q.target_id }
          : undefined
      if (target) yield* check(target)
      const rows = yield* inTx(repo.listTasks({ target, assignee_id: assignee, status: q.status }, after, limit + 1))
      if (target) return toPage(rows, limit)
      // Not bound to one target: keep the tasks whose target the caller can see (one check per target).
      const seen = new Map<string, boolean>()
      const visible: Array<Task> = []
      for (const task of rows.slice(0, limit)) {
        const key = `${task.target_type}\u0000${task.target_id}`
        if (!seen.has(key))
          seen.set(
            key,
            yield* check(task).pipe(
              Effect.as(true),
              Effect.catchAll(() => Effect.succeed(false))
            )
          )
        if (seen.get(key)) visible.push(task)
      }
      return { items: visible, next_cursor: rows.length > limit ? encodeCursor(rows[limit - 1]!.id) : null }
    })

/** The task operations over `deps`; `check` is the target check of `Targets.ts`. */
export const makeTasks = (deps: ActivityDeps, check: CheckTarget) => {
  const { access, audit, events, identity, inTx, repo } = deps
  /** A live task whose target the caller can see. @errors ActivityNotFound */
  const findVisible = visibleFinder(inTx, check, "task", Schema.is(TaskId), repo.findTask)

  const changed = changeRecorder({ audit, events }, "task")

  /**
   * Creates a task (status `todo`) on a visible target.
   * @errors TargetNotFound, ValidationError (assignee_id, due_time_zone, `MAX_TASKS_PER_TARGET`)
   */
  const create = (input: CreateTask) =>
    Effect.gen(function* () {
      const target = { target_type: input.target_type, target_id: input.target_id }
      yield* check(target)
      yield* checkAssignee(identity, input.assignee_id)
      const zone = yield* checkZone(input.due_at === undefined ? null : (input.due_time_zone ?? "UTC"))
      const schedule = yield* createSchedule(input, input.due_at ?? null)
      const author = yield* actorRef
      return yield* inTx(
        Effect.gen(function* () {
          if ((yield* repo.countTasks(target)) >= MAX_TASKS_PER_TARGET)
            return yield* ValidationError.field("target_id", `a target has at most ${MAX_TASKS_PER_TARGET} tasks`)
          const id = yield* newId(TaskId)
          yield* repo.insertTask(
            id,
            target,
            author,
            {
              title: input.title,
              description: input.description ?? null,
              status: "todo",
              priority: input.priority ?? "normal",
              due_at: input.due_at ?? null,
              due_time_zone: zone,
              assignee_id: input.assignee_id ?? null,
              completed_at: null,
              ...schedule,
              reminder_sent_at: null
            },
            yield* DateTime.now
          )
          const task = Option.getOrThrow(yield* repo.findTask(id))
          yield* changed("created", task)
          return task
        })
      )
    }).pipe(Effect.withSpan("Activities.createTask"))

  /** One task. @errors ActivityNotFound (also when its target is not visible) */
  const get = (id: string) => findVisible(id)

  const list = makeTaskList(deps, check)

  const continueSeries = seriesContinuation(repo)

  /**
   * Changes a task (its author, its assignee or `activities:admin`); a new
   * status must be allowed by `TASK_TRANSITIONS`.
   * @errors ActivityNotFound, Forbidden, ValidationError (status, assignee_id, due_time_zone)
   */
  const update = (id: string, patch: UpdateTask) =>
    Effect.gen(function* () {
      const before = yield* findVisible(id)
      const actor = yield* CurrentActor
      if (actor.id === null || actor.id !== before.assignee_id) yield* requireAuthorOrAdmin(access, before.author_id)
      const status = patch.status ?? before.status
      if (status !== before.status && !TASK_TRANSITIONS[before.status].includes(status))
        return yield* ValidationError.field("status", `cannot go from ${before.status} to ${status}`)
      yield* checkAssignee(identity, patch.assignee_id)
      const dueAt = patch.due_at === undefined ? before.due_at : patch.due_at
      const zone = yield* checkZone(
        dueAt === null
          ? null
          : patch.due_time_zone === undefined
            ? (before.due_time_zone ?? "UTC")
            : (patch.due_time_zone ?? "UTC")
      )
      const schedule = yield* updateSchedule(before, patch, dueAt)
      return yield* inTx(
        Effect.gen(function* () {
          const now = yield* DateTime.now
          yield* repo.updateTask(
            before.id,
            {
              title: patch.title ?? before.title,
              description: patch.description === undefined ? before.description : patch.description,
              status,
              priority: patch.priority ?? before.priority,
              due_at: dueAt,
              due_time_zone: zone,
              assignee_id: patch.assignee_id === undefined ? before.assignee_id : patch.assignee_id,
              completed_at: status === "done" ? (before.status === "done" ? before.completed_at : now) : null,
              ...schedule
            },
            now
          )
          const next = status === "done" && before.status !== "done" ? yield* continueSeries(before.id) : null
          const after = Option.getOrThrow(yield* repo.findTask(before.id))
          yield* changed("updated", after, before)
          if (next !== null) yield* changed("created", next)
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.updateTask"))

  /** Soft-deletes a task (its author or `activities:admin`). @errors ActivityNotFound, Forbidden */
  const remove = (id: string) =>
    Effect.gen(function* () {
      const task = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, task.author_id)
      yield* inTx(
        Effect.gen(function* () {
          yield* repo.deleteTask(task.id, yield* DateTime.now)
          yield* changed("deleted", task)
        })
      )
    }).pipe(Effect.withSpan("Activities.deleteTask"))

  return { create, get, list, update, remove } as const
}
