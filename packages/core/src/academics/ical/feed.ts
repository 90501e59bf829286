/**
 * Calendar feed export (RFC 5545 `METHOD:PUBLISH`).
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */
import ICAL from "ical.js"
import type { FeedEvent } from "./types.js"
import { SECOND } from "./zones.js"

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

/** A VTIMEZONE for UTC: the component an otherwise empty calendar holds (RFC 5545 §3.6 `1*component`). */
const utcZone = () => {
  const zone = new ICAL.Component("vtimezone")
  zone.addPropertyWithValue("tzid", "UTC")
  const standard = new ICAL.Component("standard")
  standard.addPropertyWithValue(
    "dtstart",
    ICAL.Time.fromData({ year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
  )
  standard.addProperty(new ICAL.Property(["tzoffsetfrom", {}, "utc-offset", "+00:00"]))
  standard.addProperty(new ICAL.Property(["tzoffsetto", {}, "utc-offset", "+00:00"]))
  standard.addProperty(textProperty("tzname", "UTC"))
  zone.addSubcomponent(standard)
  return zone
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
 * A calendar with no event still holds one component, as RFC 5545 §3.6
 * requires (`1*component`): a VTIMEZONE for UTC (TZID `UTC`, offset +00:00),
 * which no event refers to and calendar apps ignore — so an empty export or
 * feed is a valid, empty calendar rather than a malformed one (issue 16).
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
  if (options.events.length === 0) calendar.addSubcomponent(utcZone())
  const unfolded = calendar.toString().replace(/\r\n[ \t]/g, "")
  return `${unfolded.split("\r\n").map(foldLine).join("\r\n")}\r\n`
}
