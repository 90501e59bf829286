/**
 * Recurrence expansion: events to occurrences, within the window, the horizon and the limits.
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */
import ICAL from "ical.js"
import {
  MAX_EVENT_RULE_STEPS,
  MAX_FILE_OCCURRENCES,
  MAX_FILE_RULE_STEPS,
  MAX_ITERATIONS,
  MAX_OCCURRENCES,
  MAX_WINDOW_YEARS,
  type Meter,
  meterRules,
  RuleBudgetExceeded,
  slice
} from "./limits.js"
import type { Issues } from "./lines.js"
import { applyRule, type Compiled, textProp } from "./mapping.js"
import { type EndSpec, type EventInfo, endOf, errorText, instantOf, iso } from "./parse.js"
import type { Occurrence, TimetableMapping } from "./types.js"
import { HOUR } from "./zones.js"

/** Expands every master with its overrides, applies the window, mapping and de-duplication. */
export function* expand(
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
