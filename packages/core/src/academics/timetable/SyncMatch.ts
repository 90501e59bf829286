/**
 * The matching of a timetable sync (issue 16 "Sync mode"), as pure
 * functions: which existing course each occurrence of the new snapshot
 * continues, which courses of the window vanished, and what changed.
 * Internal to `timetable/Sync.ts`.
 *
 * Each live occurrence is matched, in this order, to:
 * 1. the school's course with its source key (`<uid>|<original start>`), in
 *    or out of the window;
 * 2. for a one-off event (no RECURRENCE-ID) whose UID appears once in the
 *    file: the school's only unmatched course of that UID, in or out of the
 *    window (the event was moved: its source key, which carries the
 *    original start, changed);
 * 3. an unmatched course of the window with the same stable key — start,
 *    end, classroom, group and name — for exports that regenerate every UID
 *    on each run (WebUntis does).
 *
 * Matches of 2 and 3 take the occurrence's source key. Unmatched courses of
 * the window are the vanished ones.
 *
 * @module
 */
import { type Course, type CourseId, TimetableFieldChange } from "@signet/contracts/academics/Domain"
import { DateTime } from "effect"
import type { Occurrence } from "../ICalendar.js"
import type { Links } from "./Resolver.js"

/** A live occurrence of the snapshot with its resolved links. */
export interface Planned {
  readonly o: Occurrence
  readonly links: Links
}

/** The result of {@link matchSnapshot}. */
export interface Matching {
  /** Per planned occurrence (same index): the course it continues, or null (a new course). */
  readonly matched: ReadonlyArray<{ readonly course: Course; readonly rekeyed: boolean } | null>
  /** Courses of the window no occurrence continues. */
  readonly vanished: ReadonlyArray<Course>
}

/** The UID part of a source key (`<uid>|<original start>`; a UID may itself contain `|`). */
export const uidOf = (sourceKey: string) => {
  const at = sourceKey.lastIndexOf("|")
  return at < 0 ? sourceKey : sourceKey.slice(0, at)
}

const ids = (list: ReadonlyArray<string>) => [...list].sort().join(",")
const ms = (d: DateTime.Utc | string) => (typeof d === "string" ? Date.parse(d) : DateTime.toEpochMillis(d))

/** The stable key of a course or an occurrence: start, end, classrooms, groups, name. */
const stableKey = (start: number, end: number, links: Omit<Links, "teacher_ids">, name: string) =>
  JSON.stringify([start, end, ids(links.classroom_ids), ids(links.group_ids), name])

/**
 * Matches the snapshot's occurrences to existing courses (see the module
 * comment). `courses`: the school's live sourced courses the sync looks at
 * (in or out of the window); `replaced`: those the snapshot replaces.
 */
export const matchSnapshot = (
  planned: ReadonlyArray<Planned>,
  courses: ReadonlyArray<Course>,
  replaced: ReadonlyArray<Course>
): Matching => {
  const bySourceKey = new Map(courses.map((c) => [c.source_key ?? "", c]))
  const used = new Set<CourseId>()
  const matched: Array<{ course: Course; rekeyed: boolean } | null> = planned.map(({ o }) => {
    const c = bySourceKey.get(o.sourceKey)
    if (!c || used.has(c.id)) return null
    used.add(c.id)
    return { course: c, rekeyed: false }
  })
  const uidCount = new Map<string, number>()
  for (const { o } of planned) uidCount.set(o.uid, (uidCount.get(o.uid) ?? 0) + 1)
  const poolByUid = new Map<string, Array<Course>>()
  for (const c of courses) {
    if (used.has(c.id) || c.source_key === null) continue
    const uid = uidOf(c.source_key)
    poolByUid.set(uid, [...(poolByUid.get(uid) ?? []), c])
  }
  planned.forEach(({ o }, i) => {
    if (matched[i] !== null || o.recurrenceId !== null || uidCount.get(o.uid) !== 1) return
    const pool = poolByUid.get(o.uid)
    if (pool?.length !== 1 || used.has(pool[0]!.id)) return
    used.add(pool[0]!.id)
    matched[i] = { course: pool[0]!, rekeyed: true }
  })
  const byStable = new Map<string, Array<Course>>()
  for (const c of replaced) {
    if (used.has(c.id)) continue
    const key = stableKey(ms(c.start_at), ms(c.end_at), c, c.name)
    byStable.set(key, [...(byStable.get(key) ?? []), c])
  }
  planned.forEach(({ o, links }, i) => {
    if (matched[i] !== null) return
    const c = byStable.get(stableKey(ms(o.startAt), ms(o.endAt), links, o.name))?.shift()
    if (!c) return
    used.add(c.id)
    matched[i] = { course: c, rekeyed: true }
  })
  return { matched, vanished: replaced.filter((c) => !used.has(c.id)) }
}

/** The fields of `course` that differ from the occurrence and its links (before → after). */
export const changesOf = (course: Course, { o, links }: Planned): Array<TimetableFieldChange> => {
  const out: Array<TimetableFieldChange> = []
  const add = (field: TimetableFieldChange["field"], before: string, after: string) => {
    if (before !== after) out.push(new TimetableFieldChange({ field, before, after }))
  }
  add("name", course.name, o.name)
  add("start_at", DateTime.formatIso(course.start_at), new Date(o.startAt).toISOString())
  add("end_at", DateTime.formatIso(course.end_at), new Date(o.endAt).toISOString())
  add("classroom_ids", ids(course.classroom_ids), ids(links.classroom_ids))
  add("group_ids", ids(course.group_ids), ids(links.group_ids))
  add("teacher_ids", ids(course.teacher_ids), ids(links.teacher_ids))
  return out
}

/**
 * The span a snapshot covers: from its earliest occurrence start to its
 * latest occurrence end (cancelled occurrences included), or null when it
 * has none.
 */
export const coveredWindow = (occurrences: ReadonlyArray<Occurrence>) => {
  if (occurrences.length === 0) return null
  let start = Number.POSITIVE_INFINITY
  let end = Number.NEGATIVE_INFINITY
  for (const o of occurrences) {
    start = Math.min(start, Date.parse(o.startAt))
    end = Math.max(end, Date.parse(o.endAt))
  }
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() }
}

/** Whether a course starts in the window `[start, end)`. */
export const startsIn = (
  c: { readonly start_at: DateTime.Utc },
  w: { readonly start: string; readonly end: string }
) => {
  const s = ms(c.start_at)
  return s >= Date.parse(w.start) && s < Date.parse(w.end)
}
