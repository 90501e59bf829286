/**
 * iCalendar (RFC 5545) timetables for the academics module (ARCHITECTURE §4
 * "timetables from iCalendar"), as pure functions:
 *
 * - {@link parseTimetable}: an `.ics` text → one {@link Occurrence} per course
 *   occurrence (RRULE / RDATE / EXDATE / RECURRENCE-ID expanded, time zones
 *   resolved, instants in UTC), mapped to classroom / group / teacher / course
 *   name references by a {@link TimetableMapping}. Messy input is tolerated
 *   with warnings; broken events become errors; the function never throws.
 * - {@link isFatal}: whether an error of a plan forbids importing it (a file
 *   error or a resource limit) or only means that one event was skipped (the
 *   rest can be imported).
 * - {@link parseMapping}: the JSON mapping file of `signet … import ics`;
 *   {@link normalizeTeacherRef}: how teacher names and codes are compared
 *   with the mapping's `teachers` aliases.
 * - {@link renderFeed}: a read-only `METHOD:PUBLISH` VCALENDAR for calendar
 *   subscriptions (per student, teacher, group or classroom feed).
 *
 * Cancellations (issue 16): an occurrence is `cancelled` when its calendar
 * is an RFC 5546 `METHOD:CANCEL` (`cancelledBy: "METHOD"`; an event without
 * RECURRENCE-ID cancels its whole series, listed in
 * `TimetablePlan.cancelledSeries`), when it has STATUS:CANCELLED
 * (`"STATUS"`), or when a `cancelled` pattern of the mapping matches its
 * text (`"MARKER"`).
 *
 * No SQL, no Effect service, no Node module: parsing and serialization use
 * ical.js, time-zone arithmetic uses `Intl.DateTimeFormat`, validation of the
 * mapping uses `effect/Schema`. Resolving codes/e-mails to ids and writing
 * courses is the caller's job. Reference of the mapping and the codes:
 * docs/timetables.md.
 *
 * Warning codes (never fatal; each given once per event, not per
 * occurrence): BLANK_LINES, INVALID_LINE, UNBALANCED_COMPONENT,
 * MISSING_VCALENDAR, INVALID_PROPERTY (dropped non-essential property),
 * INVALID_VTIMEZONE, MISSING_UID, MISSING_DTSTAMP, MISSING_SUMMARY,
 * FLOATING_TIME, UNKNOWN_TZID, TZID_ALIASED, MISSING_DTEND, ZERO_DURATION,
 * ALL_DAY, RDATE_PERIOD, DUPLICATE_UID, ORPHAN_OVERRIDE, RRULE_TRUNCATED,
 * OCCURRENCE_CAP, DUPLICATE_OCCURRENCE (once per UID, with a count),
 * MAPPING_NO_MATCH, NO_EVENTS.
 *
 * Errors ({@link isFatal} tells them apart):
 *
 * - event errors (`uid` = the event's UID, synthesized when it has none;
 *   `line` = its BEGIN:VEVENT line; the message ends "event skipped"; not
 *   fatal — the rest of the plan is complete): MISSING_DTSTART,
 *   INVALID_DATE, INVALID_PROPERTY (unparseable essential property),
 *   DTEND_BEFORE_DTSTART, NEGATIVE_DURATION, INVALID_RRULE, EVENT_INVALID;
 * - per-event limits (`uid` and `line` as above, that event skipped, but
 *   fatal: a file that passes a limit is refused as a whole, issue 15 §1):
 *   RRULE_FREQUENCY, RRULE_NEVER_MATCHES, RRULE_TOO_COSTLY;
 * - file errors (`uid: null`, fatal): PARSE_ERROR, NO_VCALENDAR,
 *   INVALID_MAPPING, INVALID_OPTIONS, and the per-file limits FILE_TOO_LARGE,
 *   TOO_MANY_LINES, TOO_MANY_EVENTS, TOO_MANY_OCCURRENCES, FILE_TOO_COSTLY
 *   (`line`: where the limit was passed, when it was at an event).
 *
 * The limit codes (per event and per file) are {@link LIMIT_CODES}; each
 * such message names the limit and its value.
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
import {
  LIMIT_CODES,
  lineCount,
  MAX_FILE_BYTES,
  MAX_FILE_EVENTS,
  MAX_FILE_LINES,
  type Meter,
  utf8Bytes
} from "./ical/limits.js"
import { type Issues, prepass } from "./ical/lines.js"
import { type Compiled, compileCancelled, compileRule, MappingSchema, teacherAliasesOf } from "./ical/mapping.js"
import {
  type EventInfo,
  errorText,
  type FileFacts,
  parseCalendarProps,
  type ReadContext,
  readCalendar,
  unescapeText
} from "./ical/parse.js"
import type { IcsIssue, Occurrence, TimetableMapping, TimetableParseOptions, TimetablePlan } from "./ical/types.js"
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
  meteredIterator,
  REFUSED_FREQUENCIES,
  RuleBudgetExceeded,
  refuseRule
} from "./ical/limits.js"
export {
  MAX_CANCEL_PATTERN_LENGTH,
  MAX_CANCEL_PATTERNS,
  MAX_TEACHER_ALIAS_LENGTH,
  MAX_TEACHER_ALIASES,
  MAX_TEACHER_TARGET_LENGTH,
  normalizeTeacherRef,
  parseMapping
} from "./ical/mapping.js"
export type {
  FeedEvent,
  IcsIssue,
  Occurrence,
  TimetableMapping,
  TimetableParseOptions,
  TimetablePlan
} from "./ical/types.js"

/**
 * Whether an error of a {@link TimetablePlan} means the plan must not be
 * imported at all: true for a file error (no `uid`: the file cannot be
 * read, the mapping or the options are invalid, a per-file limit was
 * passed) and for a resource limit of {@link LIMIT_CODES} (a file that passes
 * one is refused as a whole, issue 15 §1, even when the limit was hit by one
 * event); false for an event error, which names the one VEVENT (`uid`,
 * `line`) that was skipped while the rest of the plan is complete and may be
 * imported (`--skip-invalid`). Meant for entries of `plan.errors`; warnings
 * are never fatal. See the module doc for the codes of each class.
 */
