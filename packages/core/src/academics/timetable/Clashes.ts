/**
 * Double booking of a timetable import (issue 16): a classroom, group or
 * teacher with two overlapping courses in the school once the import is
 * applied. Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import { type Course, ImportMessage, type SchoolId } from "@signet/contracts/academics/Domain"
import { DateTime, Effect } from "effect"
import type { Deps } from "./Deps.js"

/** Courses listed per page while looking for clashes. */
const PAGE = 500

/** At most this many DOUBLE_BOOKED warnings per import (the count of the rest is given). */
export const MAX_CLASH_WARNINGS = 1_000

interface Slot {
  readonly id: string
  readonly start: number
  readonly end: number
  readonly name: string
}

/**
 * One DOUBLE_BOOKED warning per pair of overlapping courses that share a
 * classroom, group or teacher, where at least one of the pair was written by
 * this import (`touched`); courses of the school between `from` and `to`
 * (ISO instants) are compared. Reads in the caller's transaction.
 */
export const findClashes = (
  { academics }: Deps,
  schoolId: SchoolId,
  touched: ReadonlySet<string>,
  from: string,
  to: string
) =>
  Effect.gen(function* () {
    const courses: Array<Course> = []
    let cursor: string | undefined
    do {
      const page = yield* academics.listCourses({ school_id: schoolId, from, to, limit: PAGE, cursor })
      courses.push(...page.items)
      cursor = page.next_cursor ?? undefined
    } while (cursor !== undefined)
    const byResource = new Map<string, Array<Slot>>()
    for (const c of courses) {
      const slot: Slot = {
        id: c.id,
        start: DateTime.toEpochMillis(c.start_at),
        end: DateTime.toEpochMillis(c.end_at),
        name: c.name
      }
      const keys = [
        ...c.classroom_ids.map((id) => `classroom ${id}`),
        ...c.group_ids.map((id) => `group ${id}`),
        ...c.teacher_ids.map((id) => `teacher ${id}`)
      ]
      for (const k of keys) {
        const list = byResource.get(k) ?? []
        list.push(slot)
        byResource.set(k, list)
      }
    }
    const pairs = new Map<string, { a: Slot; b: Slot; on: Array<string> }>()
    for (const [resource, slots] of byResource) {
      slots.sort((x, y) => x.start - y.start)
      const open: Array<Slot> = []
      for (const s of slots) {
        for (let i = open.length - 1; i >= 0; i--) if (open[i]!.end <= s.start) open.splice(i, 1)
        for (const o of open) {
          if (!touched.has(o.id) && !touched.has(s.id)) continue
          const [a, b] = o.id < s.id ? [o, s] : [s, o]
          const key = `${a.id}|${b.id}`
          const pair = pairs.get(key) ?? { a, b, on: [] }
          pair.on.push(resource)
          pairs.set(key, pair)
        }
        open.push(s)
      }
    }
    const warnings = [...pairs.values()].slice(0, MAX_CLASH_WARNINGS).map(
      (p) =>
        new ImportMessage({
          file: p.a.id,
          line: 0,
          code: "DOUBLE_BOOKED",
          message: `"${p.a.name}" (${new Date(p.a.start).toISOString()}) and "${p.b.name}" (${new Date(p.b.start).toISOString()}, course ${p.b.id}) overlap on ${p.on.join(", ")}`
        })
    )
    if (pairs.size > MAX_CLASH_WARNINGS)
      warnings.push(
        new ImportMessage({
          file: "calendar",
          line: 0,
          code: "DOUBLE_BOOKED",
          message: `${pairs.size - MAX_CLASH_WARNINGS} more double bookings not listed`
        })
      )
    return warnings
  }).pipe(Effect.withSpan("Timetable.findClashes"))
