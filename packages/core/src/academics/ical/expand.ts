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
import { applyRule, type Compiled, markedCancelled, textProp } from "./mapping.js"
import { type EventInfo, endOf, errorText, instantOf, iso } from "./parse.js"
import type { Occurrence, TimetableMapping } from "./types.js"
import { HOUR } from "./zones.js"

/** The expansion window: [`start`, `end`) in ms, and whether the mapping gave it. */
interface Window {
  readonly explicit: boolean
  readonly start: number
  readonly end: number
}

/**
 * The window occurrences are kept in: the mapping's, else from the first
 * event's start up to `seriesEnd` (when it is after that start) or else for a
 * year; never further than MAX_WINDOW_YEARS after its start.
 */
const windowOf = (events: ReadonlyArray<EventInfo>, m: TimetableMapping, seriesEnd: number | null): Window => {
  const firstStart = events.reduce((min, e) => Math.min(min, e.startMs), Number.POSITIVE_INFINITY)
  const start = m.windowStart !== undefined ? Date.parse(m.windowStart) : firstStart
  const defaultEnd = seriesEnd !== null && seriesEnd > start ? seriesEnd : addYears(start, 1)
  // The horizon: never further than MAX_WINDOW_YEARS after the window start.
  const end = Math.min(
    m.windowEnd !== undefined ? Date.parse(m.windowEnd) : defaultEnd,
    addYears(start, MAX_WINDOW_YEARS)
  )
  return { explicit: m.windowStart !== undefined || m.windowEnd !== undefined, start, end }
}

/** What the mapping makes of one VEVENT: the same for all of its occurrences. */
interface Mapped {
  readonly name: string
  readonly classroomCode: string | null
  readonly groupCode: string | null
  readonly teacherRef: string | null
  readonly cancelledBy: Occurrence["cancelledBy"]
}

/** The state of one file's expansion, shared by its steps. */
interface Expansion {
  readonly compiled: Compiled
  readonly issues: Issues
  readonly meter: Meter
  readonly window: Window
  /** The occurrences so far (before de-duplication). */
  readonly out: Array<Occurrence>
  /** Events mapped so far: each is mapped (and warned about) once, not once per occurrence. */
  readonly mapped: Map<EventInfo, Mapped>
  /** Set once the file passed MAX_FILE_OCCURRENCES or MAX_FILE_RULE_STEPS: expansion stops everywhere. */
  overFileLimit: boolean
}

const inWindow = (w: Window, ms: number) => ms >= w.start && ms < w.end

/**
 * Maps one event (master or override) by the mapping's rules; warnings
 * (MAPPING_NO_MATCH, MISSING_SUMMARY) are given here, so once per event.
 */
const mapEvent = (x: Expansion, info: EventInfo): Mapped => {
  const { compiled, issues } = x
  const comp = info.comp
  const pick = (field: string, r: Compiled["classroom"]) => {
    if (r === null) return null
    const { value, unmatched } = applyRule(comp, r)
    if (unmatched) issues.warn("MAPPING_NO_MATCH", `${field} pattern does not match ${r.from}`, info.line, info.uid)
    return value
  }
  let name = pick("courseName", compiled.courseName) ?? textProp(comp, "summary")?.trim() ?? ""
  if (name === "") {
    issues.warn("MISSING_SUMMARY", 'no SUMMARY; named "(untitled)"', info.line, info.uid)
    name = "(untitled)"
  }
  const cancelledBy = info.methodCancel
    ? "METHOD"
    : (textProp(comp, "status") ?? "").trim().toUpperCase() === "CANCELLED"
      ? "STATUS"
      : compiled.cancelled !== null && markedCancelled(comp, compiled.cancelled)
        ? "MARKER"
        : null
  return {
    name,
    classroomCode: pick("classroom", compiled.classroom),
    groupCode: pick("group", compiled.group),
    teacherRef: pick("teacher", compiled.teacher),
    cancelledBy
  }
}

/** Adds one instance of an event (mapped once per event, see {@link mapEvent}) as an occurrence. */
const emit = (
  x: Expansion,
  info: EventInfo,
  startMs: number,
  endMs: number,
  originalMs: number,
  recurring: boolean
) => {
  let mapped = x.mapped.get(info)
  if (mapped === undefined) {
    mapped = mapEvent(x, info)
    x.mapped.set(info, mapped)
  }
  x.meter.slice++
  x.out.push({
    uid: info.uid,
    recurrenceId: recurring ? iso(originalMs) : null,
    sourceKey: `${info.uid}|${iso(originalMs)}`,
    name: mapped.name,
    startAt: iso(startMs),
    endAt: iso(Math.max(endMs, startMs)),
    classroomCode: mapped.classroomCode,
    groupCode: mapped.groupCode,
    teacherRef: mapped.teacherRef,
    cancelled: mapped.cancelledBy !== null,
    cancelledBy: mapped.cancelledBy,
    line: info.line
  })
}

