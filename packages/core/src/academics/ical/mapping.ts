/**
 * The timetable mapping: its schema (`parseMapping`) and how its rules pick values out of an event.
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */
import { Schema } from "effect"
import type ICAL from "ical.js"
import { MAX_WINDOW_YEARS } from "./limits.js"
import type { TimetableMapping } from "./types.js"
import { canonicalZone } from "./zones.js"

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
const mappingRule = <const L extends ReadonlyArray<string>>(identifier: string, ...from: L) =>
  Schema.Struct({
    from: Schema.Literal(...from).annotations({
      message: (issue) => ({
        message: `expected one of ${from.map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(issue.actual)}`,
        override: true
      })
    }),
    pattern: Schema.optionalWith(Pattern, { exact: true })
  }).annotations({ identifier })

/** Schema of a {@link TimetableMapping}: known keys only, compiling patterns, IANA zone, a window of at most MAX_WINDOW_YEARS. */
export const MappingSchema = Schema.Struct({
  timezone: Schema.optionalWith(Zone, { exact: true }),
  classroom: Schema.optionalWith(mappingRule("ClassroomRule", "LOCATION", "SUMMARY", "DESCRIPTION", "CATEGORIES"), {
    exact: true
  }),
  group: Schema.optionalWith(mappingRule("GroupRule", "LOCATION", "SUMMARY", "DESCRIPTION", "CATEGORIES"), {
    exact: true
  }),
  teacher: Schema.optionalWith(mappingRule("TeacherRule", "ORGANIZER", "ATTENDEE", "DESCRIPTION", "SUMMARY"), {
    exact: true
  }),
  courseName: Schema.optionalWith(mappingRule("CourseNameRule", "SUMMARY", "DESCRIPTION"), { exact: true }),
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

/** The string value of an event's first `name` property, or null. */
export const textProp = (comp: ICAL.Component, name: string): string | null => {
  const v = comp.getFirstPropertyValue(name)
  return typeof v === "string" ? v : null
}

/** A validated mapping with its patterns compiled (null rule: that field is not mapped). */
export interface Compiled {
  readonly defaultZone: string
  readonly classroom: { readonly from: string; readonly regex: RegExp | null } | null
  readonly group: { readonly from: string; readonly regex: RegExp | null } | null
  readonly teacher: { readonly from: string; readonly regex: RegExp | null } | null
  readonly courseName: { readonly from: string; readonly regex: RegExp | null }
}

/** Compiles a mapping rule's pattern; undefined when the rule is absent. @throws SyntaxError on a bad pattern */
export const compileRule = (r: { readonly from: string; readonly pattern?: string } | undefined) =>
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
export const applyRule = (comp: ICAL.Component, r: { readonly from: string; readonly regex: RegExp | null }) => {
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
