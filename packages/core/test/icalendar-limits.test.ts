/**
 * Issue 15 §1 "iCalendar expansion bomb": a 3 KB calendar of twenty `COUNT=5000` events used to
 * expand to 100,000 courses. A calendar is refused once it passes MAX_FILE_OCCURRENCES, naming the
 * limit, and expansion stops there (the work done is bounded by the limit, not by the file).
 */
import {
  LIMIT_CODES,
  MAX_EVENT_RULE_STEPS,
  MAX_FILE_BYTES,
  MAX_FILE_EVENTS,
  MAX_FILE_LINES,
  MAX_FILE_OCCURRENCES,
  MAX_FILE_RULE_STEPS,
  MAX_WINDOW_YEARS,
  parseTimetable,
  parseTimetableEffect
} from "@signet/core/academics/ICalendar"
import { Effect } from "effect"
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

/** Issue 15 §1 "iCalendar expansion DoS": rules that never (or almost never) match used to spin inside ical.js. */
describe("recurrence work limits (issue 15 §1)", () => {
  const codes = (plan: { readonly errors: ReadonlyArray<{ readonly code: string }> }) => plan.errors.map((e) => e.code)

  it("an RRULE whose BYMONTHDAY exists in none of its months is refused before it is iterated", () => {
    for (const rule of ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=31;COUNT=5"]) {
      const plan = parseTimetable(cal([event(1, rule)]), { timezone: "UTC" })
      expect(codes(plan)).toEqual(["RRULE_NEVER_MATCHES"])
      expect(plan.errors[0]!.message).toContain("BYMONTHDAY=")
      expect(plan.occurrences).toEqual([])
    }
  })

  it("FREQ=SECONDLY and FREQ=MINUTELY are refused, naming the limit", () => {
    for (const rule of ["FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30", "FREQ=MINUTELY;UNTIL=20990101T000000Z"]) {
      const plan = parseTimetable(cal([event(1, rule)]), { timezone: "UTC" })
      expect(codes(plan)).toEqual(["RRULE_FREQUENCY"])
      expect(plan.errors[0]!.message).toContain("REFUSED_FREQUENCIES")
    }
  })

  it("a rule that matches too rarely to be found within the step budget is refused, naming the limit", () => {
    // Feb 29 falling on a Monday: next in 2044, 157,000 hourly candidates away.
    const hourly = parseTimetable(cal([event(1, "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO")]), {
      timezone: "UTC"
    })
    expect(codes(hourly)).toEqual(["RRULE_TOO_COSTLY"])
    expect(hourly.errors[0]!.message).toContain(String(MAX_EVENT_RULE_STEPS))
    // The first Monday of a month falling on the 15th-21st: never; ical.js searches up to year 20000.
    const yearly = parseTimetable(cal([event(2, "FREQ=YEARLY;BYDAY=1MO;BYMONTHDAY=15,16,17,18,19,20,21")]), {
      timezone: "UTC"
    })
    expect(codes(yearly)).toEqual(["RRULE_TOO_COSTLY"])
  })

  it("the recurrence steps of a whole file are bounded: expansion stops at the per-file budget", () => {
    const rare = Array.from({ length: 30 }, (_, i) => event(i, "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"))
    const plan = parseTimetable(cal(rare), { timezone: "UTC" })
    expect(codes(plan)).toContain("FILE_TOO_COSTLY")
    expect(plan.errors.find((e) => e.code === "FILE_TOO_COSTLY")!.message).toContain(String(MAX_FILE_RULE_STEPS))
    expect(plan.errors.length).toBeLessThanOrEqual(MAX_FILE_RULE_STEPS / MAX_EVENT_RULE_STEPS + 1)
  })

  it("no occurrence is expanded beyond the horizon, and a wider mapping window is refused", () => {
    const plan = parseTimetable(cal([event(1, "FREQ=MONTHLY;UNTIL=20990101T000000Z")]), {
      timezone: "UTC",
      windowEnd: "2099-01-01T00:00:00Z"
    })
    expect(plan.errors).toEqual([])
    expect(plan.occurrences.at(-1)!.startAt < `${2026 + MAX_WINDOW_YEARS}-01-05T08:00:00.000Z`).toBe(true)
    expect(plan.occurrences).toHaveLength(12 * MAX_WINDOW_YEARS)
    const wide = parseTimetable(cal([event(1, "FREQ=WEEKLY")]), { windowStart: "2026-01-01", windowEnd: "2040-01-01" })
    expect(codes(wide)).toEqual(["INVALID_MAPPING"])
    expect(wide.errors[0]!.message).toContain("MAX_WINDOW_YEARS")
  })

  it("files over the size, line or event limits are refused before they are parsed", () => {
    const big = parseTimetable(cal([event(1, "FREQ=WEEKLY;COUNT=2"), `X-PAD:${"x".repeat(MAX_FILE_BYTES)}`]))
    expect(codes(big)).toEqual(["FILE_TOO_LARGE"])
    expect(big.errors[0]!.message).toContain(String(MAX_FILE_BYTES))
    const long = parseTimetable(cal(Array.from({ length: MAX_FILE_LINES }, () => "X-PAD:1")))
    expect(codes(long)).toEqual(["TOO_MANY_LINES"])
    expect(long.errors[0]!.message).toContain(String(MAX_FILE_LINES))
    const many = parseTimetable(
      cal(Array.from({ length: MAX_FILE_EVENTS + 1 }, () => "BEGIN:VEVENT\r\nDTSTART:20260105T080000Z\r\nEND:VEVENT"))
    )
    expect(codes(many)).toEqual(["TOO_MANY_EVENTS"])
    expect(many.errors[0]!.message).toContain(String(MAX_FILE_EVENTS))
    expect(many.occurrences).toEqual([])
  })

  it("every limit error is one of LIMIT_CODES", () => {
    for (const code of ["RRULE_NEVER_MATCHES", "RRULE_FREQUENCY", "RRULE_TOO_COSTLY", "FILE_TOO_COSTLY"]) {
      expect(LIMIT_CODES.has(code)).toBe(true)
    }
  })

  it("parseTimetableEffect gives the synchronous result and lets the event loop run between slices", async () => {
    const text = cal(Array.from({ length: 4 }, (_, i) => event(i, "FREQ=HOURLY;COUNT=4000")))
    let turns = 0
    let running = true
    const spin = () => {
      turns++
      if (running) setImmediate(spin)
    }
    setImmediate(spin)
    const plan = await Effect.runPromise(parseTimetableEffect(text, { timezone: "UTC" }))
    running = false
    expect(plan).toEqual(parseTimetable(text, { timezone: "UTC" }))
    expect(plan.occurrences).toHaveLength(16_000)
    expect(turns).toBeGreaterThan(5)
  })
})
