/**
 * Issue 16, parser side: error classes (event errors carry uid and line,
 * file errors do not — `isFatal`), RFC 5546 METHOD:CANCEL, cancellation
 * markers, teachers by name, floating zone, series to the school year's end,
 * and warnings given once per event. Synthetic files built in the tests; the
 * shared University of Leeds timetable (../shared/data/ics) where it applies.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import {
  type IcsIssue,
  isFatal,
  LIMIT_CODES,
  MAX_TEACHER_ALIASES,
  normalizeTeacherRef,
  parseMapping,
  parseTimetable,
  parseTimetableEffect,
  type TimetableMapping
} from "@signet/core/academics/ICalendar"
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"

const SHARED = Path.resolve(__dirname, "../../../../shared/data/ics")
const LEEDS = Path.join(SHARED, "ITSLeeds-TDS/timetable.ics")
const hasShared = Fs.existsSync(LEEDS)
if (!hasShared) console.warn(`icalendar-issue16.test: ${LEEDS} is absent; the shared-data cases are skipped`)
const leeds = () => Fs.readFileSync(LEEDS, "utf8")

/** A VCALENDAR around the given content lines, CRLF-terminated. */
const cal = (...lines: Array<string>) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Test//EN", ...lines, "END:VCALENDAR", ""].join("\r\n")

const vevent = (...lines: Array<string>) => ["BEGIN:VEVENT", "DTSTAMP:20240101T000000Z", ...lines, "END:VEVENT"]

/** A one-hour lesson on 2 September 2024 (UTC) at `hour`. */
const lesson = (uid: string, summary: string, hour: number, ...more: Array<string>) =>
  vevent(
    `UID:${uid}`,
    `SUMMARY:${summary}`,
    `DTSTART:20240902T${String(hour).padStart(2, "0")}0000Z`,
    `DTEND:20240902T${String(hour + 1).padStart(2, "0")}0000Z`,
    ...more
  )

const codes = (issues: ReadonlyArray<IcsIssue>) => issues.map((i) => i.code)

/** The physical line of the `n`-th (0-based) BEGIN:VEVENT of a text. */
const beginLine = (text: string, n: number) =>
  text
    .split("\r\n")
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => l === "BEGIN:VEVENT")[n]![1]

