/**
 * iCalendar timetables (issue "iCalendar timetables"): RFC 5545 import with
 * recurrence expansion, time zones and messy-file tolerance, and read-only
 * feed export. Real data: ../shared/data/ics (University of Leeds, ITS
 * Transport Data Science module); synthetic files for everything else.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import {
  type FeedEvent,
  type IcsIssue,
  parseMapping,
  parseTimetable,
  renderFeed
} from "@signet/core/academics/ICalendar"
import fc from "fast-check"
import ICAL from "ical.js"
import { describe, expect, it } from "vitest"

const SHARED = Path.resolve(__dirname, "../../../../shared/data/ics")
const hasShared = Fs.existsSync(SHARED)
if (!hasShared) console.warn(`icalendar.test: ${SHARED} is absent; the University of Leeds timetable test is skipped`)

/** A VCALENDAR around the given content lines, CRLF-terminated. */
const cal = (...lines: Array<string>) =>
  ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//Test//EN", ...lines, "END:VCALENDAR", ""].join("\r\n")

const vevent = (...lines: Array<string>) => ["BEGIN:VEVENT", "DTSTAMP:20240101T000000Z", ...lines, "END:VEVENT"]

const codes = (issues: ReadonlyArray<IcsIssue>) => issues.map((i) => i.code)
const starts = (text: string, mapping = {}) => parseTimetable(text, mapping).occurrences.map((o) => o.startAt)

describe("University of Leeds timetable (shared data)", () => {
  const file = Path.join(SHARED, "ITSLeeds-TDS/timetable.ics")
  const read = () => Fs.readFileSync(file, "utf8")

  it.skipIf(!hasShared)("parses all 11 one-off events with zero errors (no RRULE: 11 occurrences)", () => {
    const plan = parseTimetable(read())
    expect(plan.errors).toEqual([])
    expect(plan.calendarName).toBeNull()
    expect(plan.occurrences).toHaveLength(11)
    expect(plan.occurrences.map((o) => o.name)).toEqual([
      "TDS deadline 1",
      "TDS Practical 1: intro",
      "TDS Practical 2: od",
      "TDS Practical 3: routing",
      "TDS seminar 1",
      "TDS Practical 4: getting",
      "TDS seminar 2",
      "TDS deadline 2",
      "TDS Practical 5: visualisation",
      "TDS Practical 6: project",
      "TDS deadline 3"
    ])
    // No DTSTAMP and floating times (no TZID, no Z) in every event; nothing else.
    expect(codes(plan.warnings).sort()).toEqual([
      ...Array<string>(11).fill("FLOATING_TIME"),
      ...Array<string>(11).fill("MISSING_DTSTAMP")
    ])
    const intro = plan.occurrences[1]!
    expect(intro).toMatchObject({
      uid: "ical-85624427-69da-4dd7-bf08-ab5b8b7516a2",
      recurrenceId: null,
      sourceKey: "ical-85624427-69da-4dd7-bf08-ab5b8b7516a2|2024-02-08T09:00:00.000Z",
      startAt: "2024-02-08T09:00:00.000Z", // floating, read in the default zone (UTC)
      endAt: "2024-02-08T12:00:00.000Z",
      classroomCode: "Irene Manton North Cluster (7.96)",
      groupCode: null,
      teacherRef: null,
      cancelled: false,
      line: 14
    })
    // Re-import is idempotent: same source keys.
    expect(parseTimetable(read()).occurrences.map((o) => o.sourceKey)).toEqual(plan.occurrences.map((o) => o.sourceKey))
  })

  it.skipIf(!hasShared)("reads floating times as Europe/London wall time (GMT in February, BST from 31 March)", () => {
    const plan = parseTimetable(read(), { timezone: "Europe/London" })
    expect(plan.errors).toEqual([])
    const byName = new Map(plan.occurrences.map((o) => [o.name, o]))
    // 8 Feb 2024 09:00 GMT (UTC+0) = 09:00Z
    expect(byName.get("TDS Practical 1: intro")).toMatchObject({
      startAt: "2024-02-08T09:00:00.000Z",
      endAt: "2024-02-08T12:00:00.000Z"
    })
    // 21 Mar 2024 10:00 is still GMT (BST starts Sunday 31 March 2024 01:00Z)
    expect(byName.get("TDS seminar 2")!.startAt).toBe("2024-03-21T10:00:00.000Z")
    // 2 May 2024 09:00 BST (UTC+1) = 08:00Z, line 70 in the file
    expect(byName.get("TDS Practical 5: visualisation")).toMatchObject({
      startAt: "2024-05-02T08:00:00.000Z",
      endAt: "2024-05-02T11:00:00.000Z",
      line: 70
    })
    // 17 May 13:00 BST = 12:00Z (its DESCRIPTION says "2pm": see the report)
    expect(byName.get("TDS deadline 3")).toMatchObject({
      startAt: "2024-05-17T12:00:00.000Z",
      endAt: "2024-05-17T12:01:00.000Z"
    })
  })

  it.skipIf(!hasShared)("maps LOCATION → classroom code by pattern (room number in brackets or at the end)", () => {
    const plan = parseTimetable(read(), {
      classroom: { from: "LOCATION", pattern: "\\(?(\\d+\\.\\d+)\\)?$" },
      group: { from: "SUMMARY", pattern: "^(TDS)\\b" }
    })
    expect(plan.errors).toEqual([])
    expect(plan.occurrences.map((o) => o.classroomCode)).toEqual([
      null, // Online - Teams
      "7.96",
      "7.96",
      "7.96",
      "1.11", // Institute for Transport Studies 1.11
      "7.96",
      "1.11",
      null,
      "7.96",
      "7.96",
      null
    ])
    expect(new Set(plan.occurrences.map((o) => o.groupCode))).toEqual(new Set(["TDS"]))
    const noMatch = plan.warnings.filter((w) => w.code === "MAPPING_NO_MATCH")
    expect(noMatch.map((w) => w.line)).toEqual([6, 62, 86])
  })
})

