/**
 * Issue 22 (activities, first slice) over HTTP: notes, tasks and reviews on
 * a school, the school's timeline, the review figures, problem+json for bad
 * input, and another tenant's note and school answering 404.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

/** An RPC client for the test server (the SDK's), sending `token` as the bearer. */
const rpcAs = (token: string) => Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, token }))

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Activities over HTTP on ${dialect} (issue 22)`,
    (it) => {
      it.effect("notes, tasks and reviews on a school make its timeline; another tenant gets 404", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-act")
          const school = yield* call("POST", "/api/v1/tenants/http-act/schools", { auth: admin, body: { name: "S" } })
          expect(school.status, school.text).toBe(201)
          const target = { target_type: "school", target_id: school.body.id }
          const A = "/api/v1/tenants/http-act/activities"
          const q = `target_type=school&target_id=${school.body.id}`

          const note = yield* call("POST", `${A}/notes`, {
            auth: admin,
            body: { ...target, body: "See [x](javascript:alert(1)) <script>alert(1)</script> **now**" }
          })
          expect(note.status, note.text).toBe(201)
          expect(note.body.body_html).toContain("<strong>now</strong>")
          expect(note.body.body_html).not.toMatch(/<script|href="javascript:/)
          const task = yield* call("POST", `${A}/tasks`, { auth: admin, body: { ...target, title: "Fire drill" } })
          expect(task.status, task.text).toBe(201)
          const done = yield* call("PATCH", `${A}/tasks/${task.body.id}`, { auth: admin, body: { status: "done" } })
          expect(done.body.status).toBe("done")
          const rev = yield* call("PUT", `${A}/reviews`, { auth: admin, body: { ...target, rating: 4 } })
          expect(rev.status, rev.text).toBe(200)

          const timeline = yield* call("GET", `${A}/timeline?${q}`, { auth: admin })
          expect(timeline.status, timeline.text).toBe(200)
          expect(timeline.body.items.map((i: { _tag: string }) => i._tag)).toEqual(["review", "task", "note"])
          const summary = yield* call("GET", `${A}/reviews/summary?${q}`, { auth: admin })
          expect(summary.body).toMatchObject({ count: 1, average: 4 })

          const other = yield* onboardTenant("http-act-b")
          const B = "/api/v1/tenants/http-act-b/activities"
          expectProblem(yield* call("GET", `${B}/notes/${note.body.id}`, { auth: other }), 404)
          expectProblem(yield* call("GET", `${B}/timeline?${q}`, { auth: other }), 404)
          expectProblem(yield* call("POST", `${B}/notes`, { auth: other, body: { ...target, body: "x" } }), 404)
        })
      )

      it.scoped("the RPC twins act alike: a note made over RPC is in the REST timeline; another tenant gets 404", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("rpc-act")
          const rpc = yield* rpcAs(admin)
          const me = yield* call("GET", "/api/v1/tenants/rpc-act/me", { auth: admin })
          const target = { target_type: "user", target_id: me.body.id }
          const note = yield* rpc.CreateNote({ ...target, body: "over *RPC*" })
          expect(note.body_html).toContain("<em>RPC</em>")
          const q = `target_type=user&target_id=${me.body.id}`
          const timeline = yield* call("GET", `/api/v1/tenants/rpc-act/activities/timeline?${q}`, { auth: admin })
          expect(timeline.body.items.map((i: { note: { id: string } }) => i.note.id)).toEqual([note.id])
          const other = yield* rpcAs(yield* onboardTenant("rpc-act-b"))
          expect((yield* Effect.flip(other.GetNote({ id: note.id })))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(other.GetTimeline(target)))._tag).toBe("TargetNotFound")
        })
      )

      it.effect("bad input answers problem+json 400 and writes nothing", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-act-bad")
          const A = "/api/v1/tenants/http-act-bad/activities"
          const target = { target_type: "tenant", target_id: "not-a-uuid" }
          expectProblem(yield* call("PUT", `${A}/reviews`, { auth: admin, body: { ...target, rating: 9 } }), 400)
          expectProblem(
            yield* call("POST", `${A}/tasks`, { auth: admin, body: { ...target, title: "x".repeat(201) } }),
            400
          )
          expectProblem(yield* call("POST", `${A}/notes`, { auth: admin, body: { ...target, body: "x" } }), 404)
          expectProblem(
            yield* call("GET", `${A}/timeline?target_type=school&target_id=a&limit=500`, { auth: admin }),
            400
          )
        })
      )
    }
  )
}
