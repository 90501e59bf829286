/**
 * Recurrence of calendar events (issue 22 "Calendar events … RRULE";
 * RFC 5545 §3.3.10 RECUR), through ical.js — the library the timetable
 * import already uses (`academics/ical/`). Pure functions; internal to the
 * activities module.
 *
 * Bounds (defence against rules that expand without end):
 * - a rule is at most `MAX_RRULE_CHARS` characters and its frequency is
 *   DAILY, WEEKLY, MONTHLY or YEARLY (SECONDLY, MINUTELY, HOURLY refused);
 * - one event's expansion takes at most {@link MAX_RULE_STEPS} steps of the
 *   rule's iterator, whatever the window — counted inside ical.js (every
 *   candidate instant it looks at), through the timetable import's bounded
 *   iterator (`meteredIterator` of `academics/ICalendar.ts`), so a rule that
 *   almost never matches (`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO`)
 *   stops at the budget instead of spinning inside one `next()`;
 * - a rule whose BYMONTHDAY exists in none of its months is refused (the
 *   import's `refuseRule`);
 * - one query answers at most `MAX_OCCURRENCES_PER_QUERY` occurrences over a
 *   window of at most `MAX_OCCURRENCE_WINDOW_DAYS` days.
 *
 * A recurring event's occurrences keep its wall-clock start in its
 * `time_zone` (a 09:00 Paris weekly meeting stays at 09:00 across DST) and
 * its length; an all-day event recurs by dates in UTC.
 *
 * @module
 */
import type { CalendarEvent } from "@signet/contracts/activities/Schedule"
import { MAX_RRULE_CHARS } from "@signet/contracts/activities/Schedule"
import { DateTime, Option } from "effect"
import ICAL from "ical.js"
import { meteredIterator, RuleBudgetExceeded, refuseRule } from "../academics/ICalendar.js"

/**
 * Steps of one rule's iterator at most per expansion, counted inside ical.js
 * (candidates looked at, years expanded): a daily rule takes about one a
 * day, so this covers about 270 years of one.
 */
export const MAX_RULE_STEPS = 100_000

/** A step counter for {@link meteredIterator}: throws `RuleBudgetExceeded` past `max` steps. */
const budget = (max: number) => {
  let steps = 0
  return () => {
    if (++steps > max) throw new RuleBudgetExceeded("event")
  }
}

/** Frequencies an event's RRULE may have. */
const ALLOWED_FREQUENCIES = new Set(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"])

/**
 * Why `rrule` is not an acceptable RECUR value, or null when it is: too
 * long, unreadable by ical.js, no or a refused FREQ.
 */
export const rruleProblem = (rrule: string): string | null => {
  if (rrule.length > MAX_RRULE_CHARS) return `must be at most ${MAX_RRULE_CHARS} characters`
  const value = rrule.replace(/^RRULE:/i, "").trim()
  try {
    const recur = ICAL.Recur.fromString(value)
    if (recur.freq === null || recur.freq === undefined) return "needs a FREQ"
    if (!ALLOWED_FREQUENCIES.has(recur.freq)) return "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"
    const refused = refuseRule(recur)
    if (refused !== null) return "never occurs (BYMONTHDAY exists in none of its months)"
    // Reading the first occurrence surfaces errors ical.js only finds while iterating.
    const start = ICAL.Time.fromData({ year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
    meteredIterator(recur, start, budget(MAX_RULE_STEPS)).next()
    return null
  } catch (e) {
    if (e instanceof RuleBudgetExceeded)
      return `matches too rarely (more than ${MAX_RULE_STEPS} steps to its first occurrence)`
    return `is not a valid RRULE (${e instanceof Error ? e.message : String(e)})`
  }
}

/** One occurrence, in epoch milliseconds. */
export interface Span {
  readonly start: number
  readonly end: number
}

/** The wall-clock parts of `at` in `zone` as a floating ical.js time. */
const wallTime = (at: DateTime.Utc, zone: string) => {
  const parts = DateTime.toParts(
    Option.match(DateTime.zoneMakeNamed(zone), {
      onNone: () => at,
      onSome: (z) => DateTime.setZone(at, z)
    })
  )
  return ICAL.Time.fromData({
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hours,
    minute: parts.minutes,
    second: parts.seconds
  })
}

/** The instant of a floating ical.js wall time in `zone` (the earlier one in a DST overlap). */
const instantOf = (t: ICAL.Time, zone: string): number => {
  const z = Option.getOrUndefined(DateTime.zoneMakeNamed(zone))
  const parts = { year: t.year, month: t.month, day: t.day, hours: t.hour, minutes: t.minute, seconds: t.second }
  if (z === undefined) return DateTime.toEpochMillis(DateTime.unsafeMake(parts))
  return DateTime.toEpochMillis(DateTime.unsafeMakeZoned(parts, { timeZone: z, adjustForTimeZone: true }))
}

/**
 * The occurrences of `event` that overlap [`from`, `to`) (epoch ms), at
 * most `max`, by start; `truncated` when `max` or {@link MAX_RULE_STEPS}
 * cut the expansion. An event without a rule has one occurrence.
 */
export const expandEvent = (
  event: CalendarEvent,
  from: number,
  to: number,
  max: number
): { readonly spans: ReadonlyArray<Span>; readonly truncated: boolean } => {
  const start = DateTime.toEpochMillis(event.starts_at)
  const length = DateTime.toEpochMillis(event.ends_at) - start
  const overlaps = (s: number) => s < to && s + length > from
  if (event.rrule === null) return { spans: overlaps(start) ? [{ start, end: start + length }] : [], truncated: false }
  const zone = event.all_day ? "UTC" : event.time_zone
  const recur = ICAL.Recur.fromString(event.rrule.replace(/^RRULE:/i, "").trim())
  const iterator = meteredIterator(recur, wallTime(event.starts_at, zone), budget(MAX_RULE_STEPS))
  const spans: Array<Span> = []
  try {
    for (;;) {
      const next = iterator.next()
      if (!next) return { spans, truncated: false }
      const s = instantOf(next, zone)
      if (s >= to) return { spans, truncated: false }
      if (!overlaps(s)) continue
      if (spans.length >= max) return { spans, truncated: true }
      spans.push({ start: s, end: s + length })
    }
  } catch (e) {
    if (e instanceof RuleBudgetExceeded) return { spans, truncated: true }
    throw e
  }
}

/**
 * The first occurrence of a recurring task's series strictly after `after`
 * (epoch ms), or null when the series has ended (its UNTIL or COUNT) or its
 * iterator ran past {@link MAX_RULE_STEPS} steps before reaching one. The
 * series starts at `start` (its DTSTART), expanded in wall time of `zone`
 * as events are. `rrule` must have passed {@link rruleProblem}.
 */
export const nextOccurrenceAfter = (rrule: string, start: DateTime.Utc, zone: string, after: number): number | null => {
  const recur = ICAL.Recur.fromString(rrule.replace(/^RRULE:/i, "").trim())
  const iterator = meteredIterator(recur, wallTime(start, zone), budget(MAX_RULE_STEPS))
  try {
    for (;;) {
      const next = iterator.next()
      if (!next) return null
      const s = instantOf(next, zone)
      if (s > after) return s
    }
  } catch (e) {
    if (e instanceof RuleBudgetExceeded) return null
    throw e
  }
}
