/**
 * A task's schedule beyond its due instant (issue 22 "recurring tasks" and
 * "reminders"; migration 0006): its reminder — an absolute `remind_at` or
 * an offset `remind_before` minutes before `due_at` — and its recurrence
 * (an RRULE). Pure rules over the fields; `Tasks.ts` applies them. Internal
 * to the activities module.
 *
 * - **Reminder**: `remind_at` and `remind_before` exclude each other (400
 *   when both are given). With `remind_before`, `remind_at` is derived
 *   (`due_at − remind_before`) and follows every move of `due_at`; it needs
 *   a `due_at` (400 otherwise; clearing `due_at` later drops the offset
 *   reminder). Giving `remind_at` (even null) clears `remind_before`. A
 *   reminder whose instant changes is unsent again.
 * - **Recurrence**: the RRULE is checked with the calendar events' bounds
 *   (`rruleProblem`: length, DAILY…YEARLY, a rule that never or too rarely
 *   matches refused — 400) and needs a `due_at`. The series starts at the
 *   `due_at` the rule was set with (`recurrence_start`, the rule's
 *   DTSTART), so UNTIL and COUNT end it; the next occurrence is the
 *   series' first instant after the completed task's `due_at`, in the
 *   task's time zone's wall time. Changing the rule restarts the series at
 *   the current `due_at`; null ends it.
 *
 * @module
 */
import {
  type CreateTask,
  MAX_TASKS_PER_TARGET,
  type Task,
  TaskId,
  type UpdateTask
} from "@signet/contracts/activities/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option } from "effect"
import { nextOccurrenceAfter, rruleProblem } from "./Recurrence.js"
import type { ActivitiesRepo } from "./Repo.js"

/** The schedule fields of a task as written. */
export interface TaskSchedule {
  readonly remind_at: DateTime.Utc | null
  readonly remind_before: number | null
  readonly recurrence: string | null
  readonly recurrence_start: DateTime.Utc | null
}

const ms = (d: DateTime.Utc | null) => (d === null ? null : DateTime.toEpochMillis(d))
const minus = (d: DateTime.Utc, minutes: number) => DateTime.subtract(d, { minutes })

/** Refuses a reminder given both ways. @errors ValidationError (remind_before) */
const exclusive = (remindAt: unknown, remindBefore: unknown) =>
  remindAt !== undefined && remindAt !== null && remindBefore !== undefined && remindBefore !== null
    ? ValidationError.field("remind_before", "remind_at and remind_before exclude each other")
    : Effect.void

/** A rule (or null) when acceptable with `dueAt`. @errors ValidationError (recurrence) */
const checkRule = (rule: string | null, dueAt: DateTime.Utc | null) =>
  Effect.gen(function* () {
    if (rule === null) return null
    const problem = rruleProblem(rule)
    if (problem !== null) return yield* ValidationError.field("recurrence", problem)
    if (dueAt === null) return yield* ValidationError.field("recurrence", "a recurring task needs a due_at")
    return rule
  })

/** The schedule of a new task due at `dueAt`. @errors ValidationError (remind_before, recurrence) */
export const createSchedule = (input: CreateTask, dueAt: DateTime.Utc | null) =>
  Effect.gen(function* () {
    yield* exclusive(input.remind_at, input.remind_before)
    const before = input.remind_before ?? null
    if (before !== null && dueAt === null)
      return yield* ValidationError.field("remind_before", "a reminder offset needs a due_at")
    const recurrence = yield* checkRule(input.recurrence ?? null, dueAt)
    return {
      remind_at: before !== null && dueAt !== null ? minus(dueAt, before) : (input.remind_at ?? null),
      remind_before: before,
      recurrence,
      recurrence_start: recurrence === null ? null : dueAt
    } satisfies TaskSchedule
  })

/**
 * The schedule of `task` after `patch`, its due instant becoming `dueAt`,
 * with `reminder_sent_at` kept only when the reminder's instant is the same.
 * @errors ValidationError (remind_before, recurrence)
 */
