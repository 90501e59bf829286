/**
 * Resource limits of an iCalendar import (issue 15 §1) and the meter that enforces them during expansion.
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */
import ICAL from "ical.js"

/**
 * Occurrences one event may expand to: beyond it the event's expansion stops
 * with the warning OCCURRENCE_CAP (the rest of that event is dropped).
 */
export const MAX_OCCURRENCES = 5000
/** Instances (kept or outside the window) one event's expansion may walk through (OCCURRENCE_CAP). */
export const MAX_ITERATIONS = 100_000
/**
 * Occurrences one calendar may expand to, all events together (issue 15 §1:
 * twenty events of `COUNT=5000` — a 3 KB file — expanded to 100,000 courses
 * and took the server's CPU for half a minute). Beyond it the file is refused
 * (`TOO_MANY_OCCURRENCES`) before anything is planned. Sized for a large
 * secondary school's year: 1,300 weekly lessons over 46 weeks (issue 16 —
 * the first limit, 20,000, refused a 500-lesson timetable's 22,900).
 */
export const MAX_FILE_OCCURRENCES = 60_000
/** Size of an `.ics` text in UTF-8 bytes (8 MiB); beyond it: FILE_TOO_LARGE, nothing parsed. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024
/** Physical lines of an `.ics` text; beyond it: TOO_MANY_LINES, nothing parsed. */
export const MAX_FILE_LINES = 400_000
/** VEVENT components in one file (masters and overrides); beyond it: TOO_MANY_EVENTS, nothing expanded. */
export const MAX_FILE_EVENTS = 20_000
/**
 * Recurrence-rule steps one event's expansion may take: every candidate
 * instant ical.js considers (matching or not) and every year it expands
 * counts one step. An RRULE that (almost) never matches — `FREQ=HOURLY;
 * BYMONTH=2;BYMONTHDAY=29;BYDAY=MO` — used to spin inside ical.js's
 * `next()` for ever (issue 15 §1); beyond this budget the event is refused
 * (RRULE_TOO_COSTLY). A daily rule over five years takes 1,826 steps, an
 * hourly one over a year 8,760.
 */
export const MAX_EVENT_RULE_STEPS = 10_000
/** Recurrence-rule steps for the whole file (all events together); beyond it: FILE_TOO_COSTLY, expansion stops. */
export const MAX_FILE_RULE_STEPS = 300_000
/**
 * Horizon: no occurrence is expanded later than this many years after the
 * window start (the mapping's `windowStart`, else the file's earliest
 * DTSTART); a mapping window wider than this is refused (INVALID_MAPPING).
 */
export const MAX_WINDOW_YEARS = 5
/**
 * RRULE frequencies refused outright (RRULE_FREQUENCY): a timetable recurs at
 * most hourly, and these walk 3,600 / 86,400 candidate instants per day.
 */
export const REFUSED_FREQUENCIES: ReadonlyArray<string> = ["SECONDLY", "MINUTELY"]
/**
 * Error codes that mean "a resource limit of the import was passed" rather
 * than "this event is wrong": importers answer them with a ValidationError
 * (400) naming the limit, the others with TimetableImportFailed (422).
 */
export const LIMIT_CODES: ReadonlySet<string> = new Set([
  "FILE_TOO_LARGE",
  "TOO_MANY_LINES",
  "TOO_MANY_EVENTS",
  "TOO_MANY_OCCURRENCES",
  "RRULE_FREQUENCY",
  "RRULE_NEVER_MATCHES",
  "RRULE_TOO_COSTLY",
  "FILE_TOO_COSTLY"
])

/** Work units (lines, recurrence steps, occurrences) between two yields of {@link parseTimetableEffect}. */
const SLICE_WORK = 2000

/** Work done by one parse: recurrence steps (per event, per file) and work since the last yield. */
export interface Meter {
  event: number
  file: number
  slice: number
}

/** A recurrence-rule step budget ran out while ical.js iterated (thrown through ical.js, caught in expand). */
export class RuleBudgetExceeded extends Error {
  constructor(readonly scope: "event" | "file") {
    super(`recurrence step budget of the ${scope} exhausted`)
  }
}

/** Yields (a slice boundary) when enough work was done since the last one. */
export function* slice(meter: Meter): Generator<void, void> {
  if (meter.slice >= SLICE_WORK) {
    meter.slice = 0
    yield
  }
}

