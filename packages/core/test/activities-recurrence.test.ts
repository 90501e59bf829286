/**
 * Issue 22: calendar events' RRULEs expand under the same bounded iterator
 * as the timetable import (`meteredIterator`): steps are counted inside
 * ical.js, so a rule that never or almost never matches cannot spin.
 */
import { CalendarEvent } from "@signet/contracts/activities/Schedule"
import { expandEvent, MAX_RULE_STEPS, rruleProblem } from "@signet/core/activities/Recurrence"
import { DateTime, Schema } from "effect"
import { describe, expect, it } from "vitest"

const event = (startsAt: string, rrule: string) =>
  Schema.decodeUnknownSync(CalendarEvent)({
    id: "01900000-0000-7000-8000-000000000001",
    target_type: "tenant",
    target_id: "01900000-0000-7000-8000-000000000002",
    author_id: "system",
    title: "T",
    description: null,
    starts_at: startsAt,
    ends_at: new Date(Date.parse(startsAt) + 3_600_000).toISOString(),
    all_day: false,
    time_zone: "UTC",
    location: null,
    attendees: [],
    rrule,
    created_at: startsAt,
    updated_at: startsAt
  })

const ms = (iso: string) => DateTime.toEpochMillis(DateTime.unsafeMake(iso))

describe("RRULE expansion budget (issue 22)", () => {
  it("refuses a rule whose BYMONTHDAY exists in none of its months", () => {
    expect(rruleProblem("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30")).toMatch(/never occurs/)
  })

  it(`stops a daily rule started centuries ago at ${MAX_RULE_STEPS} steps, marking the answer truncated`, () => {
    const old = event("1700-01-01T09:00:00.000Z", "FREQ=DAILY")
    const result = expandEvent(old, ms("2026-01-01T00:00:00Z"), ms("2026-02-01T00:00:00Z"), 1000)
    expect(result.truncated).toBe(true)
    expect(result.spans).toEqual([])
  })

  it("expands a rarely matching rule within the budget, without spinning", () => {
    const rare = event("2026-01-01T09:00:00.000Z", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO")
    const started = Date.now()
    const result = expandEvent(rare, ms("2026-01-01T00:00:00Z"), ms("2027-01-01T00:00:00Z"), 1000)
    // Only DTSTART itself (always an instance, RFC 5545 §3.8.5.3): no later Monday 29 February in 2026.
    expect(result.spans.map((x) => x.start)).toEqual([ms("2026-01-01T09:00:00Z")])
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})