export const updateSchedule = (task: Task, patch: UpdateTask, dueAt: DateTime.Utc | null) =>
  Effect.gen(function* () {
    yield* exclusive(patch.remind_at, patch.remind_before)
    if (patch.remind_before != null && dueAt === null)
      return yield* ValidationError.field("remind_before", "a reminder offset needs a due_at")
    const offset =
      patch.remind_before !== undefined
        ? patch.remind_before
        : patch.remind_at !== undefined || dueAt === null
          ? null
          : task.remind_before
    const remindAt =
      offset !== null && dueAt !== null
        ? minus(dueAt, offset)
        : patch.remind_at !== undefined
          ? patch.remind_at
          : task.remind_before !== null
            ? null
            : task.remind_at
    const changed = patch.recurrence !== undefined && patch.recurrence !== task.recurrence
    const recurrence = yield* checkRule(patch.recurrence === undefined ? task.recurrence : patch.recurrence, dueAt)
    return {
      remind_at: remindAt,
      remind_before: offset,
      recurrence,
      recurrence_start: recurrence === null ? null : changed ? dueAt : (task.recurrence_start ?? dueAt),
      reminder_sent_at: ms(remindAt) !== null && ms(remindAt) === ms(task.remind_at) ? task.reminder_sent_at : null
    }
  })

/**
 * The due instant and reminder of the occurrence after `task` (completed),
 * or null when it is not recurring or its series has ended. The reminder
 * keeps its offset: `remind_before`, or the distance of an absolute
 * `remind_at` to `due_at`.
 */
export const nextOccurrence = (
  task: Task
): { readonly due_at: DateTime.Utc; readonly remind_at: DateTime.Utc | null } | null => {
  if (task.recurrence === null || task.due_at === null) return null
  const due = DateTime.toEpochMillis(task.due_at)
  const next = nextOccurrenceAfter(
    task.recurrence,
    task.recurrence_start ?? task.due_at,
    task.due_time_zone ?? "UTC",
    due
  )
  if (next === null) return null
  const offset =
    task.remind_before !== null
      ? task.remind_before * 60_000
      : task.remind_at !== null
        ? due - DateTime.toEpochMillis(task.remind_at)
        : null
  return {
    due_at: DateTime.unsafeMake(next),
    remind_at: offset === null ? null : DateTime.unsafeMake(next - offset)
  }
}

/**
 * Over `repo`, in the completing transaction: creates the next occurrence of the task
 * `id` (as just written) unless it is not recurring, its series has
 * ended, or a next occurrence already exists; answers the new task or
 * null. @errors ValidationError (`MAX_TASKS_PER_TARGET`)
 */
export const seriesContinuation = (repo: ActivitiesRepo) => (id: TaskId) =>
  Effect.gen(function* () {
    const done = Option.getOrThrow(yield* repo.findTask(id))
    const next = nextOccurrence(done)
    if (next === null || done.next_task_id !== null) return null
    if ((yield* repo.countTasks(done)) >= MAX_TASKS_PER_TARGET)
      return yield* ValidationError.field(
        "status",
        `a target has at most ${MAX_TASKS_PER_TARGET} tasks: the next occurrence cannot be created`
      )
    const nextId = yield* newId(TaskId)
    if (!(yield* repo.claimNextTask(done.id, nextId))) return null
    yield* repo.insertTask(
      nextId,
      done,
      done.author_id,
      {
        title: done.title,
        description: done.description,
        status: "todo",
        priority: done.priority,
        due_at: next.due_at,
        due_time_zone: done.due_time_zone,
        assignee_id: done.assignee_id,
        completed_at: null,
        remind_at: next.remind_at,
        reminder_sent_at: null,
        remind_before: done.remind_before,
        recurrence: done.recurrence,
        recurrence_start: done.recurrence_start
      },
      yield* DateTime.now
    )
    return Option.getOrThrow(yield* repo.findTask(nextId))
  })
