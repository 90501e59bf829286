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
import ICAL from "ical.js"
import { yieldToEventLoop } from "./oneroster/zip.js"

// ---------------------------------------------------------------------------
// Public shapes
// ---------------------------------------------------------------------------

/**
 * A problem found while reading an `.ics` file: `line` is the 1-based physical
 * line in the original text (for an event: its `BEGIN:VEVENT` line), `uid` the
 * event's UID when known, `code` a stable machine code (see the module doc).
 */
export interface IcsIssue {
  readonly line: number | null
  readonly uid: string | null
  readonly code: string
  readonly message: string
}

/**
 * Mapping rules: how event fields map to Signet academics references
 * (codes/names, resolved to ids by the caller).
 *
 * - `timezone`: IANA zone for floating times (and all-day dates, and TZIDs
 *   that cannot be resolved); default `"UTC"`.
 * - `classroom` / `group` / `teacher` / `courseName`: take the value of the
 *   `from` property; with `pattern` (a JavaScript regular expression) the
 *   first capture group (or the whole match when the pattern has no group).
 *   CATEGORIES and ATTENDEE are multi-valued: the first value that matches
 *   wins (attendees with ROLE=CHAIR first). ORGANIZER / ATTENDEE values are
 *   e-mail addresses with `mailto:` removed.
 *   Defaults: classroom = whole LOCATION trimmed; courseName = SUMMARY
 *   trimmed; group and teacher = none (null).
 * - `windowStart` / `windowEnd`: ISO-8601 instants. Recurrences are expanded
 *   up to `windowEnd` (and at most 5,000 occurrences per event, with a
 *   warning). When either is given, every occurrence whose original start
 *   lies outside `[windowStart, windowEnd)` is dropped; a missing bound
 *   defaults to the earliest DTSTART in the file, resp. one year after
 *   `windowStart`. With neither given, that default window applies to
 *   recurring events only (a one-off event is never dropped by it).
 *   Recurrences are never expanded further than MAX_WINDOW_YEARS (5) years
 *   after the window start; a window wider than that is refused.
 */
export interface TimetableMapping {
  readonly timezone?: string
  readonly classroom?: {
    readonly from: "LOCATION" | "SUMMARY" | "DESCRIPTION" | "CATEGORIES"
    readonly pattern?: string
  }
  readonly group?: { readonly from: "LOCATION" | "SUMMARY" | "DESCRIPTION" | "CATEGORIES"; readonly pattern?: string }
  readonly teacher?: { readonly from: "ORGANIZER" | "ATTENDEE" | "DESCRIPTION" | "SUMMARY"; readonly pattern?: string }
  readonly courseName?: { readonly from: "SUMMARY" | "DESCRIPTION"; readonly pattern?: string }
  readonly windowStart?: string
  readonly windowEnd?: string
}

/**
 * One concrete course occurrence. Instants are ISO-8601 UTC strings
 * (`Date#toISOString`).
 *
 * - `recurrenceId`: the original start of this instance inside its recurrence
 *   set (what a RECURRENCE-ID names); null for a one-off event.
 * - `sourceKey`: `<uid>|<original start>` — stable across re-imports of the
 *   same file and unaffected by RECURRENCE-ID overrides, for idempotent upsert.
 * - `cancelled`: STATUS:CANCELLED on the component that produced it.
 * - `line`: the `BEGIN:VEVENT` line of that component (master or override).
 */
export interface Occurrence {
  readonly uid: string
  readonly recurrenceId: string | null
  readonly sourceKey: string
  readonly name: string
  readonly startAt: string
  readonly endAt: string
  readonly classroomCode: string | null
  readonly groupCode: string | null
  readonly teacherEmail: string | null
  readonly cancelled: boolean
  readonly line: number | null
}

/**
 * Result of {@link parseTimetable}: occurrences sorted by `startAt` then
 * `sourceKey`; `calendarName` from X-WR-CALNAME (or RFC 7986 NAME).
 * Events listed in `errors` were skipped; `warnings` never drop data except
 * where the code says so (INVALID_LINE, INVALID_PROPERTY, DUPLICATE_OCCURRENCE,
 * RRULE_TRUNCATED, OCCURRENCE_CAP).
 */
export interface TimetablePlan {
  readonly calendarName: string | null
  readonly occurrences: ReadonlyArray<Occurrence>
  readonly warnings: ReadonlyArray<IcsIssue>
  readonly errors: ReadonlyArray<IcsIssue>
}

/**
 * A calendar feed event (what Signet knows of a course). Instants are
 * ISO-8601 strings; `updatedAt` drives DTSTAMP, LAST-MODIFIED and SEQUENCE.
 */
export interface FeedEvent {
  readonly id: string
  readonly name: string
  readonly startAt: string
  readonly endAt: string
  readonly location: string | null
  readonly description: string | null
  readonly cancelled: boolean
  readonly updatedAt: string
}

// ---------------------------------------------------------------------------
// Mapping (schema shared by parseMapping and parseTimetable)
// ---------------------------------------------------------------------------

const isRegExp = (pattern: string): true | string => {
  try {
    new RegExp(pattern)
    return true
  } catch (e) {
    return `invalid regular expression: ${e instanceof Error ? e.message : String(e)}`
  }
}

/** ISO date (UTC midnight) or date-time with an explicit offset: never "local time". */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/

const Pattern = Schema.String.pipe(Schema.filter(isRegExp), Schema.annotations({ identifier: "Pattern" }))
const Zone = Schema.String.pipe(
  Schema.filter((s) => canonicalZone(s) !== null || `unknown IANA time zone "${s}" (e.g. "Europe/London")`),
  Schema.annotations({ identifier: "IanaTimeZone" })
)
const Instant = Schema.String.pipe(
  Schema.filter(
    (s) =>
      (ISO_INSTANT.test(s) && !Number.isNaN(Date.parse(s))) ||
      `expected an ISO-8601 instant such as "2024-09-01" or "2024-09-01T00:00:00Z", got "${s}"`
  ),
  Schema.annotations({ identifier: "Instant" })
)
const rule = <const L extends ReadonlyArray<string>>(identifier: string, ...from: L) =>
  Schema.Struct({
    from: Schema.Literal(...from).annotations({
      message: (issue) => ({
        message: `expected one of ${from.map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(issue.actual)}`,
        override: true
      })
    }),
    pattern: Schema.optionalWith(Pattern, { exact: true })
  }).annotations({ identifier })