export const isFatal = (issue: IcsIssue): boolean => issue.uid === null || LIMIT_CODES.has(issue.code)

/**
 * Parses an .ics text and expands recurrences (RRULE, RDATE, EXDATE,
 * RECURRENCE-ID overrides incl. RANGE=THISANDFUTURE, VTIMEZONE / TZID,
 * floating times in `mapping.timezone`) into one {@link Occurrence} per
 * course occurrence (RFC 5545 §3.6.1, §3.8.5), with RFC 5546 METHOD:CANCEL
 * honoured (see the module doc).
 *
 * Tolerated with warnings: blank lines, stray / missing BEGIN-END, missing
 * UID (a stable one is synthesized from DTSTART + SUMMARY), missing DTSTAMP,
 * floating times, unknown TZIDs, missing DTEND (DURATION, else 1 h; all-day:
 * 1 day), bad non-essential properties. Event errors (that event skipped,
 * `uid` set): missing or invalid DTSTART, DTEND before DTSTART, unparseable
 * RRULE / EXDATE / …. A file that cannot be read at all yields a file error
 * (`uid: null`, see {@link isFatal}) and no occurrences; the function never
 * throws. All-day events become whole days in `mapping.timezone` (warning
 * ALL_DAY).
 *
 * `options.seriesEnd` (ISO instant, e.g. the end of the school's academic
 * year): when the mapping has no `windowEnd`, recurring events are expanded
 * up to it instead of one year after the window start (never more than
 * {@link MAX_WINDOW_YEARS} years); see {@link TimetableParseOptions}.
 */