describe("recurrence expansion", () => {
  it("RRULE with BYDAY and COUNT", () => {
    const text = cal(
      ...vevent(
        "UID:byday",
        "SUMMARY:Algebra",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.occurrences.map((o) => [o.startAt, o.endAt])).toEqual([
      ["2024-09-02T09:00:00.000Z", "2024-09-02T10:00:00.000Z"],
      ["2024-09-04T09:00:00.000Z", "2024-09-04T10:00:00.000Z"],
      ["2024-09-09T09:00:00.000Z", "2024-09-09T10:00:00.000Z"],
      ["2024-09-11T09:00:00.000Z", "2024-09-11T10:00:00.000Z"],
      ["2024-09-16T09:00:00.000Z", "2024-09-16T10:00:00.000Z"]
    ])
    expect(plan.occurrences.every((o) => o.recurrenceId === o.startAt && o.sourceKey === `byday|${o.startAt}`)).toBe(
      true
    )
  })

  it("RRULE with UNTIL (inclusive) and INTERVAL", () => {
    const text = cal(
      ...vevent(
        "UID:until",
        "SUMMARY:Lab",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T110000Z",
        "RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20240910T090000Z"
      )
    )
    expect(starts(text)).toEqual([
      "2024-09-02T09:00:00.000Z",
      "2024-09-04T09:00:00.000Z",
      "2024-09-06T09:00:00.000Z",
      "2024-09-08T09:00:00.000Z",
      "2024-09-10T09:00:00.000Z"
    ])
  })

  it("EXDATE removes an occurrence (COUNT counts it)", () => {
    const text = cal(
      ...vevent(
        "UID:ex",
        "SUMMARY:History",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE:20240909T090000Z,20240923T090000Z"
      )
    )
    expect(starts(text)).toEqual(["2024-09-02T09:00:00.000Z", "2024-09-16T09:00:00.000Z"])
  })

  it("RDATE adds occurrences", () => {
    const text = cal(
      ...vevent(
        "UID:rdate",
        "SUMMARY:Exam",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RDATE:20241015T130000Z"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => [o.startAt, o.endAt])).toEqual([
      ["2024-09-02T09:00:00.000Z", "2024-09-02T10:00:00.000Z"],
      ["2024-10-15T13:00:00.000Z", "2024-10-15T14:00:00.000Z"]
    ])
  })

  it("a RECURRENCE-ID override moves one occurrence and keeps its source key", () => {
    const text = cal(
      ...vevent(
        "UID:moved",
        "SUMMARY:Physics",
        "LOCATION:R101",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=3"
      ),
      ...vevent(
        "UID:moved",
        "RECURRENCE-ID:20240909T090000Z",
        "SUMMARY:Physics (moved)",
        "LOCATION:R202",
        "DTSTART:20240910T140000Z",
        "DTEND:20240910T153000Z"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.occurrences.map((o) => [o.name, o.startAt, o.endAt, o.classroomCode, o.recurrenceId, o.line])).toEqual([
      ["Physics", "2024-09-02T09:00:00.000Z", "2024-09-02T10:00:00.000Z", "R101", "2024-09-02T09:00:00.000Z", 4],
      [
        "Physics (moved)",
        "2024-09-10T14:00:00.000Z",
        "2024-09-10T15:30:00.000Z",
        "R202",
        "2024-09-09T09:00:00.000Z",
        13
      ],
      ["Physics", "2024-09-16T09:00:00.000Z", "2024-09-16T10:00:00.000Z", "R101", "2024-09-16T09:00:00.000Z", 4]
    ])
    expect(plan.occurrences[1]!.sourceKey).toBe("moved|2024-09-09T09:00:00.000Z")
  })

  it("a RANGE=THISANDFUTURE override shifts that instance and the following ones", () => {
    const text = cal(
      ...vevent(
        "UID:range",
        "SUMMARY:Drama",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=4"
      ),
      ...vevent(
        "UID:range",
        "RECURRENCE-ID;RANGE=THISANDFUTURE:20240916T090000Z",
        "SUMMARY:Drama (new slot)",
        "DTSTART:20240916T110000Z",
        "DTEND:20240916T113000Z"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.warnings).toEqual([])
    expect(plan.occurrences.map((o) => [o.name, o.startAt, o.endAt, o.sourceKey])).toEqual([
      ["Drama", "2024-09-02T09:00:00.000Z", "2024-09-02T10:00:00.000Z", "range|2024-09-02T09:00:00.000Z"],
      ["Drama", "2024-09-09T09:00:00.000Z", "2024-09-09T10:00:00.000Z", "range|2024-09-09T09:00:00.000Z"],
      ["Drama (new slot)", "2024-09-16T11:00:00.000Z", "2024-09-16T11:30:00.000Z", "range|2024-09-16T09:00:00.000Z"],
      ["Drama (new slot)", "2024-09-23T11:00:00.000Z", "2024-09-23T11:30:00.000Z", "range|2024-09-23T09:00:00.000Z"]
    ])
  })

  it("RDATE;VALUE=PERIOD is read as start times (warning), DTSTART still counts", () => {
    const text = cal(
      ...vevent(
        "UID:period",
        "SUMMARY:Trip",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RDATE;VALUE=PERIOD:20240910T090000Z/20240910T120000Z"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => [o.startAt, o.endAt])).toEqual([
      ["2024-09-02T09:00:00.000Z", "2024-09-02T10:00:00.000Z"],
      ["2024-09-10T09:00:00.000Z", "2024-09-10T10:00:00.000Z"]
    ])
    expect(codes(plan.warnings)).toEqual(["RDATE_PERIOD"])
  })

  it("STATUS:CANCELLED on an override cancels that occurrence only; on a master, all of them", () => {
    const text = cal(
      ...vevent(
        "UID:c1",
        "SUMMARY:Chemistry",
        "DTSTART:20240902T090000Z",
        "DTEND:20240902T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=3"
      ),
      ...vevent(
        "UID:c1",
        "RECURRENCE-ID:20240909T090000Z",
        "SUMMARY:Chemistry",
        "STATUS:CANCELLED",
        "DTSTART:20240909T090000Z",
        "DTEND:20240909T100000Z"
      ),
      ...vevent(
        "UID:c2",
        "SUMMARY:Biology",
        "STATUS:CANCELLED",
        "DTSTART:20240903T090000Z",
        "DTEND:20240903T100000Z",
        "RRULE:FREQ=WEEKLY;COUNT=2"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => [o.name, o.startAt.slice(0, 10), o.cancelled])).toEqual([
      ["Chemistry", "2024-09-02", false],
      ["Biology", "2024-09-03", true],
      ["Chemistry", "2024-09-09", true],
      ["Biology", "2024-09-10", true],
      ["Chemistry", "2024-09-16", false]
    ])
  })

  it("an override without a master (or matching no instance) is imported on its own with a warning", () => {
    const text = cal(
      ...vevent(
        "UID:lonely",
        "RECURRENCE-ID:20240909T090000Z",
        "SUMMARY:Seminar",
        "DTSTART:20240910T090000Z",
        "DTEND:20240910T100000Z"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => [o.startAt, o.recurrenceId])).toEqual([
      ["2024-09-10T09:00:00.000Z", "2024-09-09T09:00:00.000Z"]
    ])
    expect(codes(plan.warnings)).toEqual(["ORPHAN_OVERRIDE"])
  })

  it("an unbounded RRULE stops one year after the first DTSTART (warning); an explicit window bounds everything", () => {
    const text = cal(
      ...vevent("UID:daily", "SUMMARY:Roll call", "DTSTART:20240902T080000Z", "DURATION:PT15M", "RRULE:FREQ=DAILY"),
      ...vevent("UID:once", "SUMMARY:Open day", "DTSTART:20260101T100000Z", "DTEND:20260101T120000Z")
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.filter((o) => o.uid === "daily")).toHaveLength(365) // 2024-09-02 … 2025-09-01
    expect(plan.occurrences.at(-2)!.startAt).toBe("2025-09-01T08:00:00.000Z")
    expect(plan.occurrences.at(-1)!.name).toBe("Open day") // one-off events ignore the default window
    expect(plan.occurrences[0]!.endAt).toBe("2024-09-02T08:15:00.000Z")
    expect(codes(plan.warnings)).toEqual(["RRULE_TRUNCATED"])

    const window = parseTimetable(text, { windowStart: "2024-10-01", windowEnd: "2024-10-08T00:00:00Z" })
    expect(window.occurrences.map((o) => o.startAt.slice(0, 10))).toEqual([
      "2024-10-01",
      "2024-10-02",
      "2024-10-03",
      "2024-10-04",
      "2024-10-05",
      "2024-10-06",
      "2024-10-07"
    ])
  })

  it("caps expansion at 5,000 occurrences per event with a warning", () => {
    const text = cal(...vevent("UID:hourly", "SUMMARY:Tick", "DTSTART:20240101T000000Z", "RRULE:FREQ=HOURLY"))
    const plan = parseTimetable(text, { windowEnd: "2026-01-01T00:00:00Z" })
    expect(plan.occurrences).toHaveLength(5000)
    expect(codes(plan.warnings)).toEqual(["MISSING_DTEND", "OCCURRENCE_CAP"])
  })
})

describe("time zones", () => {
  /** A hand-written EU-style zone with a made-up TZID, so only the file can define it. */
  const VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Custom/Central",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE"
  ]

  it("VTIMEZONE with a DST change: occurrences keep their local wall time (10:00 CET → 10:00 CEST)", () => {
    const text = cal(
      ...VTIMEZONE,
      ...vevent(
        "UID:dst",
        "SUMMARY:German",
        "DTSTART;TZID=Custom/Central:20240320T100000",
        "DTEND;TZID=Custom/Central:20240320T113000",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "EXDATE;TZID=Custom/Central:20240410T100000"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.occurrences.map((o) => [o.startAt, o.endAt])).toEqual([
      ["2024-03-20T09:00:00.000Z", "2024-03-20T10:30:00.000Z"], // CET, UTC+1
      ["2024-03-27T09:00:00.000Z", "2024-03-27T10:30:00.000Z"],
      ["2024-04-03T08:00:00.000Z", "2024-04-03T09:30:00.000Z"] // CEST, UTC+2 (DST began 31 March)
    ])
  })

  it("IANA TZIDs without VTIMEZONE resolve through Intl, including prefixed ids", () => {
    const text = cal(
      ...vevent(
        "UID:ny",
        "SUMMARY:US History",
        "DTSTART;TZID=America/New_York:20240304T090000",
        "DTEND;TZID=America/New_York:20240304T100000",
        "RRULE:FREQ=WEEKLY;COUNT=2"
      ),
      ...vevent(
        "UID:moz",
        "SUMMARY:English",
        "DTSTART;TZID=/mozilla.org/20050126_1/Europe/London:20240701T090000",
        "DTEND;TZID=/mozilla.org/20050126_1/Europe/London:20240701T100000"
      )
    )
    const plan = parseTimetable(text)
    expect(plan.errors).toEqual([])
    expect(plan.occurrences.map((o) => [o.uid, o.startAt])).toEqual([
      ["ny", "2024-03-04T14:00:00.000Z"], // EST, UTC-5
      ["ny", "2024-03-11T13:00:00.000Z"], // EDT from 10 March, UTC-4
      ["moz", "2024-07-01T08:00:00.000Z"] // BST
    ])
    expect(codes(plan.warnings)).toEqual(["TZID_ALIASED"])
  })

  it("floating times are read in mapping.timezone (one warning per event), unknown TZIDs too", () => {
    const text = cal(
      ...vevent(
        "UID:float",
        "SUMMARY:Music",
        "DTSTART:20240115T090000",
        "DTEND:20240115T100000",
        "RDATE:20240715T090000"
      ),
      ...vevent("UID:odd", "SUMMARY:Art", "DTSTART;TZID=Mars/Olympus:20240115T090000", "DURATION:PT1H")
    )
    const plan = parseTimetable(text, { timezone: "America/New_York" })
    expect(plan.occurrences.map((o) => [o.uid, o.startAt, o.endAt])).toEqual([
      ["float", "2024-01-15T14:00:00.000Z", "2024-01-15T15:00:00.000Z"],
      ["odd", "2024-01-15T14:00:00.000Z", "2024-01-15T15:00:00.000Z"],
      ["float", "2024-07-15T13:00:00.000Z", "2024-07-15T14:00:00.000Z"]
    ])
    expect(plan.warnings.map((w) => [w.code, w.uid])).toEqual([
      ["FLOATING_TIME", "float"],
      ["UNKNOWN_TZID", "odd"]
    ])
  })

  it("RFC 5545 §3.3.5: a nonexistent local time uses the offset before the gap, a repeated one its first occurrence", () => {
    const text = cal(
      ...vevent("UID:gap", "SUMMARY:Gap", "DTSTART;TZID=Europe/London:20240331T013000", "DURATION:PT30M"),
      ...vevent("UID:overlap", "SUMMARY:Overlap", "DTSTART;TZID=Europe/London:20241027T013000", "DURATION:PT30M")
    )
    expect(starts(text)).toEqual(["2024-03-31T01:30:00.000Z", "2024-10-27T00:30:00.000Z"])
  })

  it("a file's own VTIMEZONE stays scoped to that file (nothing leaks into ical.js's global registry)", () => {
    const fake = cal(
      "BEGIN:VTIMEZONE",
      "TZID:Europe/London",
      "BEGIN:STANDARD",
      "TZOFFSETFROM:+0500",
      "TZOFFSETTO:+0500",
      "DTSTART:19700101T000000",
      "END:STANDARD",
      "END:VTIMEZONE",
      ...vevent("UID:fake", "SUMMARY:X", "DTSTART;TZID=Europe/London:20240701T090000", "DURATION:PT1H")
    )
    expect(starts(fake)).toEqual(["2024-07-01T04:00:00.000Z"])
    const real = cal(...vevent("UID:real", "SUMMARY:X", "DTSTART;TZID=Europe/London:20240701T090000", "DURATION:PT1H"))
    expect(starts(real)).toEqual(["2024-07-01T08:00:00.000Z"])
    expect(ICAL.TimezoneService.has("Europe/London")).toBe(false)
  })

  it("all-day events become whole days in mapping.timezone", () => {
    const text = cal(...vevent("UID:day", "SUMMARY:Sports day", "DTSTART;VALUE=DATE:20240612"))
    const plan = parseTimetable(text, { timezone: "Europe/Paris" })
    expect(plan.occurrences.map((o) => [o.startAt, o.endAt])).toEqual([
      ["2024-06-11T22:00:00.000Z", "2024-06-12T22:00:00.000Z"]
    ])
    expect(codes(plan.warnings)).toEqual(["ALL_DAY"])
  })
})

describe("messy input", () => {
  it("tolerates missing UID / DTSTAMP / DTEND, blank lines, mixed line endings and stray lines, with warnings", () => {
    const text = [
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "X-WR-CALNAME:Year 9\\, Term 1",
      "",
      "BEGIN:VEVENT",
      "SUMMARY:  Maths  ",
      "DTSTART:20240902T090000Z",
      "DTEND:20240902T100000Z",
      "END:VEVENT",
      "   ",
      "this line is garbage",
      "BEGIN:VEVENT",
      "UID:no-end",
      "DTSTAMP:20240101T000000Z",
      "SUMMARY:Physics",
      'X-NOTE;LANG="en:broken quoting',
      "DTSTART:20240903T090000Z",
      "END:VEVENT",
      "END:VTODO",
      "BEGIN:VEVENT",
      "UID:unclosed",
      "DTSTAMP:20240101T000000Z",
      "DTSTART:20240904T090000Z",
      "DURATION:PT45M",
      "END:VCALENDAR"
    ]
    // Mix CRLF, LF and CR line endings.
    const body = text.map((l, i) => l + (i % 3 === 0 ? "\r\n" : i % 3 === 1 ? "\n" : "\r")).join("")
    const plan = parseTimetable(body)
    expect(plan.errors).toEqual([])
    expect(plan.calendarName).toBe("Year 9, Term 1")
    expect(plan.occurrences.map((o) => [o.name, o.startAt, o.endAt])).toEqual([
      ["Maths", "2024-09-02T09:00:00.000Z", "2024-09-02T10:00:00.000Z"],
      ["Physics", "2024-09-03T09:00:00.000Z", "2024-09-03T10:00:00.000Z"],
      ["(untitled)", "2024-09-04T09:00:00.000Z", "2024-09-04T09:45:00.000Z"]
    ])
    expect(plan.warnings.map((w) => [w.code, w.line])).toEqual([
      ["BLANK_LINES", 4],
      ["INVALID_LINE", 11],
      ["UNBALANCED_COMPONENT", 19],
      ["UNBALANCED_COMPONENT", 25],
      ["MISSING_UID", 5],
      ["MISSING_DTSTAMP", 5],
      ["INVALID_PROPERTY", 16],
      ["MISSING_DTEND", 12],
      ["MISSING_SUMMARY", 20]
    ])
    // The synthesized UID is stable across imports and line endings.
    const uid = plan.occurrences[0]!.uid
    expect(uid).toMatch(/^[0-9a-f]{16}@synthesized\.signet$/)
    expect(parseTimetable(text.join("\n")).occurrences[0]!.uid).toBe(uid)
  })

  it("a missing END:VEVENT does not swallow the next event", () => {
    const text = cal(
      "BEGIN:VEVENT",
      "UID:first",
      "DTSTAMP:20240101T000000Z",
      "SUMMARY:First",
      "DTSTART:20240902T090000Z",
      "DURATION:PT1H",
      ...vevent("UID:second", "SUMMARY:Second", "DTSTART:20240903T090000Z", "DURATION:PT1H")
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => o.uid)).toEqual(["first", "second"])
    expect(plan.warnings.map((w) => [w.code, w.line])).toEqual([["UNBALANCED_COMPONENT", 10]])
  })

  it("VEVENTs without a VCALENDAR wrapper and with folded lines", () => {
    const text = [
      "BEGIN:VEVENT",
      "UID:bare",
      "DTSTAMP:20240101T000000Z",
      "SUMMARY:Geo",
      " graphy",
      "DTSTART:20240902T090000Z",
      "DTEND:20240902T100000Z",
      "END:VEVENT"
    ].join("\n")
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => o.name)).toEqual(["Geography"])
    expect(codes(plan.warnings)).toEqual(["MISSING_VCALENDAR"])
  })

  it("DTEND before DTSTART is an error for that event only", () => {
    const text = cal(
      ...vevent("UID:backwards", "SUMMARY:Backwards", "DTSTART:20240902T100000Z", "DTEND:20240902T090000Z"),
      ...vevent("UID:fine", "SUMMARY:Fine", "DTSTART:20240902T100000Z", "DTEND:20240902T110000Z")
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => o.uid)).toEqual(["fine"])
    expect(plan.errors).toEqual([
      {
        line: 4,
        uid: "backwards",
        code: "DTEND_BEFORE_DTSTART",
        message: "DTEND 2024-09-02T09:00:00.000Z is before DTSTART 2024-09-02T10:00:00.000Z; event skipped"
      }
    ])
  })

  it("broken events are errors, the rest still imports", () => {
    const text = cal(
      ...vevent("UID:bad-rule", "SUMMARY:A", "DTSTART:20240902T100000Z", "RRULE:FREQ=SOMETIMES"),
      ...vevent("UID:bad-date", "SUMMARY:B", "DTSTART:20241302T100000Z"),
      ...vevent("UID:no-start", "SUMMARY:C"),
      ...vevent("UID:neg", "SUMMARY:D", "DTSTART:20240902T100000Z", "DURATION:-PT1H"),
      ...vevent("UID:ok", "SUMMARY:E", "DTSTART:20240902T100000Z", "DURATION:PT1H")
    )
    const plan = parseTimetable(text)
    expect(plan.occurrences.map((o) => o.uid)).toEqual(["ok"])
    expect(plan.errors.map((e) => [e.code, e.uid])).toEqual([
      ["INVALID_PROPERTY", "bad-rule"],
      ["INVALID_DATE", "bad-date"],
      ["MISSING_DTSTART", "no-start"],
      ["NEGATIVE_DURATION", "neg"]
    ])
  })

  it("unreadable input yields errors, never an exception", () => {
    for (const text of ["", "hello world", "\u0000\u0001\u00ff binary", "BEGIN:VCARD\nFN:x\nEND:VCARD"]) {
      const plan = parseTimetable(text)
      expect(plan.occurrences).toEqual([])
      expect(plan.errors.length + plan.warnings.length).toBeGreaterThan(0)
    }
    expect(codes(parseTimetable("hello world").errors)).toEqual(["NO_VCALENDAR"])
    expect(codes(parseTimetable(cal()).warnings)).toEqual(["NO_EVENTS"])
  })

  it("property: mangled calendars (lines dropped, inserted, garbage) never throw", () => {
    const base = cal(
      ...vevent("UID:a", "SUMMARY:A", "DTSTART;TZID=Europe/London:20240902T090000", "DURATION:PT1H"),
      ...vevent("UID:b", "SUMMARY:B", "DTSTART:20240902T090000", "DTEND:20240902T100000", "RRULE:FREQ=WEEKLY;COUNT=3")
    ).split("\r\n")
    const fragments = [
      "BEGIN:VEVENT",
      "END:VEVENT",
      "BEGIN:VTIMEZONE",
      "END:VCALENDAR",
      "RRULE:FREQ=DAILY",
      "RRULE:FREQ=SECONDLY",
      "RRULE:FREQ=NEVER",
      "RECURRENCE-ID:20240909T090000",
      "RECURRENCE-ID;RANGE=THISANDFUTURE:20240909T090000",
      "EXDATE;VALUE=DATE:20240909",
      "RDATE;VALUE=PERIOD:20240915T090000Z/PT1H",
      "DTSTART;VALUE=DATE:20240215",
      "DTSTART:2024",
      "DTEND:20200101T000000Z",
      "DURATION:-P1D",
      "DURATION:PXYZ",
      "DTSTART;TZID=Nowhere/Land:20240215T090000",
      "UID:a",
      "",
      " continuation"
    ]
    const mangled = fc
      .tuple(
        fc.array(fc.tuple(fc.nat(base.length), fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 20 }))), {
          maxLength: 20
        }),
        fc.array(fc.nat(base.length), { maxLength: 6 })
      )
      .map(([inserts, deletes]) => {
        const lines = base.filter((_, i) => !deletes.includes(i))
        for (const [at, line] of inserts) lines.splice(Math.min(at, lines.length), 0, line)
        return lines.join("\n")
      })
    fc.assert(
      fc.property(fc.oneof(mangled, fc.string()), (text) => {
        const plan = parseTimetable(text, { timezone: "Europe/Paris", windowEnd: "2024-12-01T00:00:00Z" })
        for (const o of plan.occurrences) expect(o.endAt >= o.startAt).toBe(true)
      }),
      { numRuns: 200 }
    )
  })

  it("an invalid mapping is an error, not an exception", () => {
    const plan = parseTimetable(cal(), { timezone: "Mars/Olympus" })
    expect(codes(plan.errors)).toEqual(["INVALID_MAPPING"])
    expect(plan.errors[0]!.message).toContain("timezone")
  })
})

