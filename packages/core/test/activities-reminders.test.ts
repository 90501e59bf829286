/**
 * Issue 22 "task reminders" (activities, third slice): a task's
 * `remind_at` becomes one `signet.activities.task.reminder_due` CloudEvent
 * in the outbox once it has passed — once, however often the job runs; a
 * moved reminder is sent again; a done task is not reminded; another
 * tenant's run does not emit it; the leased job runs it.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateTask, UpdateTask } from "@signet/contracts/activities/Domain"
import { ActivitiesAdmin as A, Activities, policyUse, Tenancy } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { DateTime, Duration, Effect, Schema, TestClock } from "effect"
import { inTenant, onboard, type TenantRef, testCore } from "./support.js"

const write = policyUse("activities:write")
const REMINDER = "signet.activities.task.reminder_due"

/** A fresh tenant; `run` runs an effect in it (as the test operator). */
const tenantOf = (slug: string) =>
  Effect.map(onboard(slug), (raw) => {
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    return { tenant, run: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant)) }
  })

/** A task on the tenant itself, reminding in `minutes` from now. */
const taskReminding = (tenant: TenantRef, minutes: number) =>
  Effect.flatMap(DateTime.now, (now) =>
    A.createTask(
      Schema.decodeUnknownSync(CreateTask)({
        target_type: "tenant",
        target_id: tenant.id,
        title: "Call the parents",
        remind_at: DateTime.formatIso(DateTime.add(now, { minutes }))
      })
    ).pipe(write)
  )

/** The reminder events of a task in the outbox, as their `data`. */
const remindersOf = (taskId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly data: unknown }>`SELECT data FROM outbox WHERE type = ${REMINDER} AND subject = ${taskId}`.pipe(
      Effect.map((rows) => rows.map((r) => (typeof r.data === "string" ? JSON.parse(r.data) : r.data))),
      Effect.orDie
    )
  )

const remindDue = Activities.use((a) => a.reminders.remindDue)

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Task reminders on ${dialect} (issue 22)`, (it) => {
    it.effect("a reminder is not emitted before its instant", () =>
      Effect.gen(function* () {
        const { run, tenant } = yield* tenantOf("rem-early")
        const task = yield* run(taskReminding(tenant, 60))
        expect(yield* run(remindDue)).toBe(0)
        expect(yield* remindersOf(task.id)).toEqual([])
        expect(task.reminder_sent_at).toBeNull()
      })
    )

    it.effect("a passed reminder is emitted once, with the task's fields, and stamped", () =>
      Effect.gen(function* () {
        const { run, tenant } = yield* tenantOf("rem-once")
        const task = yield* run(taskReminding(tenant, 30))
        yield* TestClock.adjust(Duration.hours(1))
        expect(yield* run(remindDue)).toBe(1)
        expect(yield* run(remindDue)).toBe(0)
        const sent = yield* remindersOf(task.id)
        expect(sent).toEqual([
          expect.objectContaining({ task_id: task.id, title: "Call the parents", target_type: "tenant" })
        ])
        expect((yield* run(A.getTask(task.id).pipe(policyUse("activities:read")))).reminder_sent_at).not.toBeNull()
      })
    )

    it.effect("two runs at once emit one reminder", () =>
      Effect.gen(function* () {
        const { run, tenant } = yield* tenantOf("rem-race")
        const task = yield* run(taskReminding(tenant, 1))
        yield* TestClock.adjust(Duration.minutes(5))
        const counts = yield* Effect.all([run(remindDue), run(remindDue)], { concurrency: 2 })
        expect(counts[0] + counts[1]).toBe(1)
        expect(yield* remindersOf(task.id)).toHaveLength(1)
      })
    )

    it.effect("a moved reminder is sent again", () =>
      Effect.gen(function* () {
        const { run, tenant } = yield* tenantOf("rem-moved")
        const task = yield* run(taskReminding(tenant, 1))
        yield* TestClock.adjust(Duration.minutes(5))
        yield* run(remindDue)
        const later = DateTime.add(yield* DateTime.now, { minutes: 10 })
        const moved = yield* run(A.updateTask(task.id, new UpdateTask({ remind_at: later })).pipe(write))
        expect(moved.reminder_sent_at).toBeNull()
        yield* TestClock.adjust(Duration.minutes(20))
        expect(yield* run(remindDue)).toBe(1)
        expect(yield* remindersOf(task.id)).toHaveLength(2)
      })
    )

    it.effect("a done task is not reminded", () =>
      Effect.gen(function* () {
        const { run, tenant } = yield* tenantOf("rem-done")
        const task = yield* run(taskReminding(tenant, 1))
        yield* run(A.updateTask(task.id, new UpdateTask({ status: "done" })).pipe(write))
        yield* TestClock.adjust(Duration.minutes(5))
        expect(yield* run(remindDue)).toBe(0)
        expect(yield* remindersOf(task.id)).toEqual([])
      })
    )

    it.scoped("the activities.task_reminders job emits a due reminder on its first tick", () =>
      Effect.gen(function* () {
        const { run, tenant } = yield* tenantOf("rem-job")
        const task = yield* run(taskReminding(tenant, 1))
        yield* TestClock.adjust(Duration.minutes(5))
        const tenancy = yield* Tenancy
        yield* Effect.forkScoped(Activities.use((a) => a.reminders.remindersJob(tenancy, { intervalMs: 60_000 })))
        // The tick's SQL is real I/O: poll on the wall clock, at most ~10 s.
        let sent: ReadonlyArray<unknown> = []
        for (let i = 0; i < 200 && sent.length === 0; i++) {
          yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
          sent = yield* remindersOf(task.id)
        }
        expect(sent).toHaveLength(1)
      })
    )

    it.effect("another tenant's run leaves the reminder; the run over all tenants emits it", () =>
      Effect.gen(function* () {
        const mine = yield* tenantOf("rem-mine")
        const other = yield* tenantOf("rem-other")
        const task = yield* mine.run(taskReminding(mine.tenant, 1))
        yield* TestClock.adjust(Duration.minutes(5))
        expect(yield* other.run(remindDue)).toBe(0)
        expect(yield* remindersOf(task.id)).toEqual([])
        const tenancy = yield* Tenancy
        expect(yield* Activities.use((a) => a.reminders.remindAllTenants(tenancy))).toBeGreaterThanOrEqual(1)
        expect(yield* remindersOf(task.id)).toHaveLength(1)
      })
    )
  })
}