describe("error classes: an event error skips that event, a file error refuses the file (issue 16)", () => {
  it("one event with DTEND before DTSTART: the other events' occurrences and one non-fatal error with uid and line", () => {
    const text = cal(
      ...lesson("a", "Maths", 8),
      ...lesson("b", "Physics", 9),
      ...vevent("UID:broken", "SUMMARY:Chemistry", "DTSTART:20240902T110000Z", "DTEND:20240902T100000Z"),
      ...lesson("c", "Biology", 12)
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => o.uid)).toEqual(["a", "b", "c"])
    expect(plan.errors).toHaveLength(1)
    const error = plan.errors[0]!
    expect(error).toMatchObject({ code: "DTEND_BEFORE_DTSTART", uid: "broken", line: beginLine(text, 2) })
    expect(error.message).toMatch(/event skipped$/)
    expect(isFatal(error)).toBe(false)
  })

  it("an event without UID that cannot be read is named by its synthesized UID, the same one a good copy would get", () => {
    const bad = vevent("SUMMARY:Art", "DTSTART:20240902T100000Z", "RRULE:FREQ=SOMETIMES")
    const good = vevent("SUMMARY:Art", "DTSTART:20240902T100000Z", "RRULE:FREQ=WEEKLY;COUNT=1")
    const badPlan = parseTimetable(cal(...bad))
    expect(codes(badPlan.errors)).toEqual(["INVALID_PROPERTY"])
    const uid = badPlan.errors[0]!.uid
    expect(uid).toMatch(/@synthesized\.signet$/)
    expect(isFatal(badPlan.errors[0]!)).toBe(false)
    expect(parseTimetable(cal(...good)).occurrences[0]!.uid).toBe(uid)
  })

  it("an unparseable essential property is reported on the event's BEGIN:VEVENT line, naming the property's line", () => {
    const text = cal(...lesson("ok", "Maths", 8), ...lesson("bad-rule", "Music", 9, "RRULE:FREQ=SOMETIMES"))
    const plan = parseTimetable(text)
    expect(plan.errors).toHaveLength(1)
    const ruleLine = text.split("\r\n").indexOf("RRULE:FREQ=SOMETIMES") + 1
    expect(plan.errors[0]).toMatchObject({ code: "INVALID_PROPERTY", uid: "bad-rule", line: beginLine(text, 1) })
    expect(plan.errors[0]!.message).toContain(`line ${ruleLine}`)
    expect(plan.occurrences.map((o) => o.uid)).toEqual(["ok"])
  })

  it("every event error carries a uid and a line, and says the event was skipped", () => {
    const text = cal(
      ...vevent("UID:e1", "SUMMARY:A", "DTSTART:20240902T100000Z", "RRULE:FREQ=SOMETIMES"),
      ...vevent("UID:e2", "SUMMARY:B", "DTSTART:20241302T100000Z"),
      ...vevent("UID:e3", "SUMMARY:C"),
      ...vevent("UID:e4", "SUMMARY:D", "DTSTART:20240902T100000Z", "DURATION:-PT1H"),
      ...vevent("UID:e5", "SUMMARY:E", "DTSTART:20240902T100000Z", "RRULE:FREQ=SECONDLY;COUNT=2"),
      ...vevent("UID:e6", "SUMMARY:F", "DTSTART:20240902T100000Z", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),
      ...vevent("SUMMARY:G", "DTSTART:20240902T100000Z", "DTEND:20240902T090000Z")
    )
    const plan = parseTimetable(text)
    expect(plan.errors).toHaveLength(7)
    for (const [i, e] of plan.errors.entries()) {
      expect(e.uid).not.toBeNull()
      expect(e.line).toBe(beginLine(text, i))
      expect(e.message).toMatch(/event skipped$/)
      // Resource limits refuse the file even when one event passes them (issue 15 §1).
      expect(isFatal(e)).toBe(LIMIT_CODES.has(e.code))
    }
    expect(plan.errors.filter(isFatal).map((e) => e.code)).toEqual(["RRULE_FREQUENCY", "RRULE_NEVER_MATCHES"])
  })

  it("file errors have no uid and are fatal: unreadable file, invalid mapping, invalid options", () => {
    const unreadable = parseTimetable("hello world")
    const mapping = parseTimetable(cal(...lesson("a", "Maths", 8)), { timezone: "Mars/Olympus" })
    const options = parseTimetable(cal(...lesson("a", "Maths", 8)), {}, { seriesEnd: "end of June" })
    expect([unreadable, mapping, options].map((p) => codes(p.errors))).toEqual([
      ["NO_VCALENDAR"],
      ["INVALID_MAPPING"],
      ["INVALID_OPTIONS"]
    ])
    for (const p of [unreadable, mapping, options]) {
      expect(p.errors[0]!.uid).toBeNull()
      expect(isFatal(p.errors[0]!)).toBe(true)
      expect(p.occurrences).toEqual([])
    }
  })

  it("passing the per-file occurrence limit is fatal (uid null) even though it is detected at one event", () => {
    const events = Array.from({ length: 20 }, (_, i) =>
      vevent(`UID:bomb-${i}`, "SUMMARY:Tick", "DTSTART:20260105T080000Z", "RRULE:FREQ=HOURLY;COUNT=5000")
    ).flat()
    const plan = parseTimetable(cal(...events))
    const limit = plan.errors.find((e) => e.code === "TOO_MANY_OCCURRENCES")!
    expect(LIMIT_CODES.has(limit.code)).toBe(true)
    expect(limit.uid).toBeNull()
    expect(limit.line).not.toBeNull()
    expect(isFatal(limit)).toBe(true)
  })

  it("a per-event limit skips that event with none of its occurrences, names it, and is fatal (issue 15 §1)", () => {
    // 24 hourly matches on 29 February 2024, then none for four years: the step budget runs out mid-expansion.
    const text = cal(
      ...lesson("fine", "Maths", 8),
      ...vevent("UID:rare", "SUMMARY:Leap day", "DTSTART:20240229T000000Z", "RRULE:FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29")
    )
    const plan = parseTimetable(text)
    expect(plan.errors.map((e) => [e.code, e.uid, e.line, isFatal(e)])).toEqual([
      ["RRULE_TOO_COSTLY", "rare", beginLine(text, 1), true]
    ])
    expect(plan.occurrences.map((o) => o.uid)).toEqual(["fine"])
  })

  it.skipIf(!hasShared)("Leeds timetable with one event made invalid: 10 occurrences and one event error", () => {
    const text = leeds().replace("DTEND:20240208T120000", "DTEND:20240208T080000")
    const plan = parseTimetable(text)
    expect(plan.occurrences).toHaveLength(10)
    expect(plan.errors).toEqual([
      expect.objectContaining({
        code: "DTEND_BEFORE_DTSTART",
        uid: "ical-85624427-69da-4dd7-bf08-ab5b8b7516a2",
        line: 14
      })
    ])
    expect(plan.errors.some(isFatal)).toBe(false)
  })
})

