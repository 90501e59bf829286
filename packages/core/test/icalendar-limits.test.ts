/**
 * Issue 15 §1 "iCalendar expansion bomb": a 3 KB calendar of twenty `COUNT=5000` events used to
 * expand to 100,000 courses. A calendar is refused once it passes MAX_FILE_OCCURRENCES, naming the
 * limit, and expansion stops there (the work done is bounded by the limit, not by the file).
 */
import { MAX_FILE_OCCURRENCES, parseTimetable } from "@signet/core/academics/ICalendar"
import { describe, expect, it } from "vitest"

const cal = (events: ReadonlyArray<string>) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Test//EN", ...events, "END:VCALENDAR", ""].join("\r\n")
const event = (i: number, rrule: string) =>
  [
    "BEGIN:VEVENT",
    `UID:bomb-${i}@example.edu`,
    "DTSTAMP:20260101T000000Z",
    "DTSTART:20260105T080000Z",
    "DTEND:20260105T090000Z",
    `RRULE:${rrule}`,
    `SUMMARY:Lesson ${i}`,
    "END:VEVENT"
  ].join("\r\n")

describe("expansion limits (issue 15 §1)", () => {
  it("a calendar expanding past the per-file limit is refused, naming the limit, and expansion stops there", () => {
    const bomb = cal(Array.from({ length: 20 }, (_, i) => event(i, "FREQ=HOURLY;COUNT=5000")))
    expect(bomb.length).toBeLessThan(5000)
    const plan = parseTimetable(bomb, { timezone: "UTC" })
    expect(plan.errors.map((e) => e.code)).toEqual(["TOO_MANY_OCCURRENCES"])
    expect(plan.errors[0]!.message).toContain(String(MAX_FILE_OCCURRENCES))
    expect(plan.occurrences.length).toBeLessThanOrEqual(MAX_FILE_OCCURRENCES)
  })

  it("a calendar below the limit expands in full", () => {
    const weekly = cal(Array.from({ length: 20 }, (_, i) => event(i, "FREQ=WEEKLY;COUNT=40")))
    const plan = parseTimetable(weekly, { timezone: "UTC" })
    expect(plan.errors).toEqual([])
    expect(plan.occurrences).toHaveLength(800)
  })

  it("an RRULE without COUNT or UNTIL is bounded by the one-year horizon", () => {
    const plan = parseTimetable(cal([event(1, "FREQ=DAILY")]), { timezone: "UTC" })
    expect(plan.occurrences.length).toBeLessThanOrEqual(366)
    expect(plan.warnings.map((w) => w.code)).toContain("RRULE_TRUNCATED")
  })
})