/** Reports an exception of ical.js's iterator: a step budget ran out, or the rule is invalid. */
const reportFailure = (x: Expansion, e: unknown, master: EventInfo, uid: string) => {
  if (e instanceof RuleBudgetExceeded && e.scope === "file") {
    x.issues.error(
      "FILE_TOO_COSTLY",
      `the calendar's recurrence rules need more than ${MAX_FILE_RULE_STEPS} iteration steps (MAX_FILE_RULE_STEPS, the limit per file; passed at the event of line ${master.line}); split it or simplify its rules`,
      master.line
    )
    x.overFileLimit = true
  } else if (e instanceof RuleBudgetExceeded) {
    x.issues.error(
      "RRULE_TOO_COSTLY",
      `the recurrence rule needs more than ${MAX_EVENT_RULE_STEPS} iteration steps (MAX_EVENT_RULE_STEPS, the limit per event): it matches too rarely or never; event skipped`,
      master.line,
      uid
    )
  } else {
    x.issues.error("INVALID_RRULE", `recurrence cannot be expanded (${errorText(e)}); event skipped`, master.line, uid)
  }
}

/**
 * Whether the expansion of a master must stop before `originalMs` (the end
 * of the window, the file's occurrence limit, the per-event caps); reports
 * why. `"capped"` when the per-event cap stopped it.
 */
const stopBefore = (
  x: Expansion,
  master: EventInfo,
  uid: string,
  originalMs: number,
  bounded: boolean,
  recurring: boolean,
  counts: { readonly iterations: number; readonly emitted: number }
): "go" | "stop" | "capped" => {
  const { issues } = x
  if (bounded && originalMs >= x.window.end) {
    if (recurring) {
      issues.warn(
        "RRULE_TRUNCATED",
        `recurrence expanded up to ${iso(x.window.end)}; later occurrences ignored`,
        master.line,
        uid
      )
    }
    return "stop"
  }
  if (x.out.length >= MAX_FILE_OCCURRENCES) {
    if (!x.overFileLimit)
      issues.error(
        "TOO_MANY_OCCURRENCES",
        `the calendar expands to more than ${MAX_FILE_OCCURRENCES} occurrences (MAX_FILE_OCCURRENCES, the limit per file; passed at the event of line ${master.line}); split it or give a narrower window`,
        master.line
      )
    x.overFileLimit = true
    return "stop"
  }
  if (counts.iterations > MAX_ITERATIONS || counts.emitted >= MAX_OCCURRENCES) {
    issues.warn(
      "OCCURRENCE_CAP",
      `more than ${MAX_OCCURRENCES} occurrences (or ${MAX_ITERATIONS} iterations); expansion stopped`,
      master.line,
      uid
    )
    return "capped"
  }
  return "go"
}

/**
 * Expands one master's recurrence set (RRULE, RDATE, EXDATE) with its
 * overrides (`related`), marking the overrides it placed in `consumed`.
 * Answers whether the per-event cap stopped it.
 */
function* expandMaster(
  x: Expansion,
  uid: string,
  master: EventInfo,
  related: ReadonlyArray<EventInfo>,
  consumed: Set<EventInfo>
): Generator<void, boolean> {
  const { compiled, meter } = x
  const byComp = new Map(related.map((o) => [o.comp, o]))
  includeDtstart(master.comp)
  const event = new ICAL.Event(master.comp, { exceptions: related.map((o) => o.comp) })
  const recurring = event.isRecurring()
  const bounded = recurring || x.window.explicit
  const spec = master.ownEnd!
  const counts = { emitted: 0, iterations: 0 }
  meter.event = 0
  meterRules(master.comp, meter)
  const mark = x.out.length
  const fail = (e: unknown) => {
    x.out.length = mark // the event is skipped: none of its occurrences stays
    reportFailure(x, e, master, uid)
    return false
  }
  let iterator: ICAL.RecurExpansion
  try {
    iterator = event.iterator()
  } catch (e) {
    return fail(e)
  }
  for (;;) {
    yield* slice(meter)
    let next: ICAL.Time | null
    try {
      next = iterator.next()
    } catch (e) {
      return fail(e)
    }
    if (!next) return false
    const originalMs = instantOf(next, compiled.defaultZone)
    counts.iterations++
    const stop = stopBefore(x, master, uid, originalMs, bounded, recurring, counts)
    if (stop !== "go") return stop === "capped"
    if (bounded && !inWindow(x.window, originalMs)) continue
    const details = event.getOccurrenceDetails(next)
    const override = details.item === event ? undefined : byComp.get(details.item.component)
    // details.startDate is the override's DTSTART, or for a
    // RANGE=THISANDFUTURE override this instance shifted by it.
    const start = details.startDate
    const startMs = instantOf(start, compiled.defaultZone)
    if (override !== undefined) {
      consumed.add(override)
      const overrideSpec = override.ownEnd ?? spec
      emit(x, override, startMs, endOf(start, startMs, overrideSpec, compiled.defaultZone), originalMs, true)
    } else {
      emit(x, master, startMs, endOf(start, startMs, spec, compiled.defaultZone), originalMs, recurring)
    }
    counts.emitted++
  }
}