describe("mapping", () => {
  const text = cal(
    ...vevent(
      "UID:m1",
      "SUMMARY:9B Maths (Set 2)",
      "DESCRIPTION:Teacher: Ada Lovelace <ada@school.example>\\nBring calculators",
      "LOCATION:Room B12\\, Science block",
      "CATEGORIES:Year 9,Group-9B",
      "ORGANIZER;CN=Timetabler:mailto:timetable@school.example",
      "ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:student@school.example",
      "ATTENDEE;ROLE=CHAIR:MAILTO:ada@school.example",
      "DTSTART:20240902T090000Z",
      "DTEND:20240902T100000Z"
    )
  )

  it("takes classroom / group / teacher / course name from the configured properties and patterns", () => {
    const plan = parseTimetable(text, {
      classroom: { from: "LOCATION", pattern: "Room (\\w+)" },
      group: { from: "CATEGORIES", pattern: "^Group-(.+)$" },
      teacher: { from: "ATTENDEE" },
      courseName: { from: "SUMMARY", pattern: "^\\S+ (.+?) \\(" }
    })
    expect(plan.warnings).toEqual([])
    expect(plan.occurrences[0]).toMatchObject({
      name: "Maths",
      classroomCode: "B12",
      groupCode: "9B",
      teacherRef: "ada@school.example"
    })
    const other = parseTimetable(text, {
      teacher: { from: "DESCRIPTION", pattern: "<([^>]+)>" },
      group: { from: "SUMMARY", pattern: "^(\\d+[A-Z])\\b" }
    }).occurrences[0]!
    expect(other).toMatchObject({
      name: "9B Maths (Set 2)",
      classroomCode: "Room B12, Science block",
      groupCode: "9B",
      teacherRef: "ada@school.example"
    })
    expect(parseTimetable(text, { teacher: { from: "ORGANIZER" } }).occurrences[0]!.teacherRef).toBe(
      "timetable@school.example"
    )
  })

  it("parseMapping accepts a mapping file and names the bad field otherwise", () => {
    expect(
      parseMapping(
        JSON.stringify({
          timezone: "Europe/London",
          classroom: { from: "LOCATION", pattern: "\\((.+)\\)" },
          group: { from: "SUMMARY", pattern: "^(\\w+)" },
          teacher: { from: "ORGANIZER" },
          windowStart: "2024-09-01",
          windowEnd: "2025-07-31T23:59:59Z"
        })
      )
    ).toEqual({
      timezone: "Europe/London",
      classroom: { from: "LOCATION", pattern: "\\((.+)\\)" },
      group: { from: "SUMMARY", pattern: "^(\\w+)" },
      teacher: { from: "ORGANIZER" },
      windowStart: "2024-09-01",
      windowEnd: "2025-07-31T23:59:59Z"
    })
    expect(parseMapping("{}")).toEqual({})
    const failure = (json: string) => {
      try {
        parseMapping(json)
      } catch (e) {
        return String((e as Error).message)
      }
      throw new Error("expected parseMapping to fail")
    }
    expect(failure(`{"classroom":{"from":"ROOM"}}`)).toMatch(/\["classroom"\][\s\S]*\["from"\][\s\S]*"ROOM"/)
    expect(failure(`{"clasroom":{"from":"LOCATION"}}`)).toContain(`["clasroom"]`)
    expect(failure(`{"group":{"from":"SUMMARY","pattern":"(unclosed"}}`)).toMatch(
      /\["pattern"\][\s\S]*invalid regular expression/
    )
    expect(failure(`{"timezone":"Europe/Lodnon"}`)).toMatch(/\["timezone"\][\s\S]*unknown IANA time zone/)
    expect(failure(`{"windowStart":"next monday"}`)).toMatch(/\["windowStart"\]/)
    expect(failure(`{"windowStart":"2025-01-01","windowEnd":"2024-01-01"}`)).toMatch(/\["windowEnd"\][\s\S]*after/)
    expect(failure(`{"timezone":`)).toMatch(/JSON/)
  })
})