describe("RFC 5546 METHOD:CANCEL (issue 16)", () => {
  const cancel = (...lines: Array<string>) => cal("METHOD:CANCEL", ...lines)

  it("an event without RECURRENCE-ID cancels the whole series: listed once in cancelledSeries, its occurrences METHOD", () => {
    const text = cancel(
      ...vevent(
        "UID:series",
        "SEQUENCE:1",
        "SUMMARY:Chemistry",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=3"
      ),
      ...vevent("UID:series", "SUMMARY:Chemistry", "DTSTART:20240902T090000Z", "DTEND:20240902T100000Z")
    )
    const plan = parseTimetable(text)
    expect(plan.errors).toEqual([])
    expect(plan.cancelledSeries).toEqual([{ uid: "series", line: beginLine(text, 0) }])
    expect(plan.occurrences.length).toBeGreaterThan(0)
    for (const o of plan.occurrences) expect([o.cancelled, o.cancelledBy]).toEqual([true, "METHOD"])
  })

  it("a series cancellation without DTSTART (RFC 5546 allows it) is listed, with no occurrence and no error", () => {
    const plan = parseTimetable(cancel(...vevent("UID:gone", "SEQUENCE:2", "ORGANIZER:mailto:office@school.example")))
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.cancelledSeries.map((c) => c.uid)).toEqual(["gone"])
    expect(plan.occurrences).toEqual([])
  })

  it("an event with RECURRENCE-ID cancels only that instance", () => {
    const text = cancel(
      ...vevent(
        "UID:weekly",
        "RECURRENCE-ID:20240909T090000Z",
        "SUMMARY:Chemistry",
        "DTSTART:20240909T090000Z",
        "DTEND:20240909T100000Z"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.cancelledSeries).toEqual([])
    expect(plan.occurrences.map((o) => [o.sourceKey, o.cancelled, o.cancelledBy])).toEqual([
      ["weekly|2024-09-09T09:00:00.000Z", true, "METHOD"]
    ])
    expect(plan.warnings).toEqual([]) // no ORPHAN_OVERRIDE: a CANCEL of one instance comes without its master
  })

  it("an instance cancellation without DTSTART is placed at its RECURRENCE-ID", () => {
    const plan = parseTimetable(cancel(...vevent("UID:weekly", "RECURRENCE-ID:20240909T090000Z", "SEQUENCE:1")))
    expect(plan.errors).toEqual([])
    expect(plan.occurrences.map((o) => [o.sourceKey, o.startAt, o.cancelledBy])).toEqual([
      ["weekly|2024-09-09T09:00:00.000Z", "2024-09-09T09:00:00.000Z", "METHOD"]
    ])
  })

  it("STATUS:CANCELLED outside METHOD:CANCEL keeps cancelledBy STATUS and cancels no series", () => {
    const plan = parseTimetable(cal("METHOD:PUBLISH", ...lesson("s", "Maths", 8, "STATUS:CANCELLED")))
    expect(plan.cancelledSeries).toEqual([])
    expect(plan.occurrences.map((o) => [o.cancelled, o.cancelledBy])).toEqual([[true, "STATUS"]])
  })

  it.skipIf(!hasShared)(
    "Leeds timetable: PUBLISH cancels nothing; re-sent as CANCEL, its 11 series are cancelled",
    () => {
      const published = parseTimetable(leeds())
      expect(published.cancelledSeries).toEqual([])
      expect(published.occurrences.every((o) => !o.cancelled && o.cancelledBy === null)).toBe(true)
      const cancelled = parseTimetable(leeds().replace("METHOD:PUBLISH", "METHOD:CANCEL"))
      expect(cancelled.cancelledSeries).toHaveLength(11)
      expect(new Set(cancelled.cancelledSeries.map((c) => c.uid))).toEqual(
        new Set(published.occurrences.map((o) => o.uid))
      )
      expect(cancelled.occurrences.every((o) => o.cancelledBy === "METHOD")).toBe(true)
    }
  )
})

