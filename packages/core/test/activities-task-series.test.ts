/**
 * Issue 22 "recurring tasks" and reminder offsets (migration 0006): a task
 * with an RRULE gets its next occurrence when completed — once, even when
 * completed again or twice at once; UNTIL/COUNT or clearing the rule ends
 * the series; bad or unbounded rules answer 400 with nothing written;
 * `remind_before` derives `remind_at` from `due_at` and follows its moves.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateTask, UpdateTask } from "@signet/contracts/activities/Domain"
import { ActivitiesAdmin as A, Activities, policyUse } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Duration, Effect, Schema, TestClock } from "effect"
import { inTenant, onboard, type TenantRef, testCore } from "./support.js"

const write = policyUse("activities:write")
const read = policyUse("activities:read")
const iso = (d: DateTime.Utc | null) => (d === null ? null : DateTime.formatIso(d))

/** A fresh tenant; `run` runs an effect in it (as the test operator). */
const tenantOf = (slug: string) =>
  Effect.map(onboard(slug), (raw) => {
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    return { tenant, run: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant)) }
  })

/** A task on the tenant itself from a JSON-like body. */
const createTask = (tenant: TenantRef, body: Record<string, unknown>) =>
  A.createTask(
    Schema.decodeUnknownSync(CreateTask)({
      target_type: "tenant",
      target_id: tenant.id,
      title: "Weekly report",
      ...body
    })
  ).pipe(write)

const complete = (id: string) => A.updateTask(id, new UpdateTask({ status: "done" })).pipe(write)

/** The tenant's tasks, oldest first. */
const allTasks = A.listTasks({ limit: 100 }).pipe(
  read,
  Effect.map((p) => [...p.items].reverse())
)

/** How many `signet.activities.task.created` events the outbox holds for `id`. */
const createdEvents = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: number | string }>`SELECT COUNT(*) AS n FROM outbox
      WHERE type = 'signet.activities.task.created' AND subject = ${id}`.pipe(
      Effect.map((rows) => Number(rows[0]?.n ?? 0)),
      Effect.orDie
    )
  )