const MappingSchema = Schema.Struct({
  timezone: Schema.optionalWith(Zone, { exact: true }),
  classroom: Schema.optionalWith(rule("ClassroomRule", "LOCATION", "SUMMARY", "DESCRIPTION", "CATEGORIES"), {
    exact: true
  }),
  group: Schema.optionalWith(rule("GroupRule", "LOCATION", "SUMMARY", "DESCRIPTION", "CATEGORIES"), { exact: true }),
  teacher: Schema.optionalWith(rule("TeacherRule", "ORGANIZER", "ATTENDEE", "DESCRIPTION", "SUMMARY"), { exact: true }),
  courseName: Schema.optionalWith(rule("CourseNameRule", "SUMMARY", "DESCRIPTION"), { exact: true }),
  windowStart: Schema.optionalWith(Instant, { exact: true }),
  windowEnd: Schema.optionalWith(Instant, { exact: true })
}).pipe(
  Schema.filter((m) => {
    if (m.windowStart === undefined || m.windowEnd === undefined) return true
    const start = Date.parse(m.windowStart)
    const end = Date.parse(m.windowEnd)
    if (start >= end) return { path: ["windowEnd"], message: "windowEnd must be after windowStart" }
    const horizon = new Date(start)
    horizon.setUTCFullYear(horizon.getUTCFullYear() + MAX_WINDOW_YEARS)
    return end > horizon.getTime()
      ? {
          path: ["windowEnd"],
          message: `windowEnd may be at most ${MAX_WINDOW_YEARS} years (MAX_WINDOW_YEARS) after windowStart`
        }
      : true
  }),
  Schema.annotations({ identifier: "TimetableMapping" })
)

const decodeMappingFile = Schema.decodeUnknownSync(Schema.parseJson(MappingSchema), {
  onExcessProperty: "error",
  errors: "all"
})

/**
 * Parses a timetable mapping file (JSON, shape {@link TimetableMapping}).
 * Unknown keys are rejected (a typo such as `"clasroom"` must not silently
 * fall back to the default), patterns must compile, `timezone` must be an
 * IANA zone known to `Intl`, window bounds ISO-8601 instants with
 * `windowStart < windowEnd`.
 *
 * @throws ParseError (effect/ParseResult) whose message names the bad field,
 *   e.g. `["classroom"]["from"] Expected "LOCATION" | …, actual "ROOM"`.
 */
export const parseMapping = (json: string): TimetableMapping => decodeMappingFile(json)

// ---------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------

const SECOND = 1000
const HOUR = 3600 * SECOND
const DAY = 24 * HOUR

const formatters = new Map<string, Intl.DateTimeFormat>()

const canonicalZones = new Map<string, string | null>()

/** The canonical IANA name of `zone`, or null when `Intl` does not know it (memoized: Intl construction is slow). */
function canonicalZone(zone: string): string | null {
  let canonical = canonicalZones.get(zone)
  if (canonical === undefined) {
    try {
      canonical =
        zone.trim() === "" ? null : new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone
    } catch {
      canonical = null
    }
    if (canonicalZones.size >= 10_000) canonicalZones.clear()
    canonicalZones.set(zone, canonical)
  }
  return canonical
}

const formatterFor = (zone: string): Intl.DateTimeFormat => {
  let f = formatters.get(zone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit"
    })
    formatters.set(zone, f)
  }
  return f
}

/** UTC offset (seconds east of Greenwich) of `zone` at the instant `utcMs`, straight from Intl. */
const exactOffsetAt = (zone: string, utcMs: number): number => {
  const parts: Record<string, number> = {}
  for (const p of formatterFor(zone).formatToParts(new Date(utcMs))) parts[p.type] = Number(p.value)
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!)
  return Math.round((wall - Math.floor(utcMs / SECOND) * SECOND) / SECOND)
}

/**
 * Memo of `zone|UTC day` → the offset when it is the same at both ends of
 * that day (a zone never changes offset twice within one day and back), or
 * null for a transition day, which is then computed exactly. Intl formatting
 * dominated expansion time (≈ 0.2 ms per call) before this.
 */
const dayOffsets = new Map<string, number | null>()

/** UTC offset (seconds east of Greenwich) of `zone` at the instant `utcMs`. */
const offsetAt = (zone: string, utcMs: number): number => {
  const day = Math.floor(utcMs / DAY)
  const key = `${zone}|${day}`
  let offset = dayOffsets.get(key)
  if (offset === undefined) {
    const first = exactOffsetAt(zone, day * DAY)
    offset = first === exactOffsetAt(zone, (day + 1) * DAY - SECOND) ? first : null
    if (dayOffsets.size >= 100_000) dayOffsets.clear()
    dayOffsets.set(key, offset)
  }
  return offset ?? exactOffsetAt(zone, utcMs)
}

/**
 * UTC offset (seconds) that applies to a local wall time in `zone`, following
 * RFC 5545 §3.3.5: a wall time that occurs twice (fall back) means its first
 * occurrence; a wall time that does not exist (spring forward) is read with
 * the offset in force before the gap. Assumes at most one transition within
 * ±24 h of the wall time, which holds for every IANA zone.
 */
const wallOffset = (zone: string, wallMs: number): number => {
  const before = offsetAt(zone, wallMs - DAY)
  if (offsetAt(zone, wallMs - before * SECOND) === before) return before
  const after = offsetAt(zone, wallMs + DAY)
  if (offsetAt(zone, wallMs - after * SECOND) === after) return after
  return before
}

/** The UTC instant (ms) of a wall time in `zone` ("UTC" short-circuits). */
const wallToUtc = (zone: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number => {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s)
  return zone === "UTC" ? wall : wall - wallOffset(zone, wall) * SECOND
}

/**
 * An IANA zone for ical.js, computed from `Intl.DateTimeFormat`. ical.js has
 * no time-zone database: a TZID without a VTIMEZONE in the file would
 * otherwise be read as floating time. Only `utcOffset(wall time)` is
 * overridden; it is the single hook ical.js uses to turn zoned times into
 * instants (toUnixTime, compare, convertToZone), so RRULE expansion keeps the
 * local wall time and each occurrence gets the offset of its own date.
 */
class IntlTimezone extends ICAL.Timezone {
  constructor(tzid: string) {
    super({ tzid })
  }
  override utcOffset(tt: ICAL.Time): number {
    return wallOffset(this.tzid, Date.UTC(tt.year, tt.month - 1, tt.day, tt.hour, tt.minute, tt.second))
  }
}

/**
 * IANA zones this module registered in ical.js's (process-global)
 * TimezoneService, with the number of parses currently using each: a parse
 * runs in slices (see {@link parseTimetableEffect}), so two parses may
 * overlap and a zone stays registered until the last of them is done.
 */
const ownedZones = new Map<string, number>()

/**
 * Runs the generator `f` with IANA zones registered in ical.js's
 * TimezoneService on demand, and unregisters them once no parse uses them any
 * more, so nothing leaks into other ical.js users. Zones already registered
 * by someone else are used as they are. The `finally` also runs when an
 * interrupted parse's generator is closed.
 *
 * VTIMEZONE components of the file itself are *not* registered globally:
 * ical.js 2.x resolves a TZID parameter through the component tree first
 * (`Component#getTimeZoneByID`, cached per VCALENDAR), so a file's own
 * definition — even a wrong one named "Europe/London" — stays scoped to that
 * file.
 */