describe("cancellation markers in the text (issue 16)", () => {
  const mapping: TimetableMapping = { cancelled: { patterns: ["ENTFÄLLT", "cancel+ed"] } }

  it("a marker in SUMMARY or DESCRIPTION cancels the occurrence (MARKER), case-insensitively by default", () => {
    const text = cal(
      ...lesson("m1", "Mathe ENTFÄLLT", 8),
      ...lesson("m2", "Physics", 9, "DESCRIPTION:Lesson Cancelled (teacher ill)"),
      ...lesson("m3", "Chemie entfällt", 10),
      ...lesson("m4", "Biology", 11, "DESCRIPTION:Bring goggles")
    )
    const plan = parseTimetable(text, mapping)
    expect(plan.occurrences.map((o) => [o.uid, o.cancelled, o.cancelledBy])).toEqual([
      ["m1", true, "MARKER"],
      ["m2", true, "MARKER"],
      ["m3", true, "MARKER"],
      ["m4", false, null]
    ])
  })

  it("caseSensitive: true matches the case as written; `from` limits where markers are looked for", () => {
    const text = cal(...lesson("m1", "Mathe entfällt", 8), ...lesson("m2", "Physics", 9, "DESCRIPTION:ENTFÄLLT"))
    const strict = parseTimetable(text, { cancelled: { patterns: ["ENTFÄLLT"], caseSensitive: true } })
    expect(strict.occurrences.map((o) => o.cancelled)).toEqual([false, true])
    const summaryOnly = parseTimetable(text, { cancelled: { patterns: ["ENTFÄLLT"], from: ["SUMMARY"] } })
    expect(summaryOnly.occurrences.map((o) => o.cancelled)).toEqual([true, false])
  })

  it("markers in CATEGORIES and STATUS values", () => {
    const text = cal(
      ...lesson("c1", "Art", 8, "CATEGORIES:Year 9,Vertretung"),
      ...lesson("c2", "Music", 9, "STATUS:TENTATIVE")
    )
    const plan = parseTimetable(text, {
      cancelled: { patterns: ["^vertretung$", "tentative"], from: ["CATEGORIES", "STATUS"] }
    })
    expect(plan.occurrences.map((o) => o.cancelledBy)).toEqual(["MARKER", "MARKER"])
  })

  it("STATUS:CANCELLED wins over a marker (cancelledBy STATUS)", () => {
    const plan = parseTimetable(cal(...lesson("s", "Maths cancelled", 8, "STATUS:CANCELLED")), mapping)
    expect(plan.occurrences[0]!.cancelledBy).toBe("STATUS")
  })

  it("a marker in an override cancels that instance only", () => {
    const text = cal(
      ...vevent(
        "UID:w",
        "SUMMARY:Maths",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=3"
      ),
      ...vevent(
        "UID:w",
        "RECURRENCE-ID:20240909T090000Z",
        "SUMMARY:Maths ENTFÄLLT",
        "DTSTART:20240909T090000Z",
        "DTEND:20240909T100000Z"
      )
    )
    const plan = parseTimetable(text, mapping)
    expect(plan.occurrences.map((o) => o.cancelledBy)).toEqual([null, "MARKER", null])
  })

  it("parseMapping validates the rule: patterns compile, sources known, limits, no unknown keys", () => {
    expect(parseMapping(JSON.stringify(mapping))).toEqual(mapping)
    const failure = (value: unknown) => {
      try {
        parseMapping(JSON.stringify(value))
      } catch (e) {
        return String((e as Error).message)
      }
      throw new Error("expected parseMapping to fail")
    }
    expect(failure({ cancelled: { patterns: ["(unclosed"] } })).toMatch(
      /\["cancelled"\][\s\S]*invalid regular expression/
    )
    expect(failure({ cancelled: { patterns: [] } })).toMatch(/\["cancelled"\][\s\S]*1 to 50 patterns/)
    expect(failure({ cancelled: { patterns: ["x"], from: ["ROOM"] } })).toMatch(/\["from"\][\s\S]*"ROOM"/)
    expect(failure({ cancelled: { patterns: ["x"], ignorecase: true } })).toContain(`["ignorecase"]`)
    expect(failure({ cancelled: { patterns: ["x".repeat(501)] } })).toContain("MAX_CANCEL_PATTERN_LENGTH")
  })

  it.skipIf(!hasShared)("Leeds timetable: a marker matching the three deadlines cancels exactly those", () => {
    const plan = parseTimetable(leeds(), { cancelled: { patterns: ["\\bdeadline\\b"], from: ["SUMMARY"] } })
    expect(plan.occurrences.filter((o) => o.cancelled).map((o) => o.name)).toEqual([
      "TDS deadline 1",
      "TDS deadline 2",
      "TDS deadline 3"
    ])
  })
})

