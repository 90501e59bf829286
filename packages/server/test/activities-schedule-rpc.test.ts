/**
 * Issue 22 (activities, second slice) over `@effect/rpc`: call logs and
 * calendar events through `ActivitiesQuery`/`ActivitiesCommand` act as
 * their REST twins — create, get, list, update, delete, occurrences — and
 * a task's `remind_at` goes through; another tenant's ids answer `ActivityNotFound` / `TargetNotFound`.
 */
import { expect, layer } from "@effect/vitest"
import { UpdateCalendarEvent, UpdateCallLog, UpdateTask } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { DateTime, Effect } from "effect"

/** An RPC client for the test server (the SDK's), sending `token` as the bearer. */
const rpcAs = (token: string) => Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, token }))

/** Tomorrow 09:00 UTC, plus `hours`. */
const tomorrowAt9 = (hours = 0) =>
  DateTime.unsafeMake(Math.ceil(Date.now() / 86_400_000) * 86_400_000 + (9 + hours) * 3_600_000)

/** A tenant's admin token and a school of it as an activity target. */
const schoolOf = (slug: string) =>
  Effect.flatMap(onboardTenant(slug), (admin) =>
    Effect.map(call("POST", `/api/v1/tenants/${slug}/schools`, { auth: admin, body: { name: "S" } }), (school) => ({
      admin,
      target: { target_type: "school", target_id: school.body.id as string }
    }))
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Call logs and calendar events over RPC on ${dialect} (issue 22)`,
    (it) => {
      it.scoped("a call log: create, get, list, update, delete", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-calls")
          const rpc = yield* rpcAs(admin)
          const logged = yield* rpc.CreateCall({
            ...target,
            direction: "outbound",
            participants: [{ name: "A parent", phone: "+44 20 7946 0000" }],
            started_at: tomorrowAt9(),
            duration_seconds: 90,
            outcome: "voicemail"
          })
          expect((yield* rpc.GetCall({ id: logged.id })).outcome).toBe("voicemail")
          expect((yield* rpc.ListCalls(target)).items.map((c) => c.id)).toEqual([logged.id])
          const changed = yield* rpc.UpdateCall({ id: logged.id, patch: new UpdateCallLog({ outcome: "connected" }) })
          expect(changed.outcome).toBe("connected")
          yield* rpc.DeleteCall({ id: logged.id })
          expect((yield* Effect.flip(rpc.GetCall({ id: logged.id })))._tag).toBe("ActivityNotFound")
        })
      )

      it.scoped("SearchActivities finds an event and a note as over REST; another tenant finds nothing", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-search")
          const rpc = yield* rpcAs(admin)
          const event = yield* rpc.CreateEvent({
            ...target,
            title: "Réunion parents-professeurs",
            starts_at: tomorrowAt9(),
            ends_at: tomorrowAt9(1)
          })
          const found = yield* rpc.SearchActivities({ q: "reunion", kinds: ["event"] })
          expect(found.items.map((h) => h.id)).toEqual([event.id])
          const refused = yield* Effect.flip(rpc.SearchActivities({ q: "   " }))
          expect(refused._tag).toBe("ValidationError")
          const other = yield* rpcAs(yield* onboardTenant("rpc-search-b"))
          expect((yield* other.SearchActivities({ q: "reunion" })).items).toEqual([])
        })
      )

      it.scoped("a weekly event: create, occurrences, update, delete", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-events")
          const rpc = yield* rpcAs(admin)
          const event = yield* rpc.CreateEvent({
            ...target,
            title: "Open day",
            starts_at: tomorrowAt9(),
            ends_at: tomorrowAt9(1),
            rrule: "FREQ=WEEKLY;COUNT=3"
          })
          expect((yield* rpc.GetEvent({ id: event.id })).title).toBe("Open day")
          expect((yield* rpc.ListEvents(target)).items.map((e) => e.id)).toEqual([event.id])
          const occ = yield* rpc.ListOccurrences({
            ...target,
            from: tomorrowAt9(),
            to: tomorrowAt9(30 * 24)
          })
          expect(occ.items).toHaveLength(3)
          expect(
            (yield* rpc.UpdateEvent({ id: event.id, patch: new UpdateCalendarEvent({ title: "Open evening" }) })).title
          ).toBe("Open evening")
          yield* rpc.DeleteEvent({ id: event.id })
          expect((yield* rpc.ListEvents(target)).items).toEqual([])
        })
      )

      it.scoped("a task's remind_at goes through CreateTask and UpdateTask (issue 22 task reminders)", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-remind")
          const rpc = yield* rpcAs(admin)
          const task = yield* rpc.CreateTask({ ...target, title: "Ring back", remind_at: tomorrowAt9() })
          expect(task.remind_at && DateTime.formatIso(task.remind_at)).toBe(DateTime.formatIso(tomorrowAt9()))
          expect(task.reminder_sent_at).toBeNull()
          const cleared = yield* rpc.UpdateTask({ id: task.id, patch: new UpdateTask({ remind_at: null }) })
          expect(cleared.remind_at).toBeNull()
        })
      )

      it.scoped("another tenant's call logs and events answer not found, and stay unchanged", () =>
        Effect.gen(function* () {
          const { admin, target } = yield* schoolOf("rpc-sched-a")
          const rpc = yield* rpcAs(admin)
          const logged = yield* rpc.CreateCall({
            ...target,
            direction: "inbound",
            participants: [{ name: "B" }],
            started_at: tomorrowAt9(),
            outcome: "busy"
          })
          const event = yield* rpc.CreateEvent({
            ...target,
            title: "Mine",
            starts_at: tomorrowAt9(),
            ends_at: tomorrowAt9(1)
          })
          const other = yield* rpcAs(yield* onboardTenant("rpc-sched-b"))
          expect((yield* Effect.flip(other.GetCall({ id: logged.id })))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(other.GetEvent({ id: event.id })))._tag).toBe("ActivityNotFound")
          expect((yield* Effect.flip(other.DeleteCall({ id: logged.id })))._tag).toBe("ActivityNotFound")
          expect(
            (yield* Effect.flip(other.UpdateEvent({ id: event.id, patch: new UpdateCalendarEvent({ title: "x" }) })))
              ._tag
          ).toBe("ActivityNotFound")
          expect((yield* Effect.flip(other.ListCalls(target)))._tag).toBe("TargetNotFound")
          const window = { ...target, from: tomorrowAt9(), to: tomorrowAt9(24) }
          expect((yield* Effect.flip(other.ListOccurrences(window)))._tag).toBe("TargetNotFound")
          expect((yield* rpc.GetEvent({ id: event.id })).title).toBe("Mine")
          expect((yield* rpc.GetCall({ id: logged.id })).outcome).toBe("busy")
        })
      )
    }
  )
}