function* withIanaZones<A>(f: (ensure: (zone: string) => void) => Generator<void, A>): Generator<void, A> {
  const held = new Set<string>()
  const ensure = (zone: string) => {
    if (held.has(zone)) return
    const users = ownedZones.get(zone)
    if (users !== undefined) {
      ownedZones.set(zone, users + 1)
      held.add(zone)
    } else if (ICAL.TimezoneService.get(zone) === undefined) {
      ICAL.TimezoneService.register(new IntlTimezone(zone), zone)
      ownedZones.set(zone, 1)
      held.add(zone)
    }
  }
  try {
    return yield* f(ensure)
  } finally {
    for (const zone of held) {
      const users = (ownedZones.get(zone) ?? 1) - 1
      if (users > 0) ownedZones.set(zone, users)
      else {
        ownedZones.delete(zone)
        ICAL.TimezoneService.remove(zone)
      }
    }
  }
}

/**
 * Resolves a TZID with no VTIMEZONE in the file: an IANA name as is, or the
 * IANA tail of a prefixed id such as "/mozilla.org/20050126_1/Europe/London"
 * or "/freeassociation.sourceforge.net/Tzfile/Europe/London".
 */
const resolveIana = (tzid: string): { readonly zone: string; readonly aliased: boolean } | null => {
  const direct = canonicalZone(tzid)
  if (direct !== null) return { zone: direct, aliased: false }
  const segments = tzid.split("/").filter((s) => s !== "")
  for (let i = 1; i < segments.length; i++) {
    const zone = canonicalZone(segments.slice(i).join("/"))
    if (zone !== null && segments.length - i <= 3) return { zone, aliased: true }
  }
  return null
}

// ---------------------------------------------------------------------------
// Line-level pre-pass: unfolding, blank lines, component structure
// ---------------------------------------------------------------------------

interface Line {
  readonly text: string
  readonly line: number
}

interface Block {
  readonly name: string
  readonly line: number
  readonly lines: Array<Line>
}

interface RawCalendar {
  readonly line: number
  readonly props: Array<Line>
  readonly blocks: Array<Block>
}

interface Issues {
  readonly warn: (code: string, message: string, line?: number | null, uid?: string | null) => void
  readonly error: (code: string, message: string, line?: number | null, uid?: string | null) => void
}

const CONTENT_LINE = /^[A-Za-z0-9-]+[;:]/

/** Components that RFC 5545 only allows directly inside a VCALENDAR. */
const TOP_LEVEL = new Set(["VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"])

/**
 * Splits the text into logical (unfolded) content lines and top-level
 * components, repairing what can be repaired: blank lines are dropped
 * (RFC 5545 has none), lines that are not `name[;params]:value` are dropped,
 * an END without BEGIN is dropped, components left open are closed, VEVENTs
 * outside any VCALENDAR get one.
 */
const prepass = (text: string, issues: Issues): Array<RawCalendar> => {
  const physical = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/)
  if (physical.length > 0 && physical[physical.length - 1] === "") physical.pop()

  const logical: Array<Line> = []
  let blanks = 0
  let firstBlank = 0
  physical.forEach((raw, i) => {
    if (raw.trim() === "") {
      blanks++
      if (firstBlank === 0) firstBlank = i + 1
    } else if ((raw[0] === " " || raw[0] === "\t") && logical.length > 0) {
      const last = logical[logical.length - 1]!
      logical[logical.length - 1] = { text: last.text + raw.slice(1), line: last.line }
    } else {
      logical.push({ text: raw, line: i + 1 })
    }
  })
  if (blanks > 0) {
    issues.warn("BLANK_LINES", `${blanks} blank line(s) ignored (first at line ${firstBlank})`, firstBlank)
  }

  const calendars: Array<RawCalendar> = []
  const stack: Array<string> = []
  let calendar: RawCalendar | null = null
  let block: Block | null = null
  let wrapped = false // a VCALENDAR was assumed at least once (warn once)
  let synthetic = false // the open VCALENDAR was assumed (no END expected)

  const close = (name: string, at: number) => {
    stack.pop()
    if (stack.length >= 1 && block !== null) block.lines.push({ text: `END:${name}`, line: at })
    if (stack.length === 1) block = null
    if (stack.length === 0) calendar = null
  }

  for (const l of logical) {
    const marker = /^(BEGIN|END)\s*:\s*(.*?)\s*$/i.exec(l.text)
    if (marker === null) {
      if (!CONTENT_LINE.test(l.text)) {
        issues.warn("INVALID_LINE", `line ignored, not a "NAME:value" content line: ${clip(l.text)}`, l.line)
      } else if (calendar === null) {
        issues.warn("INVALID_LINE", `line ignored, outside BEGIN:VCALENDAR … END:VCALENDAR: ${clip(l.text)}`, l.line)
      } else if (block === null) {
        calendar.props.push(l)
      } else {
        block.lines.push(l)
      }
      continue
    }
    const name = marker[2]!.toUpperCase()
    if (marker[1]!.toUpperCase() === "BEGIN") {
      // A component that only exists at top level (or a new VCALENDAR) closes
      // whatever is still open: the usual "missing END:VEVENT" mistake.
      const depth = name === "VCALENDAR" ? 0 : TOP_LEVEL.has(name) ? 1 : stack.length
      while (stack.length > depth) {
        const open = stack[stack.length - 1]!
        if (!(synthetic && stack.length === 1)) {
          issues.warn("UNBALANCED_COMPONENT", `BEGIN:${open} not closed before BEGIN:${name}; closed here`, l.line)
        }
        close(open, l.line)
      }
      if (stack.length === 0 && name !== "VCALENDAR") {
        if (!wrapped) issues.warn("MISSING_VCALENDAR", `BEGIN:${name} outside a VCALENDAR; one was assumed`, l.line)
        wrapped = true
        synthetic = true
        calendar = { line: l.line, props: [], blocks: [] }
        calendars.push(calendar)
        stack.push("VCALENDAR")
      }
      if (stack.length === 0) {
        synthetic = false
        calendar = { line: l.line, props: [], blocks: [] }
        calendars.push(calendar)
      } else if (stack.length === 1) {
        block = { name, line: l.line, lines: [{ text: `BEGIN:${name}`, line: l.line }] }
        calendar!.blocks.push(block)
      } else {
        block!.lines.push({ text: `BEGIN:${name}`, line: l.line })
      }
      stack.push(name)
      continue
    }
    if (!stack.includes(name)) {
      issues.warn("UNBALANCED_COMPONENT", `END:${name} without a matching BEGIN ignored`, l.line)
      continue
    }
    while (stack[stack.length - 1] !== name) {
      const open = stack[stack.length - 1]!
      issues.warn("UNBALANCED_COMPONENT", `BEGIN:${open} not closed before END:${name}; closed here`, l.line)
      close(open, l.line)
    }
    close(name, l.line)
  }
  const end = physical.length
  while (stack.length > 0) {
    const open = stack[stack.length - 1]!
    if (!(synthetic && stack.length === 1))
      issues.warn("UNBALANCED_COMPONENT", `BEGIN:${open} not closed at end of file; closed there`, end)
    close(open, end)
  }
  return calendars
}

const clip = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s)

// ---------------------------------------------------------------------------
// Component-level parsing with ical.js, one top-level component at a time
// ---------------------------------------------------------------------------

/** jCal property: [name, params, type, ...values]. */
type JProp = [string, Record<string, unknown>, string, ...Array<unknown>]
/** jCal component: [name, properties, subcomponents]. */
type JComp = [string, Array<JProp>, Array<JComp>]