describe("teachers by name (issue 16)", () => {
  const text = cal(
    ...lesson(
      "t1",
      "Maths",
      8,
      'ORGANIZER;CN="DR. D. W. KAMOTHO":mailto:office@school.example',
      "ATTENDEE;CN=Student One:mailto:s1@school.example",
      "ATTENDEE;ROLE=CHAIR;CN=KMT:mailto:kmt@school.example"
    )
  )

  it("ORGANIZER_NAME and ATTENDEE_NAME take the CN of those properties (chairs first); patterns apply", () => {
    const ref = (teacher: NonNullable<TimetableMapping["teacher"]>) =>
      parseTimetable(text, { teacher }).occurrences[0]!.teacherRef
    expect(ref({ from: "ORGANIZER_NAME" })).toBe("DR. D. W. KAMOTHO")
    expect(ref({ from: "ATTENDEE_NAME" })).toBe("KMT")
    expect(ref({ from: "ORGANIZER_NAME", pattern: "(\\w+)$" })).toBe("KAMOTHO")
    expect(ref({ from: "ORGANIZER" })).toBe("office@school.example")
  })

  it("normalizeTeacherRef: trims, collapses spaces, strips surrounding dots and commas, folds case", () => {
    expect(normalizeTeacherRef("  Dr. D.  W.\tKAMOTHO. ")).toBe("dr. d. w. kamotho")
    expect(normalizeTeacherRef("KMT,")).toBe("kmt")
    expect(normalizeTeacherRef("...Müller;")).toBe("müller")
    expect(normalizeTeacherRef("STRAUSS")).toBe(normalizeTeacherRef("Strauß"))
    expect(normalizeTeacherRef(" . , ")).toBe("")
  })

  it("property: normalizeTeacherRef is idempotent and ignores case, spacing and surrounding dots or commas", () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom("", " ", ".", ", ", " .\t"), (s, pad) => {
        const n = normalizeTeacherRef(s)
        expect(normalizeTeacherRef(n)).toBe(n)
        expect(normalizeTeacherRef(`${pad}${s.toUpperCase().replace(/ /g, "  ")}${pad}`)).toBe(n)
      })
    )
  })

  it("the mapping's teachers fill plan.teacherAliases with normalized keys, resolving the rule's picks", () => {
    const plan = parseTimetable(text, {
      teacher: { from: "ORGANIZER_NAME" },
      teachers: { "Dr. D. W. Kamotho": " kamotho@school.edu ", KMT: "kamotho@school.edu", "MS X": "xlogin" }
    })
    expect({ ...plan.teacherAliases }).toEqual({
      "dr. d. w. kamotho": "kamotho@school.edu",
      kmt: "kamotho@school.edu",
      "ms x": "xlogin"
    })
    const ref = plan.occurrences[0]!.teacherRef!
    expect(plan.teacherAliases[normalizeTeacherRef(ref)]).toBe("kamotho@school.edu")
    expect(plan.teacherAliases[normalizeTeacherRef("constructor")]).toBeUndefined()
  })

  it("without teachers in the mapping the aliases are empty", () => {
    expect({ ...parseTimetable(text).teacherAliases }).toEqual({})
  })

  it("parseMapping validates teachers: size limit, alias length, empty targets, conflicting aliases", () => {
    const failure = (value: unknown) => {
      try {
        parseMapping(JSON.stringify(value))
      } catch (e) {
        return String((e as Error).message)
      }
      throw new Error("expected parseMapping to fail")
    }
    const many = Object.fromEntries(Array.from({ length: MAX_TEACHER_ALIASES + 1 }, (_, i) => [`T${i}`, `t${i}`]))
    expect(failure({ teachers: many })).toContain("MAX_TEACHER_ALIASES")
    expect(failure({ teachers: { ["A".repeat(201)]: "a" } })).toContain("MAX_TEACHER_ALIAS_LENGTH")
    expect(failure({ teachers: { "..": "a" } })).toContain("MAX_TEACHER_ALIAS_LENGTH")
    expect(failure({ teachers: { KMT: " " } })).toMatch(/\["teachers"\][\s\S]*login or an e-mail/)
    expect(failure({ teachers: { KMT: "a@x", "kmt.": "b@x" } })).toMatch(/same alias \("kmt"\)/)
    expect(failure({ teacher: { from: "ORGANIZER_CN" } })).toMatch(/ORGANIZER_NAME/)
    expect(parseMapping(JSON.stringify({ teachers: { KMT: "a@x", "kmt.": "a@x" } }))).toEqual({
      teachers: { KMT: "a@x", "kmt.": "a@x" }
    })
  })

  it.skipIf(!hasShared)("Leeds timetable: seminar speakers picked from DESCRIPTION resolve through aliases", () => {
    const plan = parseTimetable(leeds(), {
      teacher: { from: "DESCRIPTION", pattern: "^Seminar \\d+: ([^,]+)" },
      teachers: { "TOM VAN VUREN": "vanvuren@leeds.example" }
    })
    const seminar = plan.occurrences.find((o) => o.name === "TDS seminar 1")!
    expect(seminar.teacherRef).toBe("Tom Van Vuren")
    expect(plan.teacherAliases[normalizeTeacherRef(seminar.teacherRef!)]).toBe("vanvuren@leeds.example")
  })
})

