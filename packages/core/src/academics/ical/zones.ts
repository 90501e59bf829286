/**
 * Time zones for iCalendar parsing: IANA zones through `Intl`, registered in ical.js while a parse needs them.
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */
import ICAL from "ical.js"

// ---------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------

/** One second, in milliseconds. */
export const SECOND = 1000
/** One hour, in milliseconds. */
export const HOUR = 3600 * SECOND
/** One day of 24 hours, in milliseconds. */
export const DAY = 24 * HOUR

const formatters = new Map<string, Intl.DateTimeFormat>()

const canonicalZones = new Map<string, string | null>()

/** The canonical IANA name of `zone`, or null when `Intl` does not know it (memoized: Intl construction is slow). */
export function canonicalZone(zone: string): string | null {
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
export const wallToUtc = (zone: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number => {
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
export function* withIanaZones<A>(f: (ensure: (zone: string) => void) => Generator<void, A>): Generator<void, A> {
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
export const resolveIana = (tzid: string): { readonly zone: string; readonly aliased: boolean } | null => {
  const direct = canonicalZone(tzid)
  if (direct !== null) return { zone: direct, aliased: false }
  const segments = tzid.split("/").filter((s) => s !== "")
  for (let i = 1; i < segments.length; i++) {
    const zone = canonicalZone(segments.slice(i).join("/"))
    if (zone !== null && segments.length - i <= 3) return { zone, aliased: true }
  }
  return null
}
