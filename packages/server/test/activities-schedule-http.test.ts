/**
 * Issue 22 (activities, second slice) over HTTP: call logs and calendar
 * events on a school, in its timeline, the occurrences of a weekly event,
 * the caller's `calendar.ics`, problem+json for bad input, and another
 * tenant's objects answering 404.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const soon = () => new Date(Date.now() + 86_400_000).toISOString().replace(/T.*/, "T09:00:00.000Z")
const plusHour = (iso: string) => new Date(Date.parse(iso) + 3_600_000).toISOString()

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Call logs and calendar events over HTTP on ${dialect} (issue 22)`,
    (it) => {
      it.effect(
        "a call and a weekly event on a school: timeline, occurrences, calendar.ics; another tenant gets 404",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("http-sched")
            const school = yield* call("POST", "/api/v1/tenants/http-sched/schools", {
              auth: admin,
              body: { name: "S" }
            })
            const target = { target_type: "school", target_id: school.body.id }
            const A = "/api/v1/tenants/http-sched/activities"
            const q = `target_type=school&target_id=${school.body.id}`
            const start = soon()

            const logged = yield* call("POST", `${A}/calls`, {
              auth: admin,
              body: {
                ...target,
                direction: "inbound",
                participants: [{ name: "A parent", phone: "+44 20 7946 0000" }],
                started_at: start,
                duration_seconds: 120,
                outcome: "connected"
              }
            })
            expect(logged.status, logged.text).toBe(201)
            const created = yield* call("POST", `${A}/events`, {
              auth: admin,
              body: {
                ...target,
                title: "Open day",
                starts_at: start,
                ends_at: plusHour(start),
                rrule: "FREQ=WEEKLY;COUNT=3"
              }
            })
            expect(created.status, created.text).toBe(201)

            const timeline = yield* call("GET", `${A}/timeline?${q}`, { auth: admin })
            expect(timeline.body.items.map((i: { _tag: string }) => i._tag)).toEqual(["event", "call"])
            const window = `from=${encodeURIComponent(start)}&to=${encodeURIComponent(new Date(Date.parse(start) + 30 * 86_400_000).toISOString())}`
            const occ = yield* call("GET", `${A}/occurrences?${q}&${window}`, { auth: admin })
            expect(occ.status, occ.text).toBe(200)
            expect(occ.body.items).toHaveLength(3)

            const ics = yield* call("GET", `${A}/calendar.ics`, { auth: admin })
            expect(ics.status, ics.text).toBe(200)
            expect(ics.headers.get("content-type")).toContain("text/calendar")
            expect(ics.text).toContain("SUMMARY:Open day")

            const other = yield* onboardTenant("http-sched-b")
            const B = "/api/v1/tenants/http-sched-b/activities"
            expectProblem(yield* call("GET", `${B}/events/${created.body.id}`, { auth: other }), 404)
            expectProblem(yield* call("GET", `${B}/calls/${logged.body.id}`, { auth: other }), 404)
            expectProblem(yield* call("GET", `${B}/occurrences?${q}&${window}`, { auth: other }), 404)
            const theirs = yield* call("GET", `${B}/calendar.ics`, { auth: other })
            expect(theirs.text).not.toContain("Open day")
          })
      )

      it.effect("an event ending before it starts and a bad RRULE answer problem+json 400", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-sched-bad")
          const me = yield* call("GET", "/api/v1/tenants/http-sched-bad/me", { auth: admin })
          const A = "/api/v1/tenants/http-sched-bad/activities"
          const base = { target_type: "user", target_id: me.body.id, title: "x" }
          const start = soon()
          expectProblem(
            yield* call("POST", `${A}/events`, {
              auth: admin,
              body: { ...base, starts_at: plusHour(start), ends_at: start }
            }),
            400
          )
          expectProblem(
            yield* call("POST", `${A}/events`, {
              auth: admin,
              body: { ...base, starts_at: start, ends_at: plusHour(start), rrule: "FREQ=SECONDLY" }
            }),
            400
          )
          const list = yield* call("GET", `${A}/events?target_type=user&target_id=${me.body.id}`, { auth: admin })
          expect(list.body.items).toEqual([])
        })
      )
    }
  )
}