describe("floating zone (issue 16)", () => {
  it("is the mapping's zone when a time was floating, null when every time had its own zone", () => {
    const zoned = cal(
      ...lesson("z", "Maths", 8),
      ...vevent("UID:t", "SUMMARY:Art", "DTSTART;TZID=Europe/Berlin:20240902T100000")
    )
    expect(parseTimetable(zoned, { timezone: "Europe/London" }).floatingZone).toBeNull()
    const floating = cal(...lesson("z", "Maths", 8), ...vevent("UID:f", "SUMMARY:Art", "DTSTART:20240902T100000"))
    expect(parseTimetable(floating, { timezone: "Europe/London" }).floatingZone).toBe("Europe/London")
    expect(parseTimetable(floating).floatingZone).toBe("UTC")
  })

  it("all-day dates and unresolvable TZIDs also read in the mapping's zone", () => {
    const allDay = cal(...vevent("UID:d", "SUMMARY:Sports day", "DTSTART;VALUE=DATE:20240902"))
    expect(parseTimetable(allDay, { timezone: "Europe/Paris" }).floatingZone).toBe("Europe/Paris")
    const unknown = cal(...vevent("UID:u", "SUMMARY:Art", "DTSTART;TZID=Springfield Time:20240902T100000"))
    expect(parseTimetable(unknown, { timezone: "America/Chicago" }).floatingZone).toBe("America/Chicago")
  })

  it.skipIf(!hasShared)("Leeds timetable (floating times) reports the zone it was read in", () => {
    expect(parseTimetable(leeds(), { timezone: "Europe/London" }).floatingZone).toBe("Europe/London")
  })
})