/** Properties whose loss changes when or whether an event happens. */
const ESSENTIAL = new Set([
  "DTSTART",
  "DTEND",
  "DURATION",
  "RRULE",
  "RDATE",
  "EXDATE",
  "RECURRENCE-ID",
  "UID",
  "STATUS"
])

const propName = (text: string) => (/^[A-Za-z0-9-]+/.exec(text)?.[0] ?? "").toUpperCase()

const parseComponent = (lines: ReadonlyArray<Line>): JComp => ICAL.parse(lines.map((l) => l.text).join("\r\n")) as JComp

const rawUid = (lines: ReadonlyArray<Line>): string | null => {
  const l = lines.find((x) => propName(x.text) === "UID")
  const value = l === undefined ? "" : l.text.slice(l.text.indexOf(":") + 1).trim()
  return value === "" ? null : value
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * Parses one VEVENT block; when ical.js rejects it, retries property by
 * property: a bad non-essential property (e.g. `SEQUENCE:abc`) is dropped
 * with a warning, a bad essential one (e.g. `RRULE:FREQ=FOO`) makes the
 * event an error. Returns null when the event is skipped.
 */
const parseEvent = (block: Block, issues: Issues): JComp | null => {
  try {
    return parseComponent(block.lines)
  } catch (whole) {
    const uid = rawUid(block.lines)
    const kept: Array<Line> = []
    for (const l of block.lines) {
      if (/^(BEGIN|END):/i.test(l.text)) {
        kept.push(l)
        continue
      }
      try {
        ICAL.parse(`BEGIN:VEVENT\r\n${l.text}\r\nEND:VEVENT`)
        kept.push(l)
      } catch (e) {
        const name = propName(l.text)
        if (ESSENTIAL.has(name)) {
          issues.error("INVALID_PROPERTY", `${name} cannot be parsed (${errorText(e)}); event skipped`, l.line, uid)
          return null
        }
        issues.warn("INVALID_PROPERTY", `${name} cannot be parsed (${errorText(e)}); property ignored`, l.line, uid)
      }
    }
    try {
      return parseComponent(kept)
    } catch {
      issues.error("PARSE_ERROR", `event cannot be parsed: ${errorText(whole)}`, block.line, uid)
      return null
    }
  }
}

const parseCalendarProps = (props: ReadonlyArray<Line>, issues: Issues): Array<JProp> => {
  const out: Array<JProp> = []
  for (const l of props) {
    try {
      out.push(...parseComponent([{ text: "BEGIN:VCALENDAR", line: 0 }, l, { text: "END:VCALENDAR", line: 0 }])[1])
    } catch (e) {
      issues.warn("INVALID_PROPERTY", `${propName(l.text)} cannot be parsed (${errorText(e)}); ignored`, l.line)
    }
  }
  return out
}

/** RFC 5545 §3.3.11 unescaping, for X- properties ical.js leaves raw. */
const unescapeText = (s: string) => s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c))

// ---------------------------------------------------------------------------
// Time properties: validation and zone normalization (on jCal, before ical.js
// hydrates values, so every Time it builds already carries the right zone)
// ---------------------------------------------------------------------------

const TIME_PROPS = new Set(["dtstart", "dtend", "due", "exdate", "rdate", "recurrence-id"])
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

const validDate = (y: number, mo: number, d: number) =>
  mo >= 1 && mo <= 12 && d >= 1 && d <= new Date(Date.UTC(y, mo, 0)).getUTCDate()

const validValue = (type: string, value: unknown): boolean => {
  if (typeof value !== "string") return false
  if (type === "date") {
    const m = DATE.exec(value)
    return m !== null && validDate(+m[1]!, +m[2]!, +m[3]!)
  }
  const m = DATE_TIME.exec(value)
  return m !== null && validDate(+m[1]!, +m[2]!, +m[3]!) && +m[4]! <= 23 && +m[5]! <= 59 && +m[6]! <= 60
}

interface ZoneContext {
  readonly fileZones: ReadonlySet<string>
  readonly defaultZone: string
  readonly ensure: (zone: string) => void
}

/**
 * Validates the date values of an event and gives every DATE-TIME a zone
 * ical.js can resolve: the file's VTIMEZONE, an IANA zone (Intl-backed), or —
 * for floating times and unknown TZIDs — the mapping's zone. Returns an error
 * message, or null.
 */
const normalizeTimes = (
  event: JComp,
  ctx: ZoneContext,
  warnOnce: (code: string, message: string) => void
): string | null => {
  for (const prop of event[1]) {
    const [name, params, type] = prop
    if (!TIME_PROPS.has(name)) continue
    const values = prop.slice(3)
    const instants =
      type === "period"
        ? values.map((v) => (Array.isArray(v) ? v[0] : v))
        : type === "date" || type === "date-time"
          ? values
          : null
    if (
      instants === null ||
      instants.length === 0 ||
      !instants.every((v) => validValue(type === "date" ? "date" : "date-time", v))
    ) {
      return `${name.toUpperCase()} has an invalid ${type} value ${JSON.stringify(values)}`
    }
    if (type === "date") continue
    if (type === "period") {
      // ical.js's expansion yields PERIOD values as they are (not as start
      // times), so each period becomes its start; the event's duration applies.
      warnOnce("RDATE_PERIOD", "RDATE periods read as start times; the event's own duration applies")
      prop.splice(2, prop.length - 2, "date-time", ...instants)
    }
    const tzid = typeof params.tzid === "string" ? params.tzid : null
    if (tzid !== null) {
      if (ctx.fileZones.has(tzid)) continue
      const iana = resolveIana(tzid)
      if (iana === null) {
        warnOnce(
          "UNKNOWN_TZID",
          `TZID "${tzid}" has no VTIMEZONE and is not an IANA zone; times read in ${ctx.defaultZone}`
        )
        params.tzid = ctx.defaultZone
      } else {
        if (iana.aliased) warnOnce("TZID_ALIASED", `TZID "${tzid}" read as IANA zone ${iana.zone}`)
        params.tzid = iana.zone
      }
      ctx.ensure(params.tzid as string)
    } else if (!(instants as Array<string>).every((v) => v.endsWith("Z"))) {
      warnOnce("FLOATING_TIME", `floating (zone-less) times read in ${ctx.defaultZone}`)
      params.tzid = ctx.defaultZone
      ctx.ensure(ctx.defaultZone)
    }
  }
  return null
}

// ---------------------------------------------------------------------------
// Events → occurrences
// ---------------------------------------------------------------------------

/** How an occurrence's end follows from its start. */
type EndSpec =
  | { readonly kind: "exact"; readonly ms: number } // DTEND: same exact duration for every instance (RFC 5545 §3.8.5.3)
  | { readonly kind: "nominal"; readonly duration: ICAL.Duration } // DURATION / all-day: nominal, in wall time

