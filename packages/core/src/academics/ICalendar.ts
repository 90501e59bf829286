/**
 * iCalendar (RFC 5545) timetables for the academics module (ARCHITECTURE §4
 * "timetables from iCalendar"), as pure functions:
 *
 * - {@link parseTimetable}: an `.ics` text → one {@link Occurrence} per course
 *   occurrence (RRULE / RDATE / EXDATE / RECURRENCE-ID expanded, time zones
 *   resolved, instants in UTC), mapped to classroom / group / teacher / course
 *   name references by a {@link TimetableMapping}. Messy input is tolerated
 *   with warnings; broken events become errors; the function never throws.
 * - {@link parseMapping}: the JSON mapping file of `signet … import ics`.
 * - {@link renderFeed}: a read-only `METHOD:PUBLISH` VCALENDAR for calendar
 *   subscriptions (per student, teacher, group or classroom feed).
 *
 * No SQL, no Effect service, no Node module: parsing and serialization use
 * ical.js, time-zone arithmetic uses `Intl.DateTimeFormat`, validation of the
 * mapping uses `effect/Schema`. Resolving codes/e-mails to ids and writing
 * courses is the caller's job.
 *
 * Warning codes: BLANK_LINES, INVALID_LINE, UNBALANCED_COMPONENT,
 * MISSING_VCALENDAR, INVALID_PROPERTY (dropped non-essential property),
 * INVALID_VTIMEZONE, MISSING_UID, MISSING_DTSTAMP, MISSING_SUMMARY,
 * FLOATING_TIME, UNKNOWN_TZID, TZID_ALIASED, MISSING_DTEND, ZERO_DURATION,
 * ALL_DAY, RDATE_PERIOD, DUPLICATE_UID, ORPHAN_OVERRIDE, RRULE_TRUNCATED, OCCURRENCE_CAP,
 * DUPLICATE_OCCURRENCE, MAPPING_NO_MATCH, NO_EVENTS.
 *
 * Error codes: PARSE_ERROR, NO_VCALENDAR, INVALID_MAPPING, MISSING_DTSTART,
 * INVALID_DATE, INVALID_PROPERTY (unparseable essential property: the event
 * is skipped), DTEND_BEFORE_DTSTART, NEGATIVE_DURATION, INVALID_RRULE,
 * EVENT_INVALID; and the resource limits ({@link LIMIT_CODES}, issue 15 §1):
 * FILE_TOO_LARGE, TOO_MANY_LINES, TOO_MANY_EVENTS, TOO_MANY_OCCURRENCES,
 * RRULE_FREQUENCY, RRULE_NEVER_MATCHES, RRULE_TOO_COSTLY, FILE_TOO_COSTLY —
 * each message names the limit and its value.
 *
 * The work of one parse is bounded by the file (bytes, lines, events), not
 * only by what it emits: every candidate instant ical.js looks at while
 * searching for the next match of an RRULE counts against a per-event and a
 * per-file step budget, and no occurrence lies beyond a horizon of
 * {@link MAX_WINDOW_YEARS} years. {@link parseTimetableEffect} runs the same
 * parse in slices that give the event loop a turn between them.
 *
 * @module
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { expand } from "./ical/expand.js"
import { lineCount, MAX_FILE_BYTES, MAX_FILE_EVENTS, MAX_FILE_LINES, type Meter, utf8Bytes } from "./ical/limits.js"
import { type Issues, prepass } from "./ical/lines.js"
import { type Compiled, compileRule, MappingSchema } from "./ical/mapping.js"
import { type EventInfo, errorText, parseCalendarProps, readCalendar, unescapeText } from "./ical/parse.js"
import type { IcsIssue, Occurrence, TimetableMapping, TimetablePlan } from "./ical/types.js"
import { canonicalZone, withIanaZones } from "./ical/zones.js"
import { yieldToEventLoop } from "./oneroster/zip.js"

export { renderFeed } from "./ical/feed.js"
export {
  LIMIT_CODES,
  MAX_EVENT_RULE_STEPS,
  MAX_FILE_BYTES,
  MAX_FILE_EVENTS,
  MAX_FILE_LINES,
  MAX_FILE_OCCURRENCES,
  MAX_FILE_RULE_STEPS,
  MAX_ITERATIONS,
  MAX_OCCURRENCES,
  MAX_WINDOW_YEARS,
  REFUSED_FREQUENCIES
} from "./ical/limits.js"
export { parseMapping } from "./ical/mapping.js"
export type { FeedEvent, IcsIssue, Occurrence, TimetableMapping, TimetablePlan } from "./ical/types.js"

/**
 * Parses an .ics text and expands recurrences (RRULE, RDATE, EXDATE,
 * RECURRENCE-ID overrides incl. RANGE=THISANDFUTURE, VTIMEZONE / TZID,
 * floating times in `mapping.timezone`) into one {@link Occurrence} per
 * course occurrence (RFC 5545 §3.6.1, §3.8.5).
 *
 * Tolerated with warnings: blank lines, stray / missing BEGIN-END, missing
 * UID (a stable one is synthesized from DTSTART + SUMMARY), missing DTSTAMP,
 * floating times, unknown TZIDs, missing DTEND (DURATION, else 1 h; all-day:
 * 1 day), bad non-essential properties. Errors (that event skipped): missing
 * or invalid DTSTART, DTEND before DTSTART, unparseable RRULE / EXDATE / ….
 * A file that cannot be read at all yields errors and no occurrences; the
 * function never throws. All-day events become whole days in
 * `mapping.timezone` (warning ALL_DAY).
 */
