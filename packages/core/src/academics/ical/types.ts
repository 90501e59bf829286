/**
 * The public shapes of the iCalendar module (issues, mapping, occurrences, plans, feed events).
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Public shapes
// ---------------------------------------------------------------------------

/**
 * A problem found while reading an `.ics` file: `line` is the 1-based physical
 * line in the original text (for an event: its `BEGIN:VEVENT` line; a warning
 * about one content line: that line), `code` a stable machine code (see the
 * module doc).
 *
 * An error about one event always carries that event's UID (synthesized
 * when it has none) and means "this event was skipped"; a file-level error
 * (the file cannot be read, the mapping is invalid, a limit of the file was
 * passed) has `uid: null`. `isFatal` says whether the plan may still be
 * imported: not after a file-level error or a resource limit (`LIMIT_CODES`,
 * which a single event can pass too).
 */
export interface IcsIssue {
  readonly line: number | null
  readonly uid: string | null
  readonly code: string
  readonly message: string
}

/**
 * Mapping rules: how event fields map to Signet academics references
 * (codes/names, resolved to ids by the caller). Every key is optional;
 * `parseMapping` rejects unknown keys. Reference with examples:
 * docs/timetables.md "Mapping".
 *
 * - `timezone`: IANA zone for floating times (and all-day dates, and TZIDs
 *   that cannot be resolved); default `"UTC"`. One mapping per file, so this
 *   sets the zone per file; the plan's `floatingZone` says when it was used.
 * - `classroom` / `group` / `teacher` / `courseName`: take the value of the
 *   `from` property; with `pattern` (a JavaScript regular expression) the
 *   first capture group (or the whole match when the pattern has no group).
 *   CATEGORIES and ATTENDEE are multi-valued: the first value that matches
 *   wins (attendees with ROLE=CHAIR first). ORGANIZER / ATTENDEE values are
 *   e-mail addresses with `mailto:` removed; ORGANIZER_NAME / ATTENDEE_NAME
 *   are the common names (`CN=` parameter) of the same properties.
 *   Defaults: classroom = whole LOCATION trimmed; courseName = SUMMARY
 *   trimmed; group and teacher = none (null).
 * - `teachers`: alias → login or e-mail of the teacher it names, e.g.
 *   `{ "DR. D. W. KAMOTHO": "kamotho@school.edu", "KMT": "kamotho@school.edu" }`.
 *   Aliases are compared after `normalizeTeacherRef` (case, spaces and
 *   surrounding dots/commas do not matter); two aliases that normalize alike
 *   must name the same teacher. At most 5,000 entries (MAX_TEACHER_ALIASES),
 *   aliases of at most 200 characters, targets of at most 320.
 * - `cancelled`: cancellation markers — `patterns` (1 to 50 JavaScript
 *   regular expressions of at most 500 characters), looked for in each value
 *   of the `from` properties (default SUMMARY, STATUS, DESCRIPTION; also
 *   CATEGORIES, LOCATION, COMMENT). Case-insensitive (flag `i`) unless
 *   `caseSensitive: true`. An event whose text matches any pattern is
 *   cancelled (`cancelledBy: "MARKER"`).
 * - `windowStart` / `windowEnd`: ISO-8601 instants. Recurrences are expanded
 *   up to `windowEnd` (and at most 5,000 occurrences per event, with a
 *   warning). When either is given, every occurrence whose original start
 *   lies outside `[windowStart, windowEnd)` is dropped; a missing bound
 *   defaults to the earliest DTSTART in the file, resp. the caller's
 *   `seriesEnd` ({@link TimetableParseOptions}) or else one year after
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
  readonly teacher?: {
    readonly from: "ORGANIZER" | "ATTENDEE" | "ORGANIZER_NAME" | "ATTENDEE_NAME" | "DESCRIPTION" | "SUMMARY"
    readonly pattern?: string
  }
  readonly teachers?: { readonly [alias: string]: string }
  readonly cancelled?: {
    readonly patterns: ReadonlyArray<string>
    readonly from?: ReadonlyArray<"SUMMARY" | "DESCRIPTION" | "STATUS" | "CATEGORIES" | "LOCATION" | "COMMENT">
    readonly caseSensitive?: boolean
  }
  readonly courseName?: { readonly from: "SUMMARY" | "DESCRIPTION"; readonly pattern?: string }
  readonly windowStart?: string
  readonly windowEnd?: string
}

/**
 * Options of a parse that come from the caller rather than the mapping file.
 *
 * - `seriesEnd`: ISO-8601 instant (as `windowEnd`), typically the end of the
 *   school's academic year. When the mapping gives no `windowEnd`, recurring
 *   events are expanded up to it instead of one year after the window start
 *   (still at most MAX_WINDOW_YEARS after it). Ignored when it is not after
 *   the window start (the one-year default applies); an unparseable value is
 *   the fatal error INVALID_OPTIONS.
 */