interface EventInfo {
  readonly comp: ICAL.Component
  readonly line: number
  readonly uid: string
  readonly isOverride: boolean
  /** The event's own end rule; null when it has neither DTEND nor DURATION. */
  readonly ownEnd: EndSpec | null
  readonly startMs: number
}

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
 * (`TOO_MANY_OCCURRENCES`) before anything is planned; a school's year of
 * weekly lessons stays far below it.
 */
export const MAX_FILE_OCCURRENCES = 20_000
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
export const MAX_FILE_RULE_STEPS = 100_000
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

const textProp = (comp: ICAL.Component, name: string): string | null => {
  const v = comp.getFirstPropertyValue(name)
  return typeof v === "string" ? v : null
}

const fnv1a64 = (s: string): string => {
  let h = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(s)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn
  return h.toString(16).padStart(16, "0")
}

const iso = (ms: number) => new Date(ms).toISOString()

interface Compiled {
  readonly defaultZone: string
  readonly classroom: { readonly from: string; readonly regex: RegExp | null } | null
  readonly group: { readonly from: string; readonly regex: RegExp | null } | null
  readonly teacher: { readonly from: string; readonly regex: RegExp | null } | null
  readonly courseName: { readonly from: string; readonly regex: RegExp | null }
}

const compileRule = (r: { readonly from: string; readonly pattern?: string } | undefined) =>
  r === undefined ? null : { from: r.from, regex: r.pattern === undefined ? null : new RegExp(r.pattern) }

/** Candidate values of a mapping source, in preference order. */
const sourceValues = (comp: ICAL.Component, from: string): Array<string> => {
  switch (from) {
    case "CATEGORIES":
      return comp.getAllProperties("categories").flatMap((p) => p.getValues().map(String))
    case "ORGANIZER":
    case "ATTENDEE": {
      const props = comp.getAllProperties(from.toLowerCase())
      const chairsFirst = [
        ...props.filter((p) => String(p.getParameter("role") ?? "").toUpperCase() === "CHAIR"),
        ...props.filter((p) => String(p.getParameter("role") ?? "").toUpperCase() !== "CHAIR")
      ]
      return chairsFirst.map((p) => String(p.getFirstValue() ?? "").replace(/^mailto:/i, ""))
    }
    default: {
      const v = textProp(comp, from.toLowerCase())
      return v === null ? [] : [v]
    }
  }
}

/** Applies a rule: `{ value, unmatched }` — unmatched when the source exists but the pattern never matches. */
const applyRule = (comp: ICAL.Component, r: { readonly from: string; readonly regex: RegExp | null }) => {
  const values = sourceValues(comp, r.from)
    .map((v) => v.trim())
    .filter((v) => v !== "")
  for (const v of values) {
    if (r.regex === null) return { value: v, unmatched: false }
    const m = r.regex.exec(v)
    const captured = m === null ? "" : (m[1] ?? m[0]).trim()
    if (captured !== "") return { value: captured, unmatched: false }
  }
  return { value: null, unmatched: values.length > 0 && r.regex !== null }
}

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

const emptyPlan: TimetablePlan = { calendarName: null, occurrences: [], warnings: [], errors: [] }

/** Work units (lines, recurrence steps, occurrences) between two yields of {@link parseTimetableEffect}. */
const SLICE_WORK = 2000

/** Work done by one parse: recurrence steps (per event, per file) and work since the last yield. */
interface Meter {
  event: number
  file: number
  slice: number
}

/** A recurrence-rule step budget ran out while ical.js iterated (thrown through ical.js, caught in expand). */
class RuleBudgetExceeded extends Error {
  constructor(readonly scope: "event" | "file") {
    super(`recurrence step budget of the ${scope} exhausted`)
  }
}

/** Yields (a slice boundary) when enough work was done since the last one. */
function* slice(meter: Meter): Generator<void, void> {
  if (meter.slice >= SLICE_WORK) {
    meter.slice = 0
    yield
  }
}

