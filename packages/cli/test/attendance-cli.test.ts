/**
 * `signet attendance report|roll|close` against a real SQLite installation:
 * a school, a group of two students (imported as a small OneRoster set), a
 * course that has ended and one still to come. Runs the built CLI
 * (`bin/signet.js` loads `dist/`: build with `npx tsc -b packages/cli` first).
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const BIN = Path.resolve(__dirname, "../bin/signet.js")
const TENANT = "att-cli"

const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL"))

/** Runs `signet …` in `cwd` (asynchronously, so the test worker stays responsive). */
const signet = (cwd: string, args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: cleanEnv(), encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

/** Runs thunks one after the other (CLI processes must not share the SQLite file concurrently). */
const sequence = async <A>(runs: ReadonlyArray<() => Promise<A>>): Promise<Array<A>> => {
  const out: Array<A> = []
  for (const run of runs) out.push(await run())
  return out
}

const ok = async (cwd: string, args: ReadonlyArray<string>) => {
  const r = await signet(cwd, args)
  expect(r.code, `signet ${args.join(" ")}: ${r.stderr}`).toBe(0)
  return r.stdout
}

const STAMP = "2026-01-01T00:00:00Z"
/** A minimal OneRoster 1.1 set: one school, one class (→ group) with two students. */
const ONEROSTER: Record<string, string> = {
  "manifest.csv":
    "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\nfile.users,bulk\n" +
    "file.classes,bulk\nfile.enrollments,bulk\nfile.courses,absent\nfile.academicSessions,absent\n" +
    "file.demographics,absent\nfile.lineItems,absent\nfile.results,absent\nfile.categories,absent\n",
  "orgs.csv": `sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\nORG1,active,${STAMP},Lycée Attendance,school,,\n`,
  "users.csv":
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\n" +
    `S1,active,${STAMP},true,ORG1,student,ana,,Ana,Lopez,,,ana@att.example.edu,,,,,\n` +
    `S2,active,${STAMP},true,ORG1,student,ben,,Ben,Okafor,,,ben@att.example.edu,,,,,\n`,
  "classes.csv":
    "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n" +
    `C1,active,${STAMP},2nde A,,,2A,homeroom,,ORG1,,,,\n`,
  "enrollments.csv":
    "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n" +
    `E1,active,${STAMP},C1,ORG1,S1,student,,,\nE2,active,${STAMP},C1,ORG1,S2,student,,,\n`
}

const HOUR = 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()
const csvRows = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => line.split(","))