describe("renderFeed", () => {
  const events: Array<FeedEvent> = [
    {
      id: "0190c1a2-0000-7000-8000-000000000001",
      name: "Maths, Physics; Lab \\ 1",
      startAt: "2024-09-02T09:00:00.000Z",
      endAt: "2024-09-02T10:30:00.000Z",
      location: "Room B12, Science block; 1st floor",
      description: `Line one\nLine two, with; punctuation\r\n${"Ünïcödé ✓ 😀 ".repeat(12)}`,
      cancelled: false,
      updatedAt: "2024-08-20T12:00:00.000Z"
    },
    {
      id: "c2",
      name: "Cancelled seminar",
      startAt: "2024-09-03T14:00:00Z",
      endAt: "2024-09-03T14:00:00Z",
      location: null,
      description: null,
      cancelled: true,
      updatedAt: "2024-08-21T08:30:15Z"
    }
  ]
  const feed = renderFeed({ name: "Year 9, Group B; 2024", events, refreshIntervalMinutes: 60 })

  it("is CRLF-terminated, folded at 75 octets, and escapes text per RFC 5545 §3.3.11", () => {
    expect(feed.endsWith("\r\n")).toBe(true)
    expect(feed).not.toMatch(/[^\r]\n/)
    expect(feed).not.toMatch(/\r[^\n]/)
    const lines = feed.slice(0, -2).split("\r\n")
    for (const line of lines) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75)
    expect(lines.some((l) => l.startsWith(" "))).toBe(true) // the long description is folded
    const unfolded = feed.replace(/\r\n /g, "")
    expect(unfolded).toContain("SUMMARY:Maths\\, Physics\\; Lab \\\\ 1\r\n")
    expect(unfolded).toContain("LOCATION:Room B12\\, Science block\\; 1st floor\r\n")
    expect(unfolded).toContain("DESCRIPTION:Line one\\nLine two\\, with\\; punctuation\\nÜnïcödé")
    expect(unfolded).toContain("X-WR-CALNAME;VALUE=TEXT:Year 9\\, Group B\\; 2024\r\n")
    expect(lines.slice(0, 5)).toEqual([
      "BEGIN:VCALENDAR",
      "PRODID:-//Signet//Timetable//EN",
      "VERSION:2.0",
      "CALSCALE:GREGORIAN",
      "METHOD:PUBLISH"
    ])
    expect(unfolded).toContain("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n")
    expect(renderFeed({ name: "Year 9, Group B; 2024", events, refreshIntervalMinutes: 60 })).toBe(feed)
  })

  it("parses back with ical.js to the same events", () => {
    const root = new ICAL.Component(ICAL.parse(feed))
    expect(root.getFirstPropertyValue("method")).toBe("PUBLISH")
    expect(root.getFirstPropertyValue("x-wr-calname")).toBe("Year 9, Group B; 2024")
    const back = root.getAllSubcomponents("vevent").map((c) => {
      const e = new ICAL.Event(c)
      return {
        id: e.uid.replace(/@signet$/, ""),
        name: e.summary,
        startAt: e.startDate.toJSDate().toISOString(),
        endAt: e.endDate.toJSDate().toISOString(),
        location: e.location,
        description: e.description,
        cancelled: c.getFirstPropertyValue("status") === "CANCELLED",
        updatedAt: (c.getFirstPropertyValue("dtstamp") as ICAL.Time).toJSDate().toISOString(),
        sequence: c.getFirstPropertyValue("sequence"),
        utc: e.startDate.zone === ICAL.Timezone.utcTimezone
      }
    })
    expect(back).toEqual([
      {
        ...events[0]!,
        description: events[0]!.description!.replace("\r\n", "\n"),
        sequence: 146_318_400, // 2024-08-20T12:00Z − 2020-01-01Z = 1,693 days + 12 h, in seconds
        utc: true
      },
      {
        ...events[1]!,
        startAt: "2024-09-03T14:00:00.000Z",
        endAt: "2024-09-03T14:00:00.000Z",
        updatedAt: "2024-08-21T08:30:15.000Z",
        sequence: 146_392_215,
        utc: true
      }
    ])
    expect(feed).toContain("DURATION:PT0S")
  })

  it("rejects programming errors", () => {
    const bad = { ...events[0]!, startAt: "yesterday" }
    expect(() => renderFeed({ name: "x", events: [bad] })).toThrow(RangeError)
    expect(() => renderFeed({ name: "x", events: [{ ...events[0]!, endAt: "2024-09-01T00:00:00Z" }] })).toThrow(
      RangeError
    )
    expect(() => renderFeed({ name: "x", events: [], refreshIntervalMinutes: 0 })).toThrow(RangeError)
  })

  it("property: random feeds round-trip through renderFeed → parseTimetable with identical name/start/end", () => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: TEXT cannot carry C0 controls (renderFeed drops them)
    const controls = /[\u0000-\u0008\u000B-\u001F\u007F]/
    const text = fc
      .array(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 12 }),
          fc.constantFrom(",", ";", "\\", "\\n", "\n", ":", '"', "é", "😀", "  ")
        ),
        { maxLength: 10 }
      )
      .map((parts) => parts.join(""))
    const name = text.filter((s) => s.trim() === s && s !== "" && !controls.test(s))
    const second = 1000
    const event = fc
      .record({
        id: fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/),
        name,
        start: fc.integer({ min: Date.UTC(2000, 0, 1) / second, max: Date.UTC(2090, 0, 1) / second }),
        minutes: fc.integer({ min: 0, max: 24 * 60 }),
        location: fc.option(text.filter((s) => !controls.test(s))),
        cancelled: fc.boolean()
      })
      .map(
        (r): FeedEvent => ({
          id: r.id,
          name: r.name,
          startAt: new Date(r.start * second).toISOString(),
          endAt: new Date((r.start + r.minutes * 60) * second).toISOString(),
          location: r.location,
          description: null,
          cancelled: r.cancelled,
          updatedAt: new Date(r.start * second).toISOString()
        })
      )
    fc.assert(
      fc.property(fc.uniqueArray(event, { selector: (e) => e.id, maxLength: 8 }), (feedEvents) => {
        const plan = parseTimetable(renderFeed({ name: "Feed", events: feedEvents }))
        expect(plan.errors).toEqual([])
        const byUid = new Map(plan.occurrences.map((o) => [o.uid, o]))
        expect(plan.occurrences).toHaveLength(feedEvents.length)
        for (const e of feedEvents) {
          const o = byUid.get(`${e.id}@signet`)!
          expect({ name: o.name, startAt: o.startAt, endAt: o.endAt, cancelled: o.cancelled }).toEqual({
            name: e.name,
            startAt: e.startAt,
            endAt: e.endAt,
            cancelled: e.cancelled
          })
          expect(o.classroomCode).toBe(e.location === null || e.location.trim() === "" ? null : e.location.trim())
        }
      }),
      { numRuns: 200 }
    )
  })
})