/** UTF-8 length of `text`, counting no further than `limit + 1`. */
export const utf8Bytes = (text: string, limit: number): number => {
  if (text.length * 3 <= limit) return text.length
  let bytes = 0
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c < 0xdc00) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}

/** Physical lines of `text` (CRLF, CR or LF), counting no further than `limit + 1`. */
export const lineCount = (text: string, limit: number): number => {
  let lines = 1
  for (let i = 0; i < text.length && lines <= limit; i++) {
    const c = text.charCodeAt(i)
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) lines++
  }
  return lines
}

/** Longest length of each month (February: 29), for {@link refuseRule}. */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * Checks an RRULE before it is iterated: a frequency in
 * {@link REFUSED_FREQUENCIES} (RRULE_FREQUENCY), or BYMONTHDAY values that
 * exist in none of the BYMONTH months, e.g. `BYMONTH=2;BYMONTHDAY=30`
 * (RRULE_NEVER_MATCHES: ical.js would search for ever, or roll the day over
 * into March). Other never-matching rules are stopped by
 * {@link MAX_EVENT_RULE_STEPS}.
 */
export const refuseRule = (recur: ICAL.Recur): { readonly code: string; readonly message: string } | null => {
  if (REFUSED_FREQUENCIES.includes(recur.freq)) {
    return {
      code: "RRULE_FREQUENCY",
      message: `RRULE FREQ=${recur.freq} is refused: a timetable recurs at most HOURLY (REFUSED_FREQUENCIES = ${REFUSED_FREQUENCIES.join(", ")}); event skipped`
    }
  }
  const parts = recur.parts as Record<string, ReadonlyArray<number> | undefined>
  const days = parts.BYMONTHDAY
  if (days !== undefined && days.length > 0) {
    const months = parts.BYMONTH ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    const possible = months.some((m) => days.some((d) => Math.abs(d) <= (MONTH_DAYS[m - 1] ?? 0)))
    if (!possible) {
      return {
        code: "RRULE_NEVER_MATCHES",
        message: `RRULE never occurs: BYMONTHDAY=${days.join(",")} exists in none of the months BYMONTH=${months.join(",")}; event skipped`
      }
    }
  }
  return null
}

/**
 * An ical.js recurrence iterator of `recur` from `start` whose every step —
 * each candidate instant ical.js looks at (`check_contracting_rules`) and
 * each year it expands (`expand_year_days`) — first calls `step`, which
 * throws (e.g. a {@link RuleBudgetExceeded}) to end the loop. ical.js's
 * `RecurIterator#next` loops internally until a candidate matches, so a
 * rule that (almost) never matches cannot spin past the caller's budget.
 * The one bounded helper of RRULE expansion: the timetable import
 * ({@link meterRules}) and the activities module's calendar events
 * (`activities/Recurrence.ts`, issue 22) both iterate through it.
 */
export const meteredIterator = (recur: ICAL.Recur, start: ICAL.Time, step: () => void): ICAL.RecurIterator => {
  class MeteredIterator extends ICAL.RecurIterator {
    override check_contracting_rules(): boolean {
      step()
      return super.check_contracting_rules()
    }
    override expand_year_days(year: number): number {
      step()
      return super.expand_year_days(year)
    }
  }
  return new MeteredIterator({ rule: recur, dtstart: start })
}

/**
 * Makes every RRULE of `comp` iterate under the step budgets of `meter`
 * ({@link MAX_EVENT_RULE_STEPS}, {@link MAX_FILE_RULE_STEPS}) through
 * {@link meteredIterator}; a {@link RuleBudgetExceeded} thrown there ends the
 * loop. Only this component's rules are affected (the iterator factory of
 * its own Recur values is replaced).
 */
export const meterRules = (comp: ICAL.Component, meter: Meter) => {
  const step = () => {
    meter.slice++
    if (++meter.file > MAX_FILE_RULE_STEPS) throw new RuleBudgetExceeded("file")
    if (++meter.event > MAX_EVENT_RULE_STEPS) throw new RuleBudgetExceeded("event")
  }
  for (const p of comp.getAllProperties("rrule")) {
    const recur = p.getFirstValue() as ICAL.Recur
    recur.iterator = (start: ICAL.Time) => meteredIterator(recur, start, step)
  }
}
