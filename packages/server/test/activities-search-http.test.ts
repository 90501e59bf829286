/**
 * Issue 22 "Full-text search across notes, tasks and events" over HTTP:
 * `GET …/activities/search` finds a note and a task, filters by kind and
 * target, another tenant finds nothing, and hostile or oversized query
 * text answers 200 or problem+json 400 — never a 500.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, testServer } from "@signet/server/testing"
import { Effect } from "effect"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Activities search over HTTP on ${dialect} (issue 22)`,
    (it) => {
      it.effect("finds a note and a task by kind and target; another tenant finds nothing", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-fts")
          const school = yield* call("POST", "/api/v1/tenants/http-fts/schools", { auth: admin, body: { name: "S" } })
          const target = { target_type: "school", target_id: school.body.id }
          const A = "/api/v1/tenants/http-fts/activities"
          const n = yield* call("POST", `${A}/notes`, { auth: admin, body: { ...target, body: "Sortie au musée" } })
          const t = yield* call("POST", `${A}/tasks`, { auth: admin, body: { ...target, title: "Réserver le musée" } })
          expect([n.status, t.status]).toEqual([201, 201])

          const all = yield* call("GET", `${A}/search?q=musee`, { auth: admin })
          expect(all.status, all.text).toBe(200)
          expect(all.body.items.map((h: { id: string }) => h.id).sort()).toEqual([n.body.id, t.body.id].sort())
          const tasks = yield* call("GET", `${A}/search?q=musee&kinds=task,event`, { auth: admin })
          expect(tasks.body.items.map((h: { kind: string }) => h.kind)).toEqual(["task"])
          const scoped = yield* call("GET", `${A}/search?q=mus&target_type=school&target_id=${school.body.id}`, {
            auth: admin
          })
          expect(scoped.body.items).toHaveLength(2)

          const other = yield* onboardTenant("http-fts-b")
          const theirs = yield* call("GET", "/api/v1/tenants/http-fts-b/activities/search?q=musee", { auth: other })
          expect(theirs.status, theirs.text).toBe(200)
          expect(theirs.body.items).toEqual([])
        })
      )

      it.effect("hostile or oversized query text answers 200 or problem+json 400, never 500", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-fts-bad")
          const A = "/api/v1/tenants/http-fts-bad/activities"
          for (const q of ['"', "*", "NEAR(", "AND OR", "-", "'", "😀", "x:y", "a\u0000b"]) {
            const r = yield* call("GET", `${A}/search?q=${encodeURIComponent(q)}`, { auth: admin })
            expect([200, 400], `${q}: ${r.text}`).toContain(r.status)
          }
          expectProblem(yield* call("GET", `${A}/search?q=`, { auth: admin }), 400)
          expectProblem(yield* call("GET", `${A}/search?q=${"a".repeat(201)}`, { auth: admin }), 400)
          expectProblem(yield* call("GET", `${A}/search?q=x&kinds=attachment`, { auth: admin }), 400)
          expectProblem(yield* call("GET", `${A}/search?q=x&target_type=school`, { auth: admin }), 400)
        })
      )
    }
  )
}
