/**
 * Issue 22 "recurring tasks" and reminder offsets over REST and RPC: a
 * recurring task completed over REST names its next occurrence, which
 * keeps the reminder offset; a bad or due-less rule, a doubly given
 * reminder and an out-of-range offset answer problem+json 400 and write
 * nothing; the RPC twins carry the same fields; another tenant cannot
 * complete the task (404) and no occurrence is created for it.
 */
import { expect, layer } from "@effect/vitest"
import { UpdateTask } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { DateTime, Effect } from "effect"

/** An RPC client for the test server (the SDK's), sending `token` as the bearer. */
const rpcAs = (token: string) => Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, token }))

const MONDAY = "2027-01-04T09:00:00.000Z"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Recurring tasks over HTTP and RPC on ${dialect} (issue 22)`,
    (it) => {
      it.effect("completing a recurring task over REST creates its next occurrence once", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-series")
          const me = yield* call("GET", "/api/v1/tenants/http-series/me", { auth: admin })
          const target = { target_type: "user", target_id: me.body.id }
          const A = "/api/v1/tenants/http-series/activities"
          const body = { ...target, title: "Weekly", due_at: MONDAY, recurrence: "FREQ=WEEKLY", remind_before: 15 }
          const task = yield* call("POST", `${A}/tasks`, { auth: admin, body })
          expect(task.status, task.text).toBe(201)
          expect(task.body).toMatchObject({ remind_before: 15, remind_at: "2027-01-04T08:45:00.000Z" })
          const done = yield* call("PATCH", `${A}/tasks/${task.body.id}`, { auth: admin, body: { status: "done" } })
          expect(done.status, done.text).toBe(200)
          const next = yield* call("GET", `${A}/tasks/${done.body.next_task_id}`, { auth: admin })
          expect(next.body).toMatchObject({ due_at: "2027-01-11T09:00:00.000Z", remind_at: "2027-01-11T08:45:00.000Z" })
          yield* call("PATCH", `${A}/tasks/${task.body.id}`, { auth: admin, body: { status: "todo" } })
          yield* call("PATCH", `${A}/tasks/${task.body.id}`, { auth: admin, body: { status: "done" } })
          const list = yield* call("GET", `${A}/tasks?target_type=user&target_id=${me.body.id}`, { auth: admin })
          expect(list.body.items).toHaveLength(2)
        })
      )

      it.effect("bad rules and reminders answer problem+json 400 and write nothing", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-series-bad")
          const me = yield* call("GET", "/api/v1/tenants/http-series-bad/me", { auth: admin })
          const target = { target_type: "user", target_id: me.body.id, title: "t" }
          const A = "/api/v1/tenants/http-series-bad/activities"
          for (const extra of [
            { due_at: MONDAY, recurrence: "FREQ=SECONDLY" },
            { due_at: MONDAY, recurrence: "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=31" },
            { recurrence: "FREQ=DAILY" },
            { due_at: MONDAY, remind_before: 5, remind_at: MONDAY },
            { due_at: MONDAY, remind_before: 40_321 },
            { remind_before: 5 }
          ])
            expectProblem(yield* call("POST", `${A}/tasks`, { auth: admin, body: { ...target, ...extra } }), 400)
          const list = yield* call("GET", `${A}/tasks?target_type=user&target_id=${me.body.id}`, { auth: admin })
          expect(list.body.items).toEqual([])
        })
      )

      it.scoped("RPC CreateTask/UpdateTask carry the rule; another tenant's UpdateTask answers ActivityNotFound", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("rpc-series")
          const rpc = yield* rpcAs(admin)
          const me = yield* call("GET", "/api/v1/tenants/rpc-series/me", { auth: admin })
          const target = { target_type: "user", target_id: me.body.id as string }
          const due = DateTime.unsafeMake(MONDAY)
          const task = yield* rpc.CreateTask({
            ...target,
            title: "Daily",
            due_at: due,
            recurrence: "FREQ=DAILY;COUNT=2"
          })
          const other = yield* rpcAs(yield* onboardTenant("rpc-series-b"))
          const refused = yield* Effect.flip(
            other.UpdateTask({ id: task.id, patch: new UpdateTask({ status: "done" }) })
          )
          expect(refused._tag).toBe("ActivityNotFound")
          expect((yield* rpc.GetTask({ id: task.id })).next_task_id).toBeNull()
          const done = yield* rpc.UpdateTask({ id: task.id, patch: new UpdateTask({ status: "done" }) })
          const second = yield* rpc.UpdateTask({ id: done.next_task_id!, patch: new UpdateTask({ status: "done" }) })
          expect(second.next_task_id).toBeNull()
        })
      )
    }
  )
}