/**
 * Keeps the overrides that match no generated instance (no master,
 * EXDATE'd, not in the RRULE): calendar apps still show them (warning
 * ORPHAN_OVERRIDE, except for a METHOD:CANCEL instance cancellation, which
 * comes without its master by design). Each starts
 * and ends on its own (the master's duration when it has no end of its own).
 */
const keepOrphans = (
  x: Expansion,
  uid: string,
  masters: ReadonlyArray<EventInfo>,
  overrides: ReadonlyArray<EventInfo>,
  consumed: ReadonlySet<EventInfo>
) => {
  const { compiled, issues } = x
  for (const o of overrides) {
    if (consumed.has(o)) continue
    const recurrenceId = o.comp.getFirstPropertyValue("recurrence-id") as ICAL.Time
    const originalMs = instantOf(recurrenceId, compiled.defaultZone)
    if ((masters.length > 0 || x.window.explicit) && !inWindow(x.window, originalMs)) continue
    // An RFC 5546 instance cancellation comes without its master by design.
    if (!(o.methodCancel && masters.length === 0)) {
      issues.warn(
        "ORPHAN_OVERRIDE",
        masters.length === 0
          ? `RECURRENCE-ID ${iso(originalMs)} without a master event; imported on its own`
          : `RECURRENCE-ID ${iso(originalMs)} matches no instance of the master; imported on its own`,
        o.line,
        uid
      )
    }
    const start = o.comp.getFirstPropertyValue("dtstart") as ICAL.Time
    const spec = o.ownEnd ?? masters[0]?.ownEnd ?? { kind: "exact" as const, ms: HOUR }
    emit(x, o, o.startMs, endOf(start, o.startMs, spec, compiled.defaultZone), originalMs, true)
  }
}

/** Expands the events of one UID: each master (the first with the overrides), then the orphan overrides. */
function* expandGroup(x: Expansion, uid: string, group: ReadonlyArray<EventInfo>): Generator<void, void> {
  const masters = group.filter((e) => !e.isOverride)
  const overrides = group.filter((e) => e.isOverride)
  if (masters.length > 1) {
    x.issues.warn(
      "DUPLICATE_UID",
      `${masters.length} VEVENTs share UID ${uid}; each is expanded`,
      masters[1]!.line,
      uid
    )
  }
  const consumed = new Set<EventInfo>()
  let capped = false
  for (const [index, master] of masters.entries()) {
    if (x.overFileLimit) break
    const stopped = yield* expandMaster(x, uid, master, index === 0 ? overrides : [], consumed)
    if (stopped) capped = index === 0
  }
  if (!capped) keepOrphans(x, uid, masters, overrides, consumed)
}

/**
 * The occurrences without duplicates, by start then source key. Duplicates
 * (two VEVENTs of one UID giving the same instance) are reported once per
 * UID with their count and the first one's source key.
 */
const dedupe = (out: ReadonlyArray<Occurrence>, issues: Issues) => {
  const seen = new Map<string, Occurrence>()
  const dropped = new Map<string, { first: Occurrence; count: number }>()
  for (const o of out) {
    if (!seen.has(o.sourceKey)) {
      seen.set(o.sourceKey, o)
      continue
    }
    const d = dropped.get(o.uid)
    if (d === undefined) dropped.set(o.uid, { first: o, count: 1 })
    else d.count++
  }
  for (const [uid, { first, count }] of dropped) {
    issues.warn(
      "DUPLICATE_OCCURRENCE",
      `${count} duplicate occurrence(s) of UID ${uid} ignored (the first: ${first.sourceKey})`,
      first.line,
      uid
    )
  }
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
  return [...seen.values()].sort((a, b) => compare(a.startAt, b.startAt) || compare(a.sourceKey, b.sourceKey))
}

/**
 * Expands every master with its overrides, applies the window (see
 * {@link windowOf}; `seriesEnd` in ms or null), mapping and de-duplication.
 */
export function* expand(
  events: ReadonlyArray<EventInfo>,
  compiled: Compiled,
  m: TimetableMapping,
  seriesEnd: number | null,
  issues: Issues,
  meter: Meter
): Generator<void, Array<Occurrence>> {
  const x: Expansion = {
    compiled,
    issues,
    meter,
    window: windowOf(events, m, seriesEnd),
    out: [],
    mapped: new Map(),
    overFileLimit: false
  }
  const byUid = new Map<string, Array<EventInfo>>()
  for (const e of events) byUid.set(e.uid, [...(byUid.get(e.uid) ?? []), e])
  for (const [uid, group] of byUid) {
    if (x.overFileLimit) break
    const mark = x.out.length
    try {
      yield* expandGroup(x, uid, group)
    } catch (e) {
      x.out.length = mark // all or nothing per UID
      const what = group.length > 1 ? `the ${group.length} VEVENTs of this UID` : "the event"
      issues.error("EVENT_INVALID", `${what} cannot be expanded (${errorText(e)}); event skipped`, group[0]!.line, uid)
    }
  }
  return dedupe(x.out, issues)
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