describe("open-ended series to the school year's end (issue 16)", () => {
  const weekly = cal(
    ...vevent("UID:w", "SUMMARY:Maths", "DTSTART:20240902T080000Z", "DTEND:20240902T090000Z", "RRULE:FREQ=WEEKLY"),
    ...vevent("UID:once", "SUMMARY:Trip", "DTSTART:20260301T080000Z", "DTEND:20260301T090000Z")
  )
  const weeks = (plan: ReturnType<typeof parseTimetable>) => plan.occurrences.filter((o) => o.uid === "w")

  it("without seriesEnd an RRULE without UNTIL/COUNT stops one year after the window start", () => {
    const plan = parseTimetable(weekly)
    expect(weeks(plan)).toHaveLength(53) // 2024-09-02 … 2025-09-01
    expect(weeks(plan).at(-1)!.startAt).toBe("2025-09-01T08:00:00.000Z")
  })

  it("with seriesEnd it is expanded up to the end of the school year (exclusive), one-off events untouched", () => {
    const plan = parseTimetable(weekly, {}, { seriesEnd: "2025-07-19T00:00:00Z" })
    expect(weeks(plan).at(-1)!.startAt).toBe("2025-07-14T08:00:00.000Z")
    expect(weeks(plan)).toHaveLength(46)
    expect(plan.occurrences.at(-1)!.uid).toBe("once")
    expect(plan.warnings.find((w) => w.code === "RRULE_TRUNCATED")!.message).toContain("2025-07-19T00:00:00.000Z")
  })

  it("seriesEnd may lie beyond a year, but never beyond MAX_WINDOW_YEARS; the mapping's windowEnd wins", () => {
    const twoYears = parseTimetable(weekly, {}, { seriesEnd: "2026-07-18T00:00:00Z" })
    expect(weeks(twoYears).at(-1)!.startAt).toBe("2026-07-13T08:00:00.000Z")
    const far = parseTimetable(weekly, {}, { seriesEnd: "2040-01-01T00:00:00Z" })
    expect(weeks(far).at(-1)!.startAt < "2029-09-02").toBe(true)
    const mapped = parseTimetable(weekly, { windowEnd: "2024-09-20T00:00:00Z" }, { seriesEnd: "2025-07-19T00:00:00Z" })
    expect(weeks(mapped)).toHaveLength(3)
  })

  it("a seriesEnd before the window start is ignored (the one-year default applies)", () => {
    expect(weeks(parseTimetable(weekly, {}, { seriesEnd: "2024-01-01" }))).toHaveLength(53)
  })

  it("parseTimetableEffect takes the same options", async () => {
    const options = { seriesEnd: "2025-07-19T00:00:00Z" }
    const plan = await Effect.runPromise(parseTimetableEffect(weekly, {}, options))
    expect(plan).toEqual(parseTimetable(weekly, {}, options))
  })
})

describe("warnings once per event, not per occurrence (issue 16)", () => {
  it("a weekly series over a year with an unmatched pattern and no SUMMARY warns once of each", () => {
    const text = cal(
      ...vevent(
        "UID:w",
        "LOCATION:Sports hall",
        "DTSTART:20240902T080000Z",
        "DTEND:20240902T090000Z",
        "RRULE:FREQ=WEEKLY;UNTIL=20250714T080000Z"
      )
    )
    const plan = parseTimetable(text, { classroom: { from: "LOCATION", pattern: "^Room (\\w+)" } })
    expect(plan.occurrences).toHaveLength(46)
    expect(codes(plan.warnings).sort()).toEqual(["MAPPING_NO_MATCH", "MISSING_SUMMARY"])
  })

  it("a series duplicated under one UID warns once with the count, not once per duplicate occurrence", () => {
    const series = vevent(
      "UID:twice",
      "SUMMARY:Maths",
      "DTSTART:20240902T080000Z",
      "DTEND:20240902T090000Z",
      "RRULE:FREQ=WEEKLY;COUNT=40"
    )
    const plan = parseTimetable(cal(...series, ...series))
    expect(plan.occurrences).toHaveLength(40)
    expect(codes(plan.warnings)).toEqual(["DUPLICATE_UID", "DUPLICATE_OCCURRENCE"])
    expect(plan.warnings[1]!.message).toMatch(/^40 duplicate occurrence\(s\) of UID twice/)
  })
})

describe("docs/timetables.md (issue 16)", () => {
  const doc = Fs.readFileSync(Path.resolve(__dirname, "../../../docs/timetables.md"), "utf8")

  it("every JSON example of the mapping reference is a valid mapping", () => {
    const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!)
    expect(examples.length).toBeGreaterThanOrEqual(7)
    for (const json of examples) expect(() => parseMapping(json)).not.toThrow()
  })

  it("lists every mapping key and says which errors are fatal", () => {
    const headings = doc.split("\n").filter((l) => l.startsWith("### "))
    const keys = [
      "timezone",
      "classroom",
      "group",
      "courseName",
      "teacher",
      "teachers",
      "cancelled",
      "windowStart",
      "windowEnd"
    ]
    for (const key of keys) expect(headings.some((h) => h.includes(`\`${key}\``))).toBe(true)
    for (const code of ["DTEND_BEFORE_DTSTART", "INVALID_OPTIONS", "TOO_MANY_OCCURRENCES", ...LIMIT_CODES]) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` \\| (event|limit|limit, file|file) \\|`))
    }
  })
})
