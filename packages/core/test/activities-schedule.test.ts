/**
 * Issue 22 (activities, second slice): call logs and calendar events
 * through the `ActivitiesAdmin` facade on both dialects — validation (end
 * before start, time zone, RRULE, attendee and participant bounds), RRULE
 * occurrences with their bound, the linked note's target, the timeline,
 * the user's `.ics` export.
 */
import { describe, expect, it, layer } from "@effect/vitest"
import { CreateSchool } from "@signet/contracts/academics/Domain"
import { CreateNote } from "@signet/contracts/activities/Domain"
import {
  CreateCalendarEvent,
  CreateCallLog,
  MAX_CALL_PARTICIPANTS,
  MAX_EVENT_ATTENDEES,
  MAX_OCCURRENCES_PER_QUERY,
  UpdateCalendarEvent
} from "@signet/contracts/activities/Schedule"
import { ActivitiesAdmin as A, Academics, type Actor, policyUse } from "@signet/core"
import { rruleProblem } from "@signet/core/activities/Recurrence"
import { testDialects } from "@signet/core/testing"
import { DateTime, Effect, Schema } from "effect"
import { inTenant, onboard, type TenantRef, testCore, user } from "./support.js"

const event = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateCalendarEvent)(input)
const call = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateCallLog)(input)
const note = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateNote)(input)
const at = (iso: string) => DateTime.unsafeMake(iso)

/** A tenant with two schools and a teacher. */
const world = (slug: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const teacher = yield* user(`teacher@${slug}.example.edu`, "teacher").pipe(inTenant(tenant))
    const mkSchool = (name: string) =>
      Academics.use((a) => a.createSchool(Schema.decodeUnknownSync(CreateSchool)({ name }))).pipe(inTenant(tenant))
    const [s1, s2] = [yield* mkSchool("S1"), yield* mkSchool("S2")]
    const actor: Actor = { kind: "user", id: teacher.id, userType: "teacher" }
    return {
      teacherId: teacher.id,
      school: { target_type: "school", target_id: s1.id } as const,
      school2: { target_type: "school", target_id: s2.id } as const,
      /** Runs `eff` in the tenant as the teacher. */
      run: <X, E, R>(eff: Effect.Effect<X, E, R>) => eff.pipe(inTenant(tenant, actor))
    }
  })

const write = policyUse("activities:write")
const read = policyUse("activities:read")
const hour = { starts_at: "2026-03-02T09:00:00Z", ends_at: "2026-03-02T10:00:00Z" }
const participant = { name: "Parent", phone: "+33 6 12 34 56 78" }