export const parseTimetable = (
  text: string,
  mapping: TimetableMapping = {},
  options: TimetableParseOptions = {}
): TimetablePlan => {
  const steps = parsePlan(text, mapping, options)
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
 * requests while a large calendar is read. Same arguments and result as the
 * synchronous function; never fails. Interrupting it stops the parse and
 * releases the time zones it registered.
 */
export const parseTimetableEffect = (
  text: string,
  mapping: TimetableMapping = {},
  options: TimetableParseOptions = {}
): Effect.Effect<TimetablePlan> =>
  Effect.suspend(() => {
    const steps = parsePlan(text, mapping, options)
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
  teacherAliases: Object.create(null),
  floatingZone: null
}

/** The parse as a generator: each `yield` is a slice boundary (see {@link parseTimetableEffect}). */
function* parsePlan(
  text: string,
  mapping: TimetableMapping,
  options: TimetableParseOptions
): Generator<void, TimetablePlan> {
  const warnings: Array<IcsIssue> = []
  const errors: Array<IcsIssue> = []
  const issues: Issues = {
    warn: (code, message, line = null, uid = null) => warnings.push({ line, uid, code, message }),
    error: (code, message, line = null, uid = null) => errors.push({ line, uid, code, message })
  }
  const facts: FileFacts = { cancelledSeries: [], usedDefaultZone: false }
  let teacherAliases: Readonly<Record<string, string>> = emptyPlan.teacherAliases
  let defaultZone = "UTC"
  const result = (calendarName: string | null, occurrences: ReadonlyArray<Occurrence>): TimetablePlan => ({
    calendarName,
    occurrences,
    warnings,
    errors,
    cancelledSeries: facts.cancelledSeries,
    teacherAliases,
    floatingZone: facts.usedDefaultZone ? defaultZone : null
  })

  const setup = prepare(mapping, options, issues)
  if (setup === null) return result(null, [])
  const { m, compiled, seriesEnd } = setup
  teacherAliases = teacherAliasesOf(m)
  defaultZone = compiled.defaultZone
  if (!withinFileLimits(text, issues)) return result(null, [])

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
      const rc: ReadContext = { compiled, ensure, issues, meter, facts }
      for (const raw of calendars) {
        const props = parseCalendarProps(raw.props, issues)
        if (calendarName === null) {
          const nameProp = props.find(([n]) => n === "x-wr-calname" || n === "name")
          if (nameProp !== undefined && typeof nameProp[3] === "string") {
            calendarName = nameProp[2] === "text" ? nameProp[3] : unescapeText(nameProp[3])
          }
        }
        events.push(...(yield* readCalendar(raw, props, rc)))
      }
      if (eventCount === 0) issues.warn("NO_EVENTS", "the calendar has no VEVENT")
      return result(calendarName, yield* expand(events, compiled, m, seriesEnd, issues, meter))
    })
  } catch (e) {
    issues.error("PARSE_ERROR", `the file cannot be read: ${errorText(e)}`)
    return result(null, [])
  }
}

/**
 * Validates the mapping and the options and compiles the mapping's
 * patterns; null (with the error INVALID_MAPPING or INVALID_OPTIONS) when
 * either is invalid.
 */
const prepare = (mapping: TimetableMapping, options: TimetableParseOptions, issues: Issues) => {
  const decoded = Schema.decodeUnknownEither(MappingSchema, { errors: "all" })(mapping)
  if (Either.isLeft(decoded)) {
    issues.error("INVALID_MAPPING", ParseResult.TreeFormatter.formatErrorSync(decoded.left))
    return null
  }
  const m = decoded.right
  const seriesEnd = options.seriesEnd === undefined ? null : Date.parse(options.seriesEnd)
  if (seriesEnd !== null && Number.isNaN(seriesEnd)) {
    issues.error("INVALID_OPTIONS", `seriesEnd is not an ISO-8601 instant: ${JSON.stringify(options.seriesEnd)}`)
    return null
  }
  try {
    const compiled: Compiled = {
      defaultZone: canonicalZone(m.timezone ?? "UTC")!,
      classroom: compileRule(m.classroom) ?? { from: "LOCATION", regex: null },
      group: compileRule(m.group),
      teacher: compileRule(m.teacher),
      courseName: compileRule(m.courseName) ?? { from: "SUMMARY", regex: null },
      cancelled: compileCancelled(m.cancelled)
    }
    return { m, compiled, seriesEnd }
  } catch (e) {
    issues.error("INVALID_MAPPING", errorText(e))
    return null
  }
}

/** Checks the size limits of the text (FILE_TOO_LARGE, TOO_MANY_LINES); false when one is passed. */
const withinFileLimits = (text: string, issues: Issues): boolean => {
  if (utf8Bytes(text, MAX_FILE_BYTES) > MAX_FILE_BYTES) {
    issues.error(
      "FILE_TOO_LARGE",
      `the calendar is larger than ${MAX_FILE_BYTES} bytes (MAX_FILE_BYTES, the limit per file); split it`
    )
    return false
  }
  if (lineCount(text, MAX_FILE_LINES) > MAX_FILE_LINES) {
    issues.error(
      "TOO_MANY_LINES",
      `the calendar has more than ${MAX_FILE_LINES} lines (MAX_FILE_LINES, the limit per file); split it`
    )
    return false
  }
  return true
}
