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
 * - `teacherRef`: what the teacher rule picked — an e-mail address, a name
 *   ("DR. D. W. KAMOTHO") or a short code; the importer resolves it.
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
  readonly teacherRef: string | null
  readonly cancelled: boolean
  /**
   * Why the occurrence is cancelled: `STATUS` (STATUS:CANCELLED), `METHOD`
   * (an RFC 5546 `METHOD:CANCEL` calendar), `MARKER` (a cancellation pattern
   * of the mapping matched its text); null when not cancelled.
   */
  readonly cancelledBy: "STATUS" | "METHOD" | "MARKER" | null
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
  /**
   * Whole series cancelled (RFC 5546: `METHOD:CANCEL` on an event without
   * RECURRENCE-ID): the importer removes every course of these UIDs in the school.
   */
  readonly cancelledSeries: ReadonlyArray<{ readonly uid: string; readonly line: number | null }>
  /**
   * Teacher aliases from the mapping: normalized name or code (see
   * `normalizeTeacherRef`) → the login or e-mail of the user it names.
   */
  readonly teacherAliases: Readonly<Record<string, string>>
  /** The IANA zone floating times and all-day dates were read in, when the file had any; else null. */
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
