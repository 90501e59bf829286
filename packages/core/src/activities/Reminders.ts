/**
 * Task reminders (issue 22 "task reminders", third slice): a task with a
 * `remind_at` gets one `signet.activities.task.reminder_due` CloudEvent
 * through the outbox when that instant has passed, if it is still open
 * (`todo` or `in_progress`) and live. Internal to `Activities.ts`.
 *
 * - **Once per reminder**: the event is published in the same transaction
 *   that stamps `reminder_sent_at`, and the stamp is conditional
 *   (`reminder_sent_at IS NULL AND remind_at = <the one read>`), so two
 *   runs (or two replicas) racing emit it once; a rolled-back run emits
 *   nothing and the next one retries. Changing `remind_at` clears the stamp
 *   (`Tasks.ts`): the new reminder is sent too.
 * - **Event** `data`: `task_id`, `target_type`, `target_id`, `title`,
 *   `due_at`, `remind_at` (ISO-8601 instants or null), `assignee_id`,
 *   `author_id` — who to remind is the subscriber's choice (webhooks, the
 *   NATS relay).
 * - **Job** `activities.task_reminders`: every `intervalMs` (default 60 s)
 *   on the replica holding its lease (`kernel/Leases.ts`), over every
 *   active tenant as the system; at most {@link MAX_REMINDERS_PER_RUN}
 *   reminders per tenant per run (the rest follow on the next run). A
 *   failure for one tenant is logged and the others go on.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import type { Task } from "@signet/contracts/activities/Domain"
import { DateTime, Effect } from "effect"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import { sumOverActiveTenants } from "../tenancy/EachTenant.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import type { ActivityDeps } from "./Kit.js"

/** Reminders one run emits at most per tenant. */
export const MAX_REMINDERS_PER_RUN = 500

/** The lease (and job) name. */
export const TASK_REMINDERS_JOB = "activities.task_reminders"

/** The CloudEvent type of a due reminder. */
export const TASK_REMINDER_DUE = "signet.activities.task.reminder_due"

const iso = (d: DateTime.Utc | null) => (d === null ? null : DateTime.formatIso(d))

/** The event data of a task's reminder (see the module comment). */
const reminderData = (task: Task) => ({
  task_id: task.id,
  target_type: task.target_type,
  target_id: task.target_id,
  title: task.title,
  due_at: iso(task.due_at),
  remind_at: iso(task.remind_at),
  assignee_id: task.assignee_id,
  author_id: task.author_id
})

/** The reminder operations over `deps`; see the module comment. */
export const makeReminders = ({ events, inTx, repo }: ActivityDeps) => {
  /**
   * Emits the current tenant's due reminders (at most
   * {@link MAX_REMINDERS_PER_RUN}); answers how many this call emitted.
   */
  const remindDue = inTx(
    Effect.gen(function* () {
      const now = yield* DateTime.now
      let sent = 0
      for (const task of yield* repo.dueReminders(now, MAX_REMINDERS_PER_RUN)) {
        if (task.remind_at === null || !(yield* repo.markReminderSent(task.id, task.remind_at, now))) continue
        yield* events.publish({ type: TASK_REMINDER_DUE, subject: task.id, data: reminderData(task) })
        sent++
      }
      return sent
    })
  ).pipe(Effect.withSpan("Activities.remindDue"))

  /** One run over every active tenant (as the system); answers how many reminders were emitted. */
  const remindAllTenants = (tenancy: Tenancy) => sumOverActiveTenants(tenancy, "task reminders", () => remindDue)

  /** The `activities.task_reminders` job: every `intervalMs` on the lease holder; runs until interrupted. */
  const remindersJob = (tenancy: Tenancy, options: { readonly intervalMs?: number } = {}) =>
    Effect.flatMap(SqlClient.SqlClient, (sql) => {
      const intervalMs = options.intervalMs ?? 60_000
      const holder = `${process.pid}-${Crypto.randomUUID()}`
      const tick = Effect.gen(function* () {
        if (!(yield* acquireLease(TASK_REMINDERS_JOB, holder, intervalMs * 2))) return
        const sent = yield* remindAllTenants(tenancy)
        if (sent > 0) yield* Effect.logInfo(`activities: ${sent} task reminder(s) due`)
      }).pipe(Effect.catchAllCause((cause) => Effect.logError("task reminders job failed", cause)))
      return Effect.forever(Effect.zipRight(tick, Effect.sleep(intervalMs))).pipe(
        Effect.ensuring(releaseLease(TASK_REMINDERS_JOB, holder)),
        Effect.provideService(SqlClient.SqlClient, sql)
      )
    })

  return { remindDue, remindAllTenants, remindersJob } as const
}