/** UTF-8 length of `text`, counting no further than `limit + 1`. */
const utf8Bytes = (text: string, limit: number): number => {
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
const lineCount = (text: string, limit: number): number => {
  let lines = 1
  for (let i = 0; i < text.length && lines <= limit; i++) {
    const c = text.charCodeAt(i)
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) lines++
  }
  return lines
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
    errors
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

/** Parses one VCALENDAR's VTIMEZONE and VEVENT blocks into validated events. */
function* readCalendar(
  raw: RawCalendar,
  props: Array<JProp>,
  compiled: Compiled,
  ensure: (zone: string) => void,
  issues: Issues,
  meter: Meter
): Generator<void, Array<EventInfo>> {
  const zones: Array<JComp> = []
  const fileZones = new Set<string>()
  for (const block of raw.blocks) {
    if (block.name !== "VTIMEZONE") continue
    try {
      const zone = parseComponent(block.lines)
      const tzid = zone[1].find(([n]) => n === "tzid")?.[3]
      if (typeof tzid !== "string" || zone[2].length === 0) throw new Error("no TZID or no STANDARD/DAYLIGHT")
      zones.push(zone)
      fileZones.add(tzid)
    } catch (e) {
      issues.warn("INVALID_VTIMEZONE", `VTIMEZONE ignored: ${errorText(e)}`, block.line)
    }
  }

  const ctx: ZoneContext = { fileZones, defaultZone: compiled.defaultZone, ensure }
  const parsed: Array<{ readonly block: Block; readonly jcal: JComp; readonly uid: string }> = []
  for (const block of raw.blocks) {
    if (block.name !== "VEVENT") continue
    meter.slice += block.lines.length
    yield* slice(meter)
    const jcal = parseEvent(block, issues)
    if (jcal === null) continue
    const prop = (n: string) => jcal[1].find(([p]) => p === n)
    let uid = typeof prop("uid")?.[3] === "string" ? (prop("uid")![3] as string).trim() : ""
    if (uid === "") {
      const basis = block.lines
        .filter((l) => ["DTSTART", "SUMMARY"].includes(propName(l.text)))
        .map((l) => l.text.trim())
        .join("\n")
      uid = `${fnv1a64(basis)}@synthesized.signet`
      issues.warn("MISSING_UID", `no UID; synthesized ${uid} from DTSTART and SUMMARY`, block.line, uid)
    }
    if (prop("dtstamp") === undefined) issues.warn("MISSING_DTSTAMP", "no DTSTAMP", block.line, uid)
    const warned = new Set<string>()
    const failure = normalizeTimes(jcal, ctx, (code, message) => {
      if (!warned.has(code)) issues.warn(code, message, block.line, uid)
      warned.add(code)
    })
    if (failure !== null) {
      issues.error("INVALID_DATE", `${failure}; event skipped`, block.line, uid)
      continue
    }
    parsed.push({ block, jcal, uid })
  }

  const root = new ICAL.Component(["vcalendar", props, [...zones, ...parsed.map((p) => p.jcal)]])
  const comps = root.getAllSubcomponents("vevent")
  const events: Array<EventInfo> = []
  for (const [i, { block, uid }] of parsed.entries()) {
    const comp = comps[i]!
    meter.slice += 10
    yield* slice(meter)
    try {
      const info = validateEvent(comp, block.line, uid, compiled, issues)
      if (info !== null) events.push(info)
    } catch (e) {
      issues.error("EVENT_INVALID", `event skipped: ${errorText(e)}`, block.line, uid)
    }
  }
  return events
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
const refuseRule = (recur: ICAL.Recur): { readonly code: string; readonly message: string } | null => {
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
 * Makes every RRULE of `comp` iterate under the step budgets of `meter`
 * ({@link MAX_EVENT_RULE_STEPS}, {@link MAX_FILE_RULE_STEPS}): ical.js's
 * `RecurIterator#next` loops internally until a candidate matches the rule,
 * so the budget is charged where it looks at a candidate
 * (`check_contracting_rules`) and where it expands a year
 * (`expand_year_days`), and a {@link RuleBudgetExceeded} thrown there ends the
 * loop. Only this component's rules are affected (the iterator factory of
 * its own Recur values is replaced).
 */
const meterRules = (comp: ICAL.Component, meter: Meter) => {
  const step = () => {
    meter.slice++
    if (++meter.file > MAX_FILE_RULE_STEPS) throw new RuleBudgetExceeded("file")
    if (++meter.event > MAX_EVENT_RULE_STEPS) throw new RuleBudgetExceeded("event")
  }
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
  for (const p of comp.getAllProperties("rrule")) {
    const recur = p.getFirstValue() as ICAL.Recur
    recur.iterator = (start: ICAL.Time) => new MeteredIterator({ rule: recur, dtstart: start })
  }
}

/** Instant (ms) of an ical.js time; dates are midnight in the mapping's zone. */
const instantOf = (t: ICAL.Time, defaultZone: string): number =>
  t.isDate ? wallToUtc(defaultZone, t.year, t.month, t.day, 0, 0, 0) : t.toUnixTime() * SECOND

const validateEvent = (
  comp: ICAL.Component,
  line: number,
  uid: string,
  compiled: Compiled,
  issues: Issues
): EventInfo | null => {
  const start = comp.getFirstPropertyValue("dtstart")
  if (!(start instanceof ICAL.Time)) {
    issues.error("MISSING_DTSTART", "no DTSTART; event skipped", line, uid)
    return null
  }
  const startMs = instantOf(start, compiled.defaultZone)
  if (!Number.isFinite(startMs)) {
    issues.error("INVALID_DATE", "DTSTART cannot be converted to an instant; event skipped", line, uid)
    return null
  }
  const isOverride = comp.hasProperty("recurrence-id")
  if (start.isDate) issues.warn("ALL_DAY", "all-day event, imported as whole day(s)", line, uid)

  // A floating RRULE UNTIL (RFC 5545 wants UTC when DTSTART has a zone) is
  // compared in DTSTART's zone rather than as UTC.
  for (const p of comp.getAllProperties("rrule")) {
    const refusal = refuseRule(p.getFirstValue() as ICAL.Recur)
    if (refusal !== null) {
      issues.error(refusal.code, refusal.message, line, uid)
      return null
    }
  }
  for (const p of comp.getAllProperties("rrule")) {
    const until = (p.getFirstValue() as ICAL.Recur).until
    if (until && !until.isDate && until.zone === ICAL.Timezone.localTimezone) until.zone = start.zone
  }

  let ownEnd: EndSpec | null = null
  const end = comp.getFirstPropertyValue("dtend")
  const duration = comp.getFirstPropertyValue("duration")
  if (end instanceof ICAL.Time) {
    const endMs = instantOf(end, compiled.defaultZone)
    if (!Number.isFinite(endMs)) {
      issues.error("INVALID_DATE", "DTEND cannot be converted to an instant; event skipped", line, uid)
      return null
    }
    if (endMs < startMs) {
      issues.error(
        "DTEND_BEFORE_DTSTART",
        `DTEND ${iso(endMs)} is before DTSTART ${iso(startMs)}; event skipped`,
        line,
        uid
      )
      return null
    }
    ownEnd = start.isDate
      ? {
          kind: "nominal",
          duration: ICAL.Duration.fromData({
            days: Math.round(
              (Date.UTC(end.year, end.month - 1, end.day) - Date.UTC(start.year, start.month - 1, start.day)) / DAY
            )
          })
        }
      : { kind: "exact", ms: endMs - startMs }
  } else if (duration instanceof ICAL.Duration) {
    if (duration.isNegative && duration.toSeconds() !== 0) {
      issues.error("NEGATIVE_DURATION", `DURATION ${duration.toString()} is negative; event skipped`, line, uid)
      return null
    }
    ownEnd = { kind: "nominal", duration }
  } else if (start.isDate) {
    ownEnd = { kind: "nominal", duration: ICAL.Duration.fromData({ days: 1 }) } // RFC 5545 §3.6.1
  } else if (!isOverride) {
    issues.warn("MISSING_DTEND", "no DTEND or DURATION; 1 hour assumed", line, uid)
    ownEnd = { kind: "exact", ms: HOUR }
  }
  if (ownEnd !== null && (ownEnd.kind === "exact" ? ownEnd.ms : ownEnd.duration.toSeconds()) === 0) {
    issues.warn("ZERO_DURATION", "the event ends when it starts", line, uid)
  }
  return { comp, line, uid, isOverride, ownEnd, startMs }
}

const endOf = (start: ICAL.Time, startMs: number, spec: EndSpec, defaultZone: string): number => {
  if (spec.kind === "exact") return startMs + spec.ms
  const end = start.clone()
  end.addDuration(spec.duration)
  return instantOf(end, defaultZone)
}

/** Expands every master with its overrides, applies the window, mapping and de-duplication. */
function* expand(
  events: ReadonlyArray<EventInfo>,
  compiled: Compiled,
  m: TimetableMapping,
  issues: Issues,
  meter: Meter
): Generator<void, Array<Occurrence>> {
  const explicitWindow = m.windowStart !== undefined || m.windowEnd !== undefined
  const firstStart = events.reduce((min, e) => Math.min(min, e.startMs), Number.POSITIVE_INFINITY)
  const windowStart = m.windowStart !== undefined ? Date.parse(m.windowStart) : firstStart
  // The horizon: never further than MAX_WINDOW_YEARS after the window start.
  const windowEnd = Math.min(
    m.windowEnd !== undefined ? Date.parse(m.windowEnd) : addYears(windowStart, 1),
    addYears(windowStart, MAX_WINDOW_YEARS)
  )
  const inWindow = (ms: number) => ms >= windowStart && ms < windowEnd

  const byUid = new Map<string, Array<EventInfo>>()
  for (const e of events) byUid.set(e.uid, [...(byUid.get(e.uid) ?? []), e])

  const out: Array<Occurrence> = []
  const mapped = new Set<EventInfo>()
  /** Set once the file passed MAX_FILE_OCCURRENCES: expansion stops everywhere. */
  let overFileLimit = false
  const emit = (info: EventInfo, startMs: number, endMs: number, originalMs: number, recurring: boolean) => {
    const comp = info.comp
    const warnOnce = (field: string, r: { readonly from: string }) => {
      if (!mapped.has(info)) {
        issues.warn("MAPPING_NO_MATCH", `${field} pattern does not match ${r.from}`, info.line, info.uid)
      }
    }
    const pick = (field: string, r: Compiled["classroom"]) => {
      if (r === null) return null
      const { value, unmatched } = applyRule(comp, r)
      if (unmatched) warnOnce(field, r)
      return value
    }
    let name = pick("courseName", compiled.courseName) ?? textProp(comp, "summary")?.trim() ?? ""
    if (name === "") {
      if (!mapped.has(info)) issues.warn("MISSING_SUMMARY", 'no SUMMARY; named "(untitled)"', info.line, info.uid)
      name = "(untitled)"
    }
    meter.slice++
    out.push({
      uid: info.uid,
      recurrenceId: recurring ? iso(originalMs) : null,
      sourceKey: `${info.uid}|${iso(originalMs)}`,
      name,
      startAt: iso(startMs),
      endAt: iso(Math.max(endMs, startMs)),
      classroomCode: pick("classroom", compiled.classroom),
      groupCode: pick("group", compiled.group),
      teacherEmail: pick("teacher", compiled.teacher),
      cancelled: (textProp(comp, "status") ?? "").trim().toUpperCase() === "CANCELLED",
      line: info.line
    })
    mapped.add(info)
  }

  /** An override with its own start/end (master's duration when it has no end of its own). */
  const emitOverride = (o: EventInfo, fallback: EndSpec | null, originalMs: number) => {
    const start = o.comp.getFirstPropertyValue("dtstart") as ICAL.Time
    const spec = o.ownEnd ?? fallback ?? { kind: "exact" as const, ms: HOUR }
    emit(o, o.startMs, endOf(start, o.startMs, spec, compiled.defaultZone), originalMs, true)
  }

  function* expandGroup(uid: string, group: ReadonlyArray<EventInfo>): Generator<void, void> {
    const masters = group.filter((e) => !e.isOverride)
    const overrides = group.filter((e) => e.isOverride)
    if (masters.length > 1) {
      issues.warn(
        "DUPLICATE_UID",
        `${masters.length} VEVENTs share UID ${uid}; each is expanded`,
        masters[1]!.line,
        uid
      )
    }
    const consumed = new Set<EventInfo>()
    let capped = false
    for (const [index, master] of masters.entries()) {
      if (overFileLimit) break
      const related = index === 0 ? overrides : []
      const byComp = new Map(related.map((o) => [o.comp, o]))
      includeDtstart(master.comp)
      const event = new ICAL.Event(master.comp, { exceptions: related.map((o) => o.comp) })
      const recurring = event.isRecurring()
      const bounded = recurring || explicitWindow
      const spec = master.ownEnd!
      let emitted = 0
      let iterations = 0
      /** Reports an exception of ical.js's iterator: a step budget ran out, or the rule is invalid. */
      const failed = (e: unknown) => {
        if (e instanceof RuleBudgetExceeded && e.scope === "file") {
          issues.error(
            "FILE_TOO_COSTLY",
            `the calendar's recurrence rules need more than ${MAX_FILE_RULE_STEPS} iteration steps (MAX_FILE_RULE_STEPS, the limit per file); split it or simplify its rules`,
            master.line,
            uid
          )
          overFileLimit = true
        } else if (e instanceof RuleBudgetExceeded) {
          issues.error(
            "RRULE_TOO_COSTLY",
            `the recurrence rule needs more than ${MAX_EVENT_RULE_STEPS} iteration steps (MAX_EVENT_RULE_STEPS, the limit per event): it matches too rarely or never; event skipped`,
            master.line,
            uid
          )
        } else {
          issues.error("INVALID_RRULE", `recurrence cannot be expanded: ${errorText(e)}`, master.line, uid)
        }
      }
      meter.event = 0
      meterRules(master.comp, meter)
      let iterator: ICAL.RecurExpansion
      try {
        iterator = event.iterator()
      } catch (e) {
        failed(e)
        continue
      }
      for (;;) {
        yield* slice(meter)
        let next: ICAL.Time | null
        try {
          next = iterator.next()
        } catch (e) {
          failed(e)
          break
        }
        if (!next) break
        const originalMs = instantOf(next, compiled.defaultZone)
        if (bounded && originalMs >= windowEnd) {
          if (recurring) {
            issues.warn(
              "RRULE_TRUNCATED",
              `recurrence expanded up to ${iso(windowEnd)}; later occurrences ignored`,
              master.line,
              uid
            )
          }
          break
        }
        if (out.length >= MAX_FILE_OCCURRENCES) {
          if (!overFileLimit)
            issues.error(
              "TOO_MANY_OCCURRENCES",
              `the calendar expands to more than ${MAX_FILE_OCCURRENCES} occurrences (the limit per file); split it or give a narrower window`,
              master.line,
              uid
            )
          overFileLimit = true
          break
        }
        if (++iterations > MAX_ITERATIONS || emitted >= MAX_OCCURRENCES) {
          issues.warn(
            "OCCURRENCE_CAP",
            `more than ${MAX_OCCURRENCES} occurrences (or ${MAX_ITERATIONS} iterations); expansion stopped`,
            master.line,
            uid
          )
          capped = index === 0
          break
        }
        if (bounded && !inWindow(originalMs)) continue
        const details = event.getOccurrenceDetails(next)
        const override = details.item === event ? undefined : byComp.get(details.item.component)
        if (override !== undefined) {
          // details.startDate is the override's DTSTART, or for a
          // RANGE=THISANDFUTURE override this instance shifted by it.
          consumed.add(override)
          const start = details.startDate
          const startMs = instantOf(start, compiled.defaultZone)
          const overrideSpec = override.ownEnd ?? spec
          emit(override, startMs, endOf(start, startMs, overrideSpec, compiled.defaultZone), originalMs, true)
        } else {
          const start = details.startDate
          const startMs = instantOf(start, compiled.defaultZone)
          emit(master, startMs, endOf(start, startMs, spec, compiled.defaultZone), originalMs, recurring)
        }
        emitted++
      }
    }
    // Overrides that match no generated instance (no master, EXDATE'd, not in
    // the RRULE): calendar apps still show them, so they are kept.
    for (const o of overrides) {
      if (consumed.has(o) || capped) continue
      const recurrenceId = o.comp.getFirstPropertyValue("recurrence-id") as ICAL.Time
      const originalMs = instantOf(recurrenceId, compiled.defaultZone)
      if ((masters.length > 0 || explicitWindow) && !inWindow(originalMs)) continue
      issues.warn(
        "ORPHAN_OVERRIDE",
        masters.length === 0
          ? `RECURRENCE-ID ${iso(originalMs)} without a master event; imported on its own`
          : `RECURRENCE-ID ${iso(originalMs)} matches no instance of the master; imported on its own`,
        o.line,
        uid
      )
      emitOverride(o, masters[0]?.ownEnd ?? null, originalMs)
    }
  }
  for (const [uid, group] of byUid) {
    if (overFileLimit) break
    const mark = out.length
    try {
      yield* expandGroup(uid, group)
    } catch (e) {
      out.length = mark // all or nothing per UID
      issues.error("EVENT_INVALID", `event skipped: ${errorText(e)}`, group[0]!.line, uid)
    }
  }

  const seen = new Map<string, Occurrence>()
  for (const o of out) {
    if (seen.has(o.sourceKey)) {
      issues.warn("DUPLICATE_OCCURRENCE", `duplicate occurrence ${o.sourceKey} ignored`, o.line, o.uid)
    } else {
      seen.set(o.sourceKey, o)
    }
  }
  const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0)
  return [...seen.values()].sort((a, b) => compare(a.startAt, b.startAt) || compare(a.sourceKey, b.sourceKey))
}

/**
 * RFC 5545 §3.8.5.2: DTSTART is the first instance of the recurrence set.
 * ical.js only yields it through an RRULE iterator, so an RDATE-only event
 * would lose it; listing it as an RDATE restores it (EXDATE still applies).
 */
const includeDtstart = (comp: ICAL.Component) => {
  if (comp.hasProperty("rrule") || !comp.hasProperty("rdate")) return
  const start = comp.getFirstPropertyValue("dtstart") as ICAL.Time
  const listed = comp
    .getAllProperties("rdate")
    .some((p) => p.getValues().some((v) => v instanceof ICAL.Time && v.compare(start) === 0))
  if (!listed) comp.addPropertyWithValue("rdate", start.clone())
}

const addYears = (ms: number, years: number) => {
  if (!Number.isFinite(ms)) return ms
  const d = new Date(ms)
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.getTime()
}

// ---------------------------------------------------------------------------
// Feed export
// ---------------------------------------------------------------------------

/** SEQUENCE epoch: seconds since 2020-01-01Z fit RFC 5545's 32-bit INTEGER until 2088. */
const SEQUENCE_EPOCH = Date.UTC(2020, 0, 1)

const utcTime = (isoString: string, field: string): ICAL.Time => {
  const ms = Date.parse(isoString)
  if (Number.isNaN(ms))
    throw new RangeError(`renderFeed: ${field} is not an ISO-8601 instant: ${JSON.stringify(isoString)}`)
  return ICAL.Time.fromJSDate(new Date(ms), true)
}

/**
 * TEXT values may not carry control characters (RFC 5545 §3.3.11 TSAFE-CHAR);
 * CR and CRLF become LF, which ical.js escapes as `\n`.
 */
const cleanText = (s: string) =>
  s
    .replace(/\r\n?/g, "\n")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, "")