export interface TimetableParseOptions {
  readonly seriesEnd?: string
}

/**
 * One concrete course occurrence. Instants are ISO-8601 UTC strings
 * (`Date#toISOString`).
 *
 * - `recurrenceId`: the original start of this instance inside its recurrence
 *   set (what a RECURRENCE-ID names); null for a one-off event.
 * - `sourceKey`: `<uid>|<original start>` — stable across re-imports of the
 *   same file and unaffected by RECURRENCE-ID overrides, for idempotent upsert.
 * - `teacherRef`: what the teacher rule picked — an e-mail address, a name
 *   ("DR. D. W. KAMOTHO") or a short code; the importer resolves it.
 * - `cancelled`: the occurrence is cancelled, see `cancelledBy`.
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
  readonly teacherRef: string | null
  readonly cancelled: boolean
  /**
   * Why the occurrence is cancelled: `METHOD` (it came from an RFC 5546
   * `METHOD:CANCEL` calendar), else `STATUS` (STATUS:CANCELLED on the
   * component that produced it), else `MARKER` (a `cancelled` pattern of the
   * mapping matched its text); null when not cancelled. The first that
   * applies, in that order.
   */
  readonly cancelledBy: "STATUS" | "METHOD" | "MARKER" | null
  readonly line: number | null
}

/**
 * Result of {@link parseTimetable}: occurrences sorted by `startAt` then
 * `sourceKey`; `calendarName` from X-WR-CALNAME (or RFC 7986 NAME).
 * An error with a `uid` means the VEVENT at its `line` was skipped (it
 * produced no occurrence; other VEVENTs of that UID, e.g. RECURRENCE-ID
 * overrides, stand on their own); an error without `uid` concerns the whole
 * file; `isFatal` says which errors forbid importing the rest. `warnings` never drop data except where the code
 * says so (INVALID_LINE, INVALID_PROPERTY, DUPLICATE_OCCURRENCE,
 * RRULE_TRUNCATED, OCCURRENCE_CAP).
 */
export interface TimetablePlan {
  readonly calendarName: string | null
  readonly occurrences: ReadonlyArray<Occurrence>
  readonly warnings: ReadonlyArray<IcsIssue>
  readonly errors: ReadonlyArray<IcsIssue>
  /**
   * Whole series cancelled (RFC 5546: `METHOD:CANCEL` on an event without
   * RECURRENCE-ID): the importer removes every course of these UIDs in the school.
   */
  readonly cancelledSeries: ReadonlyArray<{ readonly uid: string; readonly line: number | null }>
  /**
   * Teacher aliases from the mapping: normalized name or code (see
   * `normalizeTeacherRef`) → the login or e-mail of the user it names (an
   * object without prototype). The importer resolves `teacherRef` as a
   * login or e-mail first, then as `teacherAliases[normalizeTeacherRef(ref)]`.
   */
  readonly teacherAliases: Readonly<Record<string, string>>
  /**
   * The IANA zone (the mapping's `timezone`, default UTC) that times were
   * read in when the file had at least one floating DATE-TIME, all-day DATE
   * or TZID that could not be resolved (warnings FLOATING_TIME, ALL_DAY,
   * UNKNOWN_TZID); null when every time carried its own zone.
   */
  readonly floatingZone: string | null
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
