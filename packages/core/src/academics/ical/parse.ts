/**
 * Component-level parsing with ical.js: events read, validated and their times normalized.
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */
import ICAL from "ical.js"
import { type Meter, refuseRule, slice } from "./limits.js"
import type { Block, Issues, Line, RawCalendar } from "./lines.js"
import type { Compiled } from "./mapping.js"
import { DAY, HOUR, resolveIana, SECOND, wallToUtc } from "./zones.js"

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

const fnv1a64 = (s: string): string => {
  let h = 0xcbf29ce484222325n
  for (const byte of new TextEncoder().encode(s)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn
  return h.toString(16).padStart(16, "0")
}

/**
 * The UID of a VEVENT block, read from its raw lines so that an event that
 * cannot be parsed still has one: the UID property as ical.js reads it
 * (text unescaped, trimmed), else — for a line ical.js rejects — the raw
 * value after the first colon. Null when the block has no (non-empty) UID.
 */
const rawUid = (lines: ReadonlyArray<Line>): string | null => {
  const l = lines.find((x) => propName(x.text) === "UID")
  if (l === undefined) return null
  let value: string
  try {
    const parsed = parseComponent([{ text: "BEGIN:VEVENT", line: 0 }, l, { text: "END:VEVENT", line: 0 }])
    const v = parsed[1].find(([n]) => n === "uid")?.[3]
    value = typeof v === "string" ? v : ""
  } catch {
    value = unescapeText(l.text.slice(l.text.indexOf(":") + 1))
  }
  value = value.trim()
  return value === "" ? null : value
}

/**
 * The UID an event's issues and occurrences carry: its own, or — when it has
 * none — one synthesized from its DTSTART and SUMMARY lines (stable across
 * re-imports of the same file), with the warning MISSING_UID.
 */
const eventUid = (block: Block, issues: Issues): string => {
  const own = rawUid(block.lines)
  if (own !== null) return own
  const basis = block.lines
    .filter((l) => ["DTSTART", "SUMMARY"].includes(propName(l.text)))
    .map((l) => l.text.trim())
    .join("\n")
  const uid = `${fnv1a64(basis)}@synthesized.signet`
  issues.warn("MISSING_UID", `no UID; synthesized ${uid} from DTSTART and SUMMARY`, block.line, uid)
  return uid
}

/** The message of a caught value, for issue texts. */
export const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * Parses one VEVENT block; when ical.js rejects it, retries property by
 * property: a bad non-essential property (e.g. `SEQUENCE:abc`) is dropped
 * with a warning (on that property's line), a bad essential one (e.g.
 * `RRULE:FREQ=FOO`) makes the event an error (on its BEGIN:VEVENT line, with
 * its `uid`). Returns null when the event is skipped.
 */
const parseEvent = (block: Block, uid: string, issues: Issues): JComp | null => {
  try {
    return parseComponent(block.lines)
  } catch (whole) {
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
          issues.error(
            "INVALID_PROPERTY",
            `${name} (line ${l.line}) cannot be parsed (${errorText(e)}); event skipped`,
            block.line,
            uid
          )
          return null
        }
        issues.warn("INVALID_PROPERTY", `${name} cannot be parsed (${errorText(e)}); property ignored`, l.line, uid)
      }
    }
    try {
      return parseComponent(kept)
    } catch {
      issues.error("EVENT_INVALID", `event cannot be parsed (${errorText(whole)}); event skipped`, block.line, uid)
      return null
    }
  }
}

/** Parses VCALENDAR-level property lines one by one; an unreadable one is dropped with a warning. */
export const parseCalendarProps = (props: ReadonlyArray<Line>, issues: Issues): Array<JProp> => {
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
export const unescapeText = (s: string) =>
  s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c))

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
  readonly facts: FileFacts
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
    if (type === "date") {
      ctx.facts.usedDefaultZone = true // a DATE is a whole day in the mapping's zone
      continue
    }
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
        ctx.facts.usedDefaultZone = true
      } else {
        if (iana.aliased) warnOnce("TZID_ALIASED", `TZID "${tzid}" read as IANA zone ${iana.zone}`)
        params.tzid = iana.zone
      }
      ctx.ensure(params.tzid as string)
    } else if (!(instants as Array<string>).every((v) => v.endsWith("Z"))) {
      warnOnce("FLOATING_TIME", `floating (zone-less) times read in ${ctx.defaultZone}`)
      params.tzid = ctx.defaultZone
      ctx.facts.usedDefaultZone = true
      ctx.ensure(ctx.defaultZone)
    }
  }
  return null
}

// ---------------------------------------------------------------------------
// Events → occurrences
// ---------------------------------------------------------------------------

/** How an occurrence's end follows from its start. */
export type EndSpec =
  | { readonly kind: "exact"; readonly ms: number } // DTEND: same exact duration for every instance (RFC 5545 §3.8.5.3)
  | { readonly kind: "nominal"; readonly duration: ICAL.Duration } // DURATION / all-day: nominal, in wall time