const textProperty = (name: string, value: string) => new ICAL.Property([name, {}, "text", cleanText(value)])

const utf8Length = (codePoint: number) => (codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4)

/**
 * Folds one content line at 75 octets *including* the leading space of
 * continuation lines (RFC 5545 §3.1), never inside a UTF-8 sequence. ical.js
 * folds at 75 octets of content, so its continuation lines are 76 octets.
 */
const foldLine = (line: string): string => {
  const parts: Array<string> = []
  let current = ""
  let octets = 0
  for (const ch of line) {
    const size = utf8Length(ch.codePointAt(0)!)
    if (octets + size > 75) {
      parts.push(current)
      current = " "
      octets = 1
    }
    current += ch
    octets += size
  }
  parts.push(current)
  return parts.join("\r\n")
}

/**
 * Renders a read-only VCALENDAR feed (RFC 5545; RFC 7986 REFRESH-INTERVAL):
 * METHOD:PUBLISH, PRODID `-//Signet//Timetable//EN`, X-WR-CALNAME, and one
 * VEVENT per event with UID `<id>@signet`, DTSTAMP and LAST-MODIFIED =
 * `updatedAt` (so the same data renders to the same bytes, ETag-friendly),
 * DTSTART/DTEND in UTC (DURATION:PT0S when end = start), SUMMARY, LOCATION,
 * DESCRIPTION, STATUS (CONFIRMED | CANCELLED) and SEQUENCE = seconds from
 * 2020-01-01Z to `updatedAt`. With `refreshIntervalMinutes`, REFRESH-INTERVAL
 * and X-PUBLISHED-TTL tell subscribers how often to poll.
 *
 * Components are built and serialized by ical.js (text escaping per
 * RFC 5545 §3.3.11); lines are then re-folded at 75 octets, CRLF-terminated.
 *
 * @throws RangeError on an unparseable instant, `endAt` before `startAt`, or a
 *   non-positive / non-integer `refreshIntervalMinutes` (programming errors).
 */
