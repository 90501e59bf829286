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

/** Entries of the mapping's `teachers` object at most (an alias is a name or a code of one teacher). */
export const MAX_TEACHER_ALIASES = 5000
/** Characters of one `teachers` alias (the key) at most. */
export const MAX_TEACHER_ALIAS_LENGTH = 200
/** Characters of one `teachers` target (a login or an e-mail address) at most. */
export const MAX_TEACHER_TARGET_LENGTH = 320
/** Patterns of the mapping's `cancelled` rule at most. */
export const MAX_CANCEL_PATTERNS = 50
/** Characters of one `cancelled` pattern at most. */
export const MAX_CANCEL_PATTERN_LENGTH = 500

/**
 * A teacher name or code as the importer compares it with the mapping's
 * `teachers` aliases: Unicode NFKC, every run of white space (JavaScript
 * `\s`) becomes one space, leading and trailing spaces, dots, commas and
 * semicolons are removed, then letters are case-folded
 * (`toUpperCase().toLowerCase()`, so "ß" ≡ "SS"). `"  Dr. D.  W. KAMOTHO. "`
 * → `"dr. d. w. kamotho"`; `"KMT,"` → `"kmt"`. Inner punctuation stays.
 */
export const normalizeTeacherRef = (s: string): string =>
  s
    .normalize("NFKC")
    .replace(/\s+/g, " ")
    .replace(/^[\s.,;]+|[\s.,;]+$/g, "")
    .toUpperCase()
    .toLowerCase()

const TeacherAliases = Schema.Record({
  key: Schema.String,
  value: Schema.String.pipe(
    Schema.filter(
      (v) =>
        (v.trim() !== "" && v.length <= MAX_TEACHER_TARGET_LENGTH) ||
        `expected a login or an e-mail address of 1 to ${MAX_TEACHER_TARGET_LENGTH} characters, got ${JSON.stringify(v.slice(0, 40))}`
    )
  )
}).pipe(
  Schema.filter((aliases) => {
    const entries = Object.entries(aliases)
    if (entries.length > MAX_TEACHER_ALIASES) {
      return `at most ${MAX_TEACHER_ALIASES} aliases (MAX_TEACHER_ALIASES), got ${entries.length}; put the rest in another mapping`
    }
    const seen = new Map<string, readonly [string, string]>()
    for (const [alias, target] of entries) {
      const key = normalizeTeacherRef(alias)
      if (key === "" || alias.length > MAX_TEACHER_ALIAS_LENGTH) {
        return {
          path: [alias],
          message: `an alias has 1 to ${MAX_TEACHER_ALIAS_LENGTH} characters (MAX_TEACHER_ALIAS_LENGTH) besides spaces, dots and commas`
        }
      }
      const before = seen.get(key)
      if (before !== undefined && before[1].trim() !== target.trim()) {
        return {
          path: [alias],
          message: `"${alias}" and "${before[0]}" are the same alias ("${key}") for different teachers`
        }
      }
      seen.set(key, [alias, target])
    }
    return true
  }),
  Schema.annotations({ identifier: "TeacherAliases" })
)

/** Sources a cancellation marker is looked for in (the `cancelled` rule's `from`). */
const CANCEL_SOURCES = ["SUMMARY", "DESCRIPTION", "STATUS", "CATEGORIES", "LOCATION", "COMMENT"] as const

const CancelPattern = Schema.String.pipe(
  Schema.filter(
    (p) =>
      (p !== "" && p.length <= MAX_CANCEL_PATTERN_LENGTH) ||
      `a pattern has 1 to ${MAX_CANCEL_PATTERN_LENGTH} characters (MAX_CANCEL_PATTERN_LENGTH)`
  ),
  Schema.filter(isRegExp),
  Schema.annotations({ identifier: "Pattern" })
)

const CancelledRule = Schema.Struct({
  patterns: Schema.Array(CancelPattern).pipe(
    Schema.filter(
      (ps) =>
        (ps.length >= 1 && ps.length <= MAX_CANCEL_PATTERNS) ||
        `expected 1 to ${MAX_CANCEL_PATTERNS} patterns (MAX_CANCEL_PATTERNS), got ${ps.length}`
    )
  ),
  from: Schema.optionalWith(
    Schema.Array(
      Schema.Literal(...CANCEL_SOURCES).annotations({
        message: (issue) => ({
          message: `expected one of ${CANCEL_SOURCES.map((f) => `"${f}"`).join(", ")}, got ${JSON.stringify(issue.actual)}`,
          override: true
        })
      })
    ).pipe(Schema.filter((f) => f.length >= 1 || "expected at least one source")),
    { exact: true }
  ),
  caseSensitive: Schema.optionalWith(Schema.Boolean, { exact: true })
}).annotations({ identifier: "CancelledRule" })