/** A validated VEVENT (master or RECURRENCE-ID override), ready to expand. */
export interface EventInfo {
  readonly comp: ICAL.Component
  readonly line: number
  readonly uid: string
  readonly isOverride: boolean
  /** The event's own end rule; null when it has neither DTEND nor DURATION. */
  readonly ownEnd: EndSpec | null
  readonly startMs: number
  /** The event came in an RFC 5546 `METHOD:CANCEL` calendar: each of its occurrences is cancelled. */
  readonly methodCancel: boolean
}

/** ISO-8601 UTC text of an instant in milliseconds. */
export const iso = (ms: number) => new Date(ms).toISOString()

/**
 * What a parse learns about the file beside its events; filled by
 * {@link readCalendar}, read into the plan by `ICalendar.ts`.
 */
export interface FileFacts {
  /** RFC 5546 series cancellations (METHOD:CANCEL, no RECURRENCE-ID): one per UID, its first BEGIN:VEVENT line. */
  readonly cancelledSeries: Array<{ readonly uid: string; readonly line: number | null }>
  /** Set when a time was read in the mapping's zone: a floating DATE-TIME, a DATE, or a TZID that did not resolve. */
  usedDefaultZone: boolean
}

/** What {@link readCalendar} works with, shared by all calendars of one file. */
export interface ReadContext {
  readonly compiled: Compiled
  readonly ensure: (zone: string) => void
  readonly issues: Issues
  readonly meter: Meter
  readonly facts: FileFacts
}

/** Parses the VTIMEZONE blocks of one VCALENDAR; an unusable one is ignored with a warning. */
const readZones = (raw: RawCalendar, issues: Issues) => {
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
  return { zones, fileZones }
}

/**
 * RFC 5546 §3.2.5 (METHOD:CANCEL): an event without RECURRENCE-ID cancels its
 * whole series — recorded once per UID in `facts.cancelledSeries`; one with
 * RECURRENCE-ID cancels that instance. RFC 5546 makes DTSTART optional in a
 * CANCEL: a series cancellation without it yields no occurrence (answers
 * false: nothing to expand), an instance cancellation without it starts at
 * its RECURRENCE-ID.
 */
const cancelMethod = (jcal: JComp, uid: string, line: number, facts: FileFacts): boolean => {
  const recurrenceId = jcal[1].find(([n]) => n === "recurrence-id")
  const hasStart = jcal[1].some(([n]) => n === "dtstart")
  if (recurrenceId === undefined) {
    if (!facts.cancelledSeries.some((c) => c.uid === uid)) facts.cancelledSeries.push({ uid, line })
    return hasStart
  }
  if (!hasStart) {
    const { range: _range, ...params } = recurrenceId[1]
    jcal[1].push(["dtstart", params, recurrenceId[2], ...recurrenceId.slice(3)])
  }
  return true
}

/**
 * Parses one VCALENDAR's VTIMEZONE and VEVENT blocks into validated events.
 * In a `METHOD:CANCEL` calendar every event is marked `methodCancel` (see
 * {@link cancelMethod}).
 */
export function* readCalendar(
  raw: RawCalendar,
  props: Array<JProp>,
  rc: ReadContext
): Generator<void, Array<EventInfo>> {
  const { compiled, ensure, issues, meter, facts } = rc
  const { zones, fileZones } = readZones(raw, issues)
  const method = props.find(([n]) => n === "method")?.[3]
  const methodCancel = typeof method === "string" && method.trim().toUpperCase() === "CANCEL"

  const ctx: ZoneContext = { fileZones, defaultZone: compiled.defaultZone, ensure, facts }
  const parsed: Array<{ readonly block: Block; readonly jcal: JComp; readonly uid: string }> = []
  for (const block of raw.blocks) {
    if (block.name !== "VEVENT") continue
    meter.slice += block.lines.length
    yield* slice(meter)
    const uid = eventUid(block, issues)
    const jcal = parseEvent(block, uid, issues)
    if (jcal === null) continue
    if (methodCancel && !cancelMethod(jcal, uid, block.line, facts)) continue
    if (!jcal[1].some(([n]) => n === "dtstamp")) issues.warn("MISSING_DTSTAMP", "no DTSTAMP", block.line, uid)
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
      const info = validateEvent(comp, block.line, uid, compiled, issues, methodCancel)
      if (info !== null) events.push(info)
    } catch (e) {
      issues.error("EVENT_INVALID", `the event cannot be read (${errorText(e)}); event skipped`, block.line, uid)
    }
  }
  return events
}

/** Instant (ms) of an ical.js time; dates are midnight in the mapping's zone. */
export const instantOf = (t: ICAL.Time, defaultZone: string): number =>
  t.isDate ? wallToUtc(defaultZone, t.year, t.month, t.day, 0, 0, 0) : t.toUnixTime() * SECOND

const validateEvent = (
  comp: ICAL.Component,
  line: number,
  uid: string,
  compiled: Compiled,
  issues: Issues,
  methodCancel: boolean
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
  return { comp, line, uid, isOverride, ownEnd, startMs, methodCancel }
}

/** End instant (ms) of an occurrence starting at `start`, by the event's end rule. */
export const endOf = (start: ICAL.Time, startMs: number, spec: EndSpec, defaultZone: string): number => {
  if (spec.kind === "exact") return startMs + spec.ms
  const end = start.clone()
  end.addDuration(spec.duration)
  return instantOf(end, defaultZone)
}