export const parseTimetable = (text: string, mapping: TimetableMapping = {}): TimetablePlan => {
  const steps = parsePlan(text, mapping)
  for (;;) {
    const r = steps.next()
    if (r.done) return r.value
  }
}

/**
 * {@link parseTimetable} as an Effect that keeps the event loop free: the
 * work is cut into slices of about {@link SLICE_WORK} units (lines parsed,
 * recurrence steps, occurrences) and the fiber gives the Node event loop a
 * turn (`setImmediate`) between slices, so a server keeps answering other
 * requests while a large calendar is read. Same result as the synchronous
 * function; never fails. Interrupting it stops the parse and releases the
 * time zones it registered.
 */
export const parseTimetableEffect = (text: string, mapping: TimetableMapping = {}): Effect.Effect<TimetablePlan> =>
  Effect.suspend(() => {
    const steps = parsePlan(text, mapping)
    return Effect.gen(function* () {
      for (;;) {
        const r = steps.next()
        if (r.done) return r.value
        yield* yieldToEventLoop
      }
    }).pipe(Effect.onInterrupt(() => Effect.sync(() => steps.return(emptyPlan))))
  })

const emptyPlan: TimetablePlan = {
  calendarName: null,
  occurrences: [],
  warnings: [],
  errors: [],
  cancelledSeries: [],
  teacherAliases: {},
  floatingZone: null
}

/** The parse as a generator: each `yield` is a slice boundary (see {@link parseTimetableEffect}). */
function* parsePlan(text: string, mapping: TimetableMapping): Generator<void, TimetablePlan> {
  const warnings: Array<IcsIssue> = []
  const errors: Array<IcsIssue> = []
  const issues: Issues = {
    warn: (code, message, line = null, uid = null) => warnings.push({ line, uid, code, message }),
    error: (code, message, line = null, uid = null) => errors.push({ line, uid, code, message })
  }
  const result = (calendarName: string | null, occurrences: ReadonlyArray<Occurrence>): TimetablePlan => ({
    calendarName,
    occurrences,
    warnings,
    errors,
    cancelledSeries: [],
    teacherAliases: {},
    floatingZone: null
  })

  const decoded = Schema.decodeUnknownEither(MappingSchema, { errors: "all" })(mapping)
  if (Either.isLeft(decoded)) {
    issues.error("INVALID_MAPPING", ParseResult.TreeFormatter.formatErrorSync(decoded.left))
    return result(null, [])
  }
  const m = decoded.right
  let compiled: Compiled
  try {
    compiled = {
      defaultZone: canonicalZone(m.timezone ?? "UTC")!,
      classroom: compileRule(m.classroom) ?? { from: "LOCATION", regex: null },
      group: compileRule(m.group),
      teacher: compileRule(m.teacher),
      courseName: compileRule(m.courseName) ?? { from: "SUMMARY", regex: null }
    }
  } catch (e) {
    issues.error("INVALID_MAPPING", errorText(e))
    return result(null, [])
  }

  if (utf8Bytes(text, MAX_FILE_BYTES) > MAX_FILE_BYTES) {
    issues.error(
      "FILE_TOO_LARGE",
      `the calendar is larger than ${MAX_FILE_BYTES} bytes (MAX_FILE_BYTES, the limit per file); split it`
    )
    return result(null, [])
  }
  if (lineCount(text, MAX_FILE_LINES) > MAX_FILE_LINES) {
    issues.error(
      "TOO_MANY_LINES",
      `the calendar has more than ${MAX_FILE_LINES} lines (MAX_FILE_LINES, the limit per file); split it`
    )
    return result(null, [])
  }

  const meter: Meter = { event: 0, file: 0, slice: 0 }
  try {
    return yield* withIanaZones(function* (ensure) {
      const calendars = prepass(text, issues)
      if (calendars.length === 0) {
        issues.error("NO_VCALENDAR", "no BEGIN:VCALENDAR found; not an iCalendar file")
        return result(null, [])
      }
      const eventCount = calendars.reduce((n, c) => n + c.blocks.filter((b) => b.name === "VEVENT").length, 0)
      if (eventCount > MAX_FILE_EVENTS) {
        issues.error(
          "TOO_MANY_EVENTS",
          `the calendar has ${eventCount} VEVENTs, more than ${MAX_FILE_EVENTS} (MAX_FILE_EVENTS, the limit per file); split it`
        )
        return result(null, [])
      }
      yield // the line-level pre-pass was one slice
      let calendarName: string | null = null
      const events: Array<EventInfo> = []
      for (const raw of calendars) {
        const props = parseCalendarProps(raw.props, issues)
        if (calendarName === null) {
          const nameProp = props.find(([n]) => n === "x-wr-calname" || n === "name")
          if (nameProp !== undefined && typeof nameProp[3] === "string") {
            calendarName = nameProp[2] === "text" ? nameProp[3] : unescapeText(nameProp[3])
          }
        }
        events.push(...(yield* readCalendar(raw, props, compiled, ensure, issues, meter)))
      }
      if (events.length === 0 && errors.length === 0) issues.warn("NO_EVENTS", "the calendar has no VEVENT")
      return result(calendarName, yield* expand(events, compiled, m, issues, meter))
    })
  } catch (e) {
    issues.error("PARSE_ERROR", `the file cannot be read: ${errorText(e)}`)
    return result(null, [])
  }
}