const MONDAY = "2027-01-04T09:00:00Z"

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(
    `Recurring tasks and reminder offsets on ${dialect} (issue 22)`,
    (it) => {
      it.effect("completing a weekly task creates the next occurrence with the same fields and reminder offset", () =>
        Effect.gen(function* () {
          const { run, tenant } = yield* tenantOf("ser-next")
          const task = yield* run(
            createTask(tenant, {
              due_at: MONDAY,
              recurrence: "FREQ=WEEKLY;BYDAY=MO",
              remind_before: 60,
              priority: "high"
            })
          )
          expect(iso(task.recurrence_start)).toBe("2027-01-04T09:00:00.000Z")
          expect(iso(task.remind_at)).toBe("2027-01-04T08:00:00.000Z")
          const done = yield* run(complete(task.id))
          expect(done.next_task_id).not.toBeNull()
          const next = yield* run(A.getTask(done.next_task_id!).pipe(read))
          expect(next).toMatchObject({ title: "Weekly report", status: "todo", priority: "high", remind_before: 60 })
          expect(next.target_id).toBe(tenant.id)
          expect(iso(next.due_at)).toBe("2027-01-11T09:00:00.000Z")
          expect(iso(next.remind_at)).toBe("2027-01-11T08:00:00.000Z")
          expect(yield* createdEvents(next.id)).toBe(1)
        })
      )

      it.effect("an absolute reminder keeps its distance to due_at in the next occurrence", () =>
        Effect.gen(function* () {
          const { run, tenant } = yield* tenantOf("ser-abs")
          const task = yield* run(
            createTask(tenant, { due_at: MONDAY, recurrence: "FREQ=DAILY", remind_at: "2027-01-03T21:00:00Z" })
          )
          const done = yield* run(complete(task.id))
          const next = yield* run(A.getTask(done.next_task_id!).pipe(read))
          expect(iso(next.remind_at)).toBe("2027-01-04T21:00:00.000Z")
        })
      )

      it.effect("completing again after a reopen, or twice at once, creates one next occurrence", () =>
        Effect.gen(function* () {
          const { run, tenant } = yield* tenantOf("ser-once")
          const task = yield* run(createTask(tenant, { due_at: MONDAY, recurrence: "FREQ=DAILY" }))
          yield* run(complete(task.id))
          yield* run(A.updateTask(task.id, new UpdateTask({ status: "todo" })).pipe(write))
          yield* run(complete(task.id))
          expect(yield* run(allTasks)).toHaveLength(2)
          const other = yield* run(createTask(tenant, { due_at: MONDAY, recurrence: "FREQ=DAILY" }))
          yield* Effect.all([run(complete(other.id)), run(complete(other.id))], { concurrency: 2 })
          expect(yield* run(allTasks)).toHaveLength(4)
        })
      )

      it.effect("COUNT ends the series; clearing the recurrence ends it too", () =>
        Effect.gen(function* () {
          const { run, tenant } = yield* tenantOf("ser-end")
          const first = yield* run(createTask(tenant, { due_at: MONDAY, recurrence: "FREQ=DAILY;COUNT=2" }))
          const second = (yield* run(complete(first.id))).next_task_id!
          expect((yield* run(complete(second))).next_task_id).toBeNull()
          const other = yield* run(createTask(tenant, { due_at: MONDAY, recurrence: "FREQ=DAILY" }))
          yield* run(A.updateTask(other.id, new UpdateTask({ recurrence: null })).pipe(write))
          expect((yield* run(complete(other.id))).next_task_id).toBeNull()
          expect(yield* run(allTasks)).toHaveLength(3)
        })
      )

      it.effect("bad, unbounded or due-less rules and a doubly given reminder answer 400 and write nothing", () =>
        Effect.gen(function* () {
          const { run, tenant } = yield* tenantOf("ser-bad")
          const bodies = [
            { due_at: MONDAY, recurrence: "FREQ=SECONDLY" },
            { due_at: MONDAY, recurrence: "NOT A RULE" },
            { due_at: MONDAY, recurrence: "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30" },
            { recurrence: "FREQ=DAILY" },
            { remind_before: 10 },
            { due_at: MONDAY, remind_before: 10, remind_at: MONDAY }
          ]
          for (const body of bodies) {
            const refused = yield* run(Effect.flip(createTask(tenant, body)))
            expect(refused._tag).toBe("ValidationError")
          }
          const task = yield* run(createTask(tenant, { due_at: MONDAY }))
          const refused = yield* run(
            Effect.flip(A.updateTask(task.id, new UpdateTask({ recurrence: "FREQ=MINUTELY" })).pipe(write))
          )
          expect(refused._tag).toBe("ValidationError")
          expect((yield* run(A.getTask(task.id).pipe(read))).recurrence).toBeNull()
          expect(yield* run(allTasks)).toHaveLength(1)
          expect(() =>
            Schema.decodeUnknownSync(CreateTask)({
              target_type: "t",
              target_id: "x",
              title: "t",
              remind_before: 40_321
            })
          ).toThrow()
        })
      )

      it.effect("moving due_at moves an offset reminder, which the reminder job then emits", () =>
        Effect.gen(function* () {
          const { run, tenant } = yield* tenantOf("ser-offset")
          const now = yield* DateTime.now
          const task = yield* run(
            createTask(tenant, { due_at: iso(DateTime.add(now, { hours: 5 })), remind_before: 30 })
          )
          const moved = yield* run(
            A.updateTask(task.id, new UpdateTask({ due_at: DateTime.add(now, { hours: 2 }) })).pipe(write)
          )
          expect(iso(moved.remind_at)).toBe(iso(DateTime.add(now, { minutes: 90 })))
          const remindDue = Activities.use((a) => a.reminders.remindDue)
          yield* TestClock.adjust(Duration.minutes(80))
          expect(yield* run(remindDue)).toBe(0)
          yield* TestClock.adjust(Duration.minutes(20))
          expect(yield* run(remindDue)).toBe(1)
          const absolute = yield* run(A.updateTask(task.id, new UpdateTask({ remind_at: null })).pipe(write))
          expect(absolute).toMatchObject({ remind_before: null, remind_at: null })
        })
      )
    }
  )
}