/** Schema of a {@link TimetableMapping}: known keys only, compiling patterns, IANA zone, a window of at most MAX_WINDOW_YEARS. */
export const MappingSchema = Schema.Struct({
  timezone: Schema.optionalWith(Zone, { exact: true }),
  classroom: Schema.optionalWith(mappingRule("ClassroomRule", "LOCATION", "SUMMARY", "DESCRIPTION", "CATEGORIES"), {
    exact: true
  }),
  group: Schema.optionalWith(mappingRule("GroupRule", "LOCATION", "SUMMARY", "DESCRIPTION", "CATEGORIES"), {
    exact: true
  }),
  teacher: Schema.optionalWith(
    mappingRule("TeacherRule", "ORGANIZER", "ATTENDEE", "ORGANIZER_NAME", "ATTENDEE_NAME", "DESCRIPTION", "SUMMARY"),
    { exact: true }
  ),
  teachers: Schema.optionalWith(TeacherAliases, { exact: true }),
  cancelled: Schema.optionalWith(CancelledRule, { exact: true }),
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
 * `windowStart < windowEnd`; `teachers` within {@link MAX_TEACHER_ALIASES}
 * entries of bounded length, no two aliases that normalize alike naming
 * different teachers; `cancelled` with 1 to {@link MAX_CANCEL_PATTERNS}
 * patterns. Reference: docs/timetables.md "Mapping".
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
  /** The cancellation markers; null when the mapping has no `cancelled` rule. */
  readonly cancelled: { readonly from: ReadonlyArray<string>; readonly regexes: ReadonlyArray<RegExp> } | null
}

/** Compiles a mapping rule's pattern; undefined when the rule is absent. @throws SyntaxError on a bad pattern */
export const compileRule = (r: { readonly from: string; readonly pattern?: string } | undefined) =>
  r === undefined ? null : { from: r.from, regex: r.pattern === undefined ? null : new RegExp(r.pattern) }

/** Default sources of the `cancelled` rule. */
const CANCEL_DEFAULT_FROM: ReadonlyArray<string> = ["SUMMARY", "STATUS", "DESCRIPTION"]

/** Compiles the `cancelled` rule (flag `i` unless `caseSensitive`). @throws SyntaxError on a bad pattern */
export const compileCancelled = (r: TimetableMapping["cancelled"]): Compiled["cancelled"] =>
  r === undefined
    ? null
    : {
        from: r.from ?? CANCEL_DEFAULT_FROM,
        regexes: r.patterns.map((p) => new RegExp(p, r.caseSensitive === true ? "" : "i"))
      }

/** Whether a cancellation marker of the mapping appears in one of its sources of `comp`. */
export const markedCancelled = (comp: ICAL.Component, rule: NonNullable<Compiled["cancelled"]>): boolean =>
  rule.from.some((from) => sourceValues(comp, from).some((v) => rule.regexes.some((re) => re.test(v))))

/**
 * The mapping's teacher aliases with normalized keys ({@link normalizeTeacherRef}),
 * targets trimmed, as an object without prototype.
 */
export const teacherAliasesOf = (m: TimetableMapping): Record<string, string> => {
  // No prototype: a name such as "constructor" must not find Object.prototype's.
  const out: Record<string, string> = Object.create(null)
  for (const [alias, target] of Object.entries(m.teachers ?? {})) out[normalizeTeacherRef(alias)] = target.trim()
  return out
}

/** The ORGANIZER or ATTENDEE properties of `comp`, those with ROLE=CHAIR first. */
const chairsFirst = (comp: ICAL.Component, name: string): Array<ICAL.Property> => {
  const props = comp.getAllProperties(name.toLowerCase())
  const isChair = (p: ICAL.Property) => String(p.getParameter("role") ?? "").toUpperCase() === "CHAIR"
  return [...props.filter(isChair), ...props.filter((p) => !isChair(p))]
}

/** Candidate values of a mapping source, in preference order. */
const sourceValues = (comp: ICAL.Component, from: string): Array<string> => {
  switch (from) {
    case "CATEGORIES":
      return comp.getAllProperties("categories").flatMap((p) => p.getValues().map(String))
    case "ORGANIZER":
    case "ATTENDEE":
      return chairsFirst(comp, from).map((p) => String(p.getFirstValue() ?? "").replace(/^mailto:/i, ""))
    case "ORGANIZER_NAME":
    case "ATTENDEE_NAME":
      return chairsFirst(comp, from.slice(0, -"_NAME".length)).map((p) => {
        const cn = p.getParameter("cn")
        return typeof cn === "string" ? cn : Array.isArray(cn) ? cn.join(",") : ""
      })
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