describe("signet attendance", () => {
  let dir: string
  let schoolId: string
  let groupId: string
  let pastCourse: string
  let futureCourse: string
  let students: Record<string, string>
  const now = Date.now()

  beforeAll(async () => {
    dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-attendance-cli-"))
    await ok(dir, ["init", "--json"])
    await ok(dir, ["tenant", "create", TENANT, "--name", "Attendance CLI"])
    const roster = Path.join(dir, "roster")
    Fs.mkdirSync(roster)
    for (const [file, text] of Object.entries(ONEROSTER)) Fs.writeFileSync(Path.join(roster, file), text)
    await ok(dir, ["roster", "import", roster, "--tenant", TENANT, "--quiet"])
    const [group] = JSON.parse(await ok(dir, ["group", "list", "--tenant", TENANT, "--json"]))
    expect(group).toMatchObject({ name: "2nde A", member_count: 2 })
    groupId = group.id
    schoolId = group.school_id
    const course = (name: string, start: number) =>
      ok(dir, [
        ...["course", "create", "--tenant", TENANT, "--school", schoolId, "--name", name],
        ...["--start", iso(start), "--end", iso(start + HOUR), "--group", groupId, "--json"]
      ]).then((out) => JSON.parse(out).id as string)
    // One CLI process at a time: two processes writing one SQLite file may get SQLITE_BUSY
    // (noted in the session note).
    const past = await course("Maths", now - 3 * HOUR)
    futureCourse = await course("Physique", now + 24 * HOUR)
    const listed = await ok(dir, ["user", "list", "--tenant", TENANT, "--type", "student", "--json"])
    pastCourse = past
    const users = JSON.parse(listed)
    students = Object.fromEntries(users.map((u: { email: string; id: string }) => [u.email, u.id]))
  })
  afterAll(() => Fs.rmSync(dir, { recursive: true, force: true }))

  it("roll (human output) heads the table with the course's ISO-8601 start and end", async () => {
    const out = await ok(dir, ["attendance", "roll", "--tenant", TENANT, "--course", futureCourse])
    const header = out.split("\n")[0]!
    expect(header).toMatch(
      /^Physique \([0-9a-f-]{36}\) \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z – \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z; open;/
    )
  })

  it("close marks the ended course's students absent; report, roll and history show it", async () => {
    const closed = await ok(dir, ["attendance", "close", "--tenant", TENANT])
    expect(closed.trim()).toBe("closed 1 course(s); marked 2 student(s) absent")
    expect(JSON.parse(await ok(dir, ["attendance", "close", "--tenant", TENANT, "--json"]))).toMatchObject({
      closed_count: 0,
      absences: 0
    })

    const outFile = Path.join(dir, "school.txt")
    // Sequential, like the set-up: one CLI process on the SQLite file at a time.
    const [csv, json, ranged, wrote, roll, history] = await sequence([
      () => ok(dir, ["attendance", "report", "--tenant", TENANT, "--school", schoolId, "--format", "csv"]),
      () => ok(dir, ["attendance", "report", "--tenant", TENANT, "--group", groupId, "--format", "json"]),
      () =>
        ok(dir, [
          ...["attendance", "report", "--tenant", TENANT, "--school", schoolId, "--format", "csv"],
          ...["--from", iso(now - 24 * HOUR), "--to", iso(now)]
        ]),
      () => ok(dir, ["attendance", "report", "--tenant", TENANT, "--school", schoolId, "--output", outFile]),
      () => ok(dir, ["attendance", "roll", "--tenant", TENANT, "--course", pastCourse, "--format", "csv"]),
      () =>
        ok(dir, [
          ...["attendance", "report", "--tenant", TENANT, "--student", students["ana@att.example.edu"]!],
          ...["--format", "csv"]
        ])
    ])

    // School: both courses; the ended one is ABSENT, the coming one unmarked.
    const rows = csvRows(csv)
    expect(rows[0]).toEqual([
      "student_id",
      "email",
      "name",
      "courses",
      "present",
      "late",
      "absent",
      "excused",
      "unmarked",
      "rate"
    ])
    expect(rows.slice(1).map((r) => [r[1], r[3], r[6], r[8]])).toEqual([
      ["ana@att.example.edu", "2", "1", "1"],
      ["ben@att.example.edu", "2", "1", "1"]
    ])

    const report = JSON.parse(json)
    expect(report).toMatchObject({ scope: "group", scope_id: groupId, courses: 2 })
    expect(report.totals).toMatchObject({ courses: 4, absent: 2, unmarked: 2, present: 0, rate: 0 })
    expect(report.lines.map((l: { name: string }) => l.name)).toEqual(["Ana Lopez", "Ben Okafor"])

    // [from, to) ending now: only the ended course.
    expect(
      csvRows(ranged)
        .slice(1)
        .map((r) => [r[3], r[6], r[8]])
    ).toEqual([
      ["1", "1", "0"],
      ["1", "1", "0"]
    ])

    expect(wrote.trim()).toBe(`wrote ${outFile} (${Fs.statSync(outFile).size} bytes)`)
    const table = Fs.readFileSync(outFile, "utf8")
    expect(table).toMatch(/^Attendance of school .+: 2 course\(s\)\n/)
    expect(table).toMatch(/Ana Lopez\s+ana@att\.example\.edu\s+2\s+0\s+0\s+1\s+0\s+1\s+0\.0%/)
    expect(table).toContain("Total: 2 student(s); present 0, late 0, absent 2, excused 0, unmarked 2; rate 0.0%")

    expect(csvRows(roll)).toEqual([
      ["student_id", "result", "method", "signed_at", "excuse_id"],
      ...[students["ana@att.example.edu"], students["ben@att.example.edu"]]
        .sort()
        .map((id) => [id, "ABSENT", "", "", ""])
    ])

    // Issue 15 §6: the history counts the same courses as the reports, the unmarked one included.
    expect(csvRows(history)).toEqual([
      ["course_id", "course_name", "start_at", "result"],
      [pastCourse, "Maths", iso(now - 3 * HOUR), "ABSENT"],
      [futureCourse, "Physique", iso(now + 24 * HOUR), "UNMARKED"]
    ])
  })

  it("issue 15 §6: mark records a student's result by email or id, through the roll call's rules", async () => {
    const ana = students["ana@att.example.edu"]!
    const ben = students["ben@att.example.edu"]!
    const [byEmail, byId, roll] = await sequence([
      () =>
        ok(dir, [
          ...["attendance", "mark", "--tenant", TENANT, "--course", pastCourse],
          ...["--student", "ana@att.example.edu", "--status", "PRESENT"]
        ]),
      () =>
        ok(dir, [
          ...["attendance", "mark", "--tenant", TENANT, "--course", pastCourse, "--student", ben],
          ...["--status", "EXCUSED", "--note", "doctor's note seen", "--json"]
        ]),
      () => ok(dir, ["attendance", "roll", "--tenant", TENANT, "--course", pastCourse, "--format", "csv"])
    ])
    const [unknown, badStatus] = await sequence([
      () =>
        signet(dir, [
          ...["attendance", "mark", "--tenant", TENANT, "--course", pastCourse],
          ...["--student", "nobody@att.example.edu", "--status", "PRESENT"]
        ]),
      () =>
        signet(dir, [
          ...["attendance", "mark", "--tenant", TENANT, "--course", pastCourse, "--student", ana],
          ...["--status", "HERE"]
        ])
    ])
    expect(byEmail.trim()).toBe(`marked ana@att.example.edu PRESENT in course ${pastCourse}`)
    expect(JSON.parse(byId)).toMatchObject({ course_id: pastCourse, marked: 1, unchanged: 0, student_id: ben })
    const rows = Object.fromEntries(
      csvRows(roll)
        .slice(1)
        .map((r) => [r[0], [r[1], r[2]]])
    )
    expect(rows).toEqual({ [ana]: ["PRESENT", "ADMIN"], [ben]: ["EXCUSED", ""] })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr.trim()).toBe("signet: no user nobody@att.example.edu in this tenant")
    expect(badStatus.code).toBe(2)
    expect(badStatus.stdout).toBe("")
  })

  it("bad usage gives one clear line and a non-zero exit", async () => {
    const [none, two, badDate, order, noCourse] = await Promise.all([
      signet(dir, ["attendance", "report", "--tenant", TENANT]),
      signet(dir, ["attendance", "report", "--tenant", TENANT, "--school", schoolId, "--group", groupId]),
      signet(dir, ["attendance", "report", "--tenant", TENANT, "--school", schoolId, "--from", "notadate"]),
      signet(dir, [
        ...["attendance", "report", "--tenant", TENANT, "--school", schoolId],
        ...["--from", "2026-11-23T00:00:00Z", "--to", "2026-11-01T00:00:00Z"]
      ]),
      signet(dir, ["attendance", "roll", "--tenant", TENANT, "--course", "no-such-course"])
    ])
    expect(none.code).toBe(2)
    expect(none.stderr.trim()).toBe("signet: give one of --school, --group, --course or --student")
    expect(two.code).toBe(2)
    expect(two.stderr.trim()).toBe(
      "signet: give only one of --school, --group, --course or --student (got --school, --group)"
    )
    expect(badDate.code).toBe(2)
    expect(badDate.stderr.trim()).toBe(
      "signet: --from 'notadate' is not an ISO-8601 instant (e.g. 2026-09-01T00:00:00Z)"
    )
    expect(order.code).toBe(2)
    expect(order.stderr.trim()).toBe("signet: --to must be after --from")
    expect(noCourse.code).toBe(1)
    expect(noCourse.stderr.trim()).toBe("signet: no course no-such-course")
    for (const r of [none, two, badDate, order, noCourse]) expect(r.stdout).toBe("")
  })
})