describe("RRULE check (issue 22)", () => {
  it("accepts a weekly rule and refuses garbage, an unknown FREQ and a minutely rule", () => {
    expect(rruleProblem("FREQ=WEEKLY;COUNT=10")).toBeNull()
    expect(rruleProblem("garbage")).not.toBeNull()
    expect(rruleProblem("FREQ=FOO")).not.toBeNull()
    expect(rruleProblem("FREQ=MINUTELY")).not.toBeNull()
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Call logs and calendar events on ${dialect} (issue 22)`, (it) => {
    it.effect("an event ending before it starts is refused (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-order")
        const input = event({ ...w.school, title: "x", starts_at: hour.ends_at, ends_at: hour.starts_at })
        const refused = yield* A.createEvent(input).pipe(write, w.run, Effect.flip)
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "ends_at" }] })
      })
    )

    it.effect("an unknown time zone is refused (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-tz")
        const input = event({ ...w.school, ...hour, title: "x", time_zone: "Mars/Olympus_Mons" })
        const refused = yield* A.createEvent(input).pipe(write, w.run, Effect.flip)
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "time_zone" }] })
      })
    )

    it.effect("an invalid RRULE is refused (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-rrule")
        const input = event({ ...w.school, ...hour, title: "x", rrule: "FREQ=WEEKLY;BYDAY=XX" })
        const refused = yield* A.createEvent(input).pipe(write, w.run, Effect.flip)
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "rrule" }] })
      })
    )

    it.effect(`more than ${MAX_EVENT_ATTENDEES} attendees are refused (400)`, () =>
      Effect.gen(function* () {
        const w = yield* world("ev-many")
        const attendees = Array.from({ length: MAX_EVENT_ATTENDEES + 1 }, () => crypto.randomUUID())
        const refused = yield* A.createEvent(event({ ...w.school, ...hour, title: "x", attendees })).pipe(
          write,
          w.run,
          Effect.flip
        )
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "attendees" }] })
      })
    )

    it.effect("an attendee who is not a user of the tenant is refused (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-stranger")
        const input = event({ ...w.school, ...hour, title: "x", attendees: [crypto.randomUUID()] })
        const refused = yield* A.createEvent(input).pipe(write, w.run, Effect.flip)
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "attendees" }] })
      })
    )

    it.effect("a weekly event yields its occurrences in a window, keeping 09:00 Paris time across DST", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-weekly")
        const created = yield* A.createEvent(
          event({
            ...w.school,
            title: "Staff meeting",
            starts_at: "2026-03-16T08:00:00Z",
            ends_at: "2026-03-16T09:00:00Z",
            time_zone: "Europe/Paris",
            rrule: "FREQ=WEEKLY;COUNT=4"
          })
        ).pipe(write, w.run)
        const list = yield* A.occurrences(w.school, at("2026-03-20T00:00:00Z"), at("2026-05-01T00:00:00Z")).pipe(
          read,
          w.run
        )
        // 23 March is still CET (08:00Z); France moves to CEST on 29 March, so 09:00 is 07:00Z.
        expect(list.items.map((o) => DateTime.formatIso(o.starts_at))).toEqual([
          "2026-03-23T08:00:00.000Z",
          "2026-03-30T07:00:00.000Z",
          "2026-04-06T07:00:00.000Z"
        ])
        expect(list.items.every((o) => o.event_id === created.id)).toBe(true)
        expect(list.truncated).toBe(false)
      })
    )

    it.effect(`an unbounded daily rule stops at ${MAX_OCCURRENCES_PER_QUERY} occurrences, marked truncated`, () =>
      Effect.gen(function* () {
        const w = yield* world("ev-bound")
        const daily = (n: number) =>
          event({
            ...w.school,
            title: `Daily ${n}`,
            starts_at: `2026-01-01T0${n}:00:00Z`,
            ends_at: `2026-01-01T0${n}:30:00Z`,
            rrule: "FREQ=DAILY"
          })
        for (const n of [1, 2, 3]) yield* A.createEvent(daily(n)).pipe(write, w.run)
        const list = yield* A.occurrences(w.school, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")).pipe(
          read,
          w.run
        )
        expect(list.items).toHaveLength(MAX_OCCURRENCES_PER_QUERY)
        expect(list.truncated).toBe(true)
      })
    )

    it.effect("an occurrence window longer than a year is refused (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-window")
        const refused = yield* A.occurrences(w.school, at("2026-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z")).pipe(
          read,
          w.run,
          Effect.flip
        )
        expect(refused._tag).toBe("ValidationError")
      })
    )

    it.effect(`more than ${MAX_CALL_PARTICIPANTS} call participants are refused (400)`, () =>
      Effect.gen(function* () {
        const w = yield* world("call-many")
        const participants = Array.from({ length: MAX_CALL_PARTICIPANTS + 1 }, () => participant)
        const input = call({
          ...w.school,
          direction: "inbound",
          participants,
          started_at: hour.starts_at,
          outcome: "busy"
        })
        const refused = yield* A.createCall(input).pipe(write, w.run, Effect.flip)
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "participants" }] })
      })
    )

    it.effect("a call may link a note on its target, not a note on another target (400)", () =>
      Effect.gen(function* () {
        const w = yield* world("call-note")
        const elsewhere = yield* A.createNote(note({ ...w.school2, body: "other school" })).pipe(write, w.run)
        const here = yield* A.createNote(note({ ...w.school, body: "this school" })).pipe(write, w.run)
        const base = { ...w.school, direction: "outbound", participants: [participant], started_at: hour.starts_at }
        const refused = yield* A.createCall(call({ ...base, outcome: "connected", note_id: elsewhere.id })).pipe(
          write,
          w.run,
          Effect.flip
        )
        expect(refused).toMatchObject({ _tag: "ValidationError", issues: [{ field: "note_id" }] })
        const linked = yield* A.createCall(
          call({ ...base, outcome: "connected", duration_seconds: 95, note_id: here.id })
        ).pipe(write, w.run)
        expect(linked).toMatchObject({ note_id: here.id, duration_seconds: 95, author_id: w.teacherId })
        expect((yield* A.listCalls(w.school).pipe(read, w.run)).items.map((c) => c.id)).toEqual([linked.id])
      })
    )

    it.effect("the timeline holds call logs and events beside notes, newest first", () =>
      Effect.gen(function* () {
        const w = yield* world("sched-timeline")
        const n = yield* A.createNote(note({ ...w.school, body: "n" })).pipe(write, w.run)
        const c = yield* A.createCall(
          call({
            ...w.school,
            direction: "inbound",
            participants: [participant],
            started_at: hour.starts_at,
            outcome: "voicemail"
          })
        ).pipe(write, w.run)
        const e = yield* A.createEvent(event({ ...w.school, ...hour, title: "Visit" })).pipe(write, w.run)
        const page = yield* A.timeline(w.school).pipe(read, w.run)
        expect(page.items.map((i) => i._tag)).toEqual(["event", "call", "note"])
        const ids = page.items.map((i) => (i._tag === "event" ? i.event.id : i._tag === "call" ? i.call.id : ""))
        expect(ids.slice(0, 2)).toEqual([e.id, c.id])
        expect(n.id).toBeDefined()
      })
    )

    it.effect("an event deleted leaves the timeline and answers 404", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-delete")
        const e = yield* A.createEvent(event({ ...w.school, ...hour, title: "Gone" })).pipe(write, w.run)
        yield* A.deleteEvent(e.id).pipe(write, w.run)
        expect((yield* A.timeline(w.school).pipe(read, w.run)).items).toEqual([])
        expect((yield* A.getEvent(e.id).pipe(read, w.run, Effect.flip))._tag).toBe("ActivityNotFound")
      })
    )

    it.effect("an update is checked as a whole: moving the start after the end is refused", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-update")
        const e = yield* A.createEvent(event({ ...w.school, ...hour, title: "Move me" })).pipe(write, w.run)
        const patch = Schema.decodeUnknownSync(UpdateCalendarEvent)({ starts_at: "2026-03-02T11:00:00Z" })
        const refused = yield* A.updateEvent(e.id, patch).pipe(write, w.run, Effect.flip)
        expect(refused._tag).toBe("ValidationError")
      })
    )

    it.effect("the author's .ics export holds the event's SUMMARY", () =>
      Effect.gen(function* () {
        const w = yield* world("ev-ics")
        const now = DateTime.toEpochMillis(yield* DateTime.now)
        const soon = new Date(now + 86_400_000).toISOString()
        const later = new Date(now + 90_000_000).toISOString()
        yield* A.createEvent(event({ ...w.school, title: "Parents evening", starts_at: soon, ends_at: later })).pipe(
          write,
          w.run
        )
        const ics = yield* A.myEventsIcs().pipe(read, w.run)
        expect(ics).toContain("BEGIN:VCALENDAR")
        expect(ics).toContain("SUMMARY:Parents evening")
      })
    )
  })
}