export const renderFeed = (options: {
  readonly name: string
  readonly events: ReadonlyArray<FeedEvent>
  readonly refreshIntervalMinutes?: number
}): string => {
  const calendar = new ICAL.Component(["vcalendar", [], []])
  calendar.addPropertyWithValue("prodid", "-//Signet//Timetable//EN")
  calendar.addPropertyWithValue("version", "2.0")
  calendar.addPropertyWithValue("calscale", "GREGORIAN")
  calendar.addPropertyWithValue("method", "PUBLISH")
  calendar.addProperty(textProperty("x-wr-calname", options.name))
  if (options.refreshIntervalMinutes !== undefined) {
    const minutes = options.refreshIntervalMinutes
    if (!Number.isInteger(minutes) || minutes <= 0) {
      throw new RangeError(`renderFeed: refreshIntervalMinutes must be a positive integer, got ${minutes}`)
    }
    const interval = ICAL.Duration.fromSeconds(minutes * 60)
    calendar.addProperty(new ICAL.Property(["refresh-interval", {}, "duration", interval.toString()]))
    calendar.addProperty(new ICAL.Property(["x-published-ttl", {}, "duration", interval.toString()]))
  }
  for (const e of options.events) {
    const event = new ICAL.Component("vevent")
    const start = utcTime(e.startAt, "startAt")
    const end = utcTime(e.endAt, "endAt")
    const updated = utcTime(e.updatedAt, "updatedAt")
    const length = end.toUnixTime() - start.toUnixTime()
    if (length < 0) throw new RangeError(`renderFeed: event ${e.id} ends before it starts`)
    event.addProperty(textProperty("uid", `${e.id}@signet`))
    event.addPropertyWithValue("dtstamp", updated)
    event.addPropertyWithValue("last-modified", updated)
    event.addPropertyWithValue("dtstart", start)
    if (length > 0) event.addPropertyWithValue("dtend", end)
    else event.addPropertyWithValue("duration", ICAL.Duration.fromSeconds(0))
    event.addProperty(textProperty("summary", e.name))
    if (e.location !== null) event.addProperty(textProperty("location", e.location))
    if (e.description !== null) event.addProperty(textProperty("description", e.description))
    event.addPropertyWithValue("status", e.cancelled ? "CANCELLED" : "CONFIRMED")
    const sequence = Math.floor((updated.toUnixTime() * SECOND - SEQUENCE_EPOCH) / SECOND)
    event.addPropertyWithValue("sequence", Math.min(Math.max(sequence, 0), 2 ** 31 - 1))
    calendar.addSubcomponent(event)
  }
  const unfolded = calendar.toString().replace(/\r\n[ \t]/g, "")
  return `${unfolded.split("\r\n").map(foldLine).join("\r\n")}\r\n`
}
