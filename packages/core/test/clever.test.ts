/**
 * Issue 16: the Clever SFTP CSV dialect (schools.csv, teachers.csv, students.csv,
 * sections.csv, enrollments.csv) beside OneRoster and Microsoft SDS. Before, such a
 * folder was read as SDS and four of its five files were skipped. Clever files are
 * generated here (no shared Clever set exists); the shared SDS set checks that SDS
 * detection is not fooled.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { expect, layer } from "@effect/vitest"
import { Academics, Identity, OneRoster, Roster } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect } from "effect"
import { describe, it as plain } from "vitest"
import { asTenant, onboard, testActor, testCore } from "./support.js"

const SDS = Path.resolve(__dirname, "../../../../shared/data/oneroster/microsoft-sds-v2.1")

/** A small Clever set: `schools` schools, 2 teachers and 2 sections each, `students` students per school. */
const cleverFiles = (schools = 2, students = 3): Record<string, string> => {
  const s = Array.from({ length: schools }, (_, i) => i + 1)
  const rows = (header: string, lines: Array<string>) => `${[header, ...lines].join("\r\n")}\r\n`
  return {
    "schools.csv": rows(
      "School_id,School_name,School_number,State_id,Low_grade,High_grade",
      s.map((i) => `sch-${i},Lincoln School ${i},LS-${i},ST${i},9,12`)
    ),
    "teachers.csv": rows(
      "School_id,Teacher_id,Teacher_number,Teacher_email,First_name,Last_name,Username",
      s.flatMap((i) =>
        [1, 2].map((t) => `sch-${i},t-${i}-${t},T${i}${t},t${i}${t}@lincoln.example,Ada,Teach${i}${t},t${i}${t}`)
      )
    ),
    "students.csv": rows(
      "School_id,Student_id,Student_number,Last_name,First_name,Grade,Student_email,Username,Password",
      s.flatMap((i) =>
        Array.from(
          { length: students },
          (_, k) =>
            `sch-${i},st-${i}-${k + 1},S${i}0${k + 1},Pupil${k + 1},Sam,10,s${i}${k + 1}@lincoln.example,s${i}${k + 1},`
        )
      )
    ),
    "sections.csv": rows(
      "School_id,Section_id,Teacher_id,Teacher_2_id,Name,Section_number,Course_name,Period,Term_name,Term_start,Term_end",
      s.flatMap((i) => [
        `sch-${i},sec-${i}-1,t-${i}-1,t-${i}-2,Algebra - Teach${i}1 - 2,ALG-${i},Algebra I,2,Fall 2025,08/25/2025,01/23/2026`,
        `sch-${i},sec-${i}-2,t-${i}-2,,,BIO-${i},Biology,3,Fall 2025,08/25/2025,01/23/2026`
      ])
    ),
    "enrollments.csv": rows(
      "School_id,Section_id,Student_id",
      s.flatMap((i) =>
        Array.from({ length: students }, (_, k) => [
          `sch-${i},sec-${i}-1,st-${i}-${k + 1}`,
          `sch-${i},sec-${i}-2,st-${i}-${k + 1}`
        ]).flat()
      )
    )
  }
}
const encoder = new TextEncoder()
const encode = (files: Record<string, string>) => new Map(Object.entries(files).map(([k, v]) => [k, encoder.encode(v)]))
const parse = (files: Record<string, string>) => OneRoster.parseOneRoster(encode(files))
const codes = (plan: OneRoster.ImportPlan, which: "errors" | "warnings") =>
  plan[which].map((i) => `${i.code}@${i.file}:${i.line}`)

describe("Clever CSV (issue 16)", () => {
  plain("a Clever folder is read as Clever, not as Microsoft SDS: all five files are used", () => {
    const plan = parse(cleverFiles())
    expect(plan.version).toBe("clever")
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.warnings.some((w) => w.code === "sds-dialect")).toBe(false)
    expect(plan.ignoredFiles).toEqual([])
    expect({
      schools: plan.schools.length,
      users: plan.users.length,
      groups: plan.groups.length,
      enrollments: plan.enrollments.length,
      sessions: plan.sessions.length
    }).toEqual({ schools: 2, users: 10, groups: 4, enrollments: 6 + 12, sessions: 2 })
  })

  plain("maps schools, people, sections and terms to the import plan", () => {
    const plan = parse(cleverFiles())
    expect(plan.schools[0]).toMatchObject({ sourcedId: "sch-1", name: "Lincoln School 1", identifier: "LS-1" })
    expect(plan.users.find((u) => u.sourcedId === "st-1-2")).toMatchObject({
      userType: "student",
      email: "s12@lincoln.example",
      username: "s12",
      givenName: "Sam",
      familyName: "Pupil2",
      identifier: "S102",
      schoolSourcedIds: ["sch-1"]
    })
    expect(plan.users.find((u) => u.sourcedId === "t-2-1")).toMatchObject({
      userType: "teacher",
      schoolSourcedIds: ["sch-2"]
    })
    expect(plan.groups[0]).toMatchObject({
      sourcedId: "sec-1-1",
      title: "Algebra - Teach11 - 2",
      classCode: "ALG-1",
      schoolSourcedId: "sch-1",
      courseTitle: "Algebra I"
    })
    // A section without a name takes its course name.
    expect(plan.groups[1].title).toBe("Biology")
    const teachersOf = (section: string) =>
      plan.enrollments
        .filter((e) => e.classSourcedId === section && e.role === "teacher")
        .map((e) => [e.userSourcedId, e.primary])
    expect(teachersOf("sec-1-1")).toEqual([
      ["t-1-1", true],
      ["t-1-2", false]
    ])
    expect(plan.enrollments.filter((e) => e.classSourcedId === "sec-1-1" && e.role === "student")).toHaveLength(3)
    expect(plan.sessions[0]).toMatchObject({
      title: "Fall 2025",
      type: "term",
      startDate: "2025-08-25",
      endDate: "2026-01-23",
      orgSourcedId: "sch-1"
    })
  })

  plain("headers match case-insensitively; unknown columns and passwords are one warning per file", () => {
    const files = cleverFiles()
    files["students.csv"] = files["students.csv"]
      .replace("School_id,Student_id", "school_id,STUDENT_ID")
      .replace("Password", "Password,Locker")
      .replace(/,s11,\r\n/, ",s11,hunter2,12\r\n")
    const plan = parse(files)
    expect(plan.errors).toEqual([])
    expect(codes(plan, "warnings")).toEqual(["unknown-column@students.csv:1", "password-ignored@students.csv:1"])
  })

  plain("a teacher of two schools is listed once per school and becomes one user of both", () => {
    const files = cleverFiles()
    files["teachers.csv"] += "sch-2,t-1-1,T11,t11@lincoln.example,Ada,Teach11,t11\r\n"
    const plan = parse(files)
    expect(plan.errors).toEqual([])
    expect(plan.users.filter((u) => u.sourcedId === "t-1-1").map((u) => u.schoolSourcedIds)).toEqual([
      ["sch-1", "sch-2"]
    ])
  })

  plain("a missing file, a missing column and a dangling reference are errors at file:line", () => {
    const { "teachers.csv": _t, ...rest } = cleverFiles()
    const missing = parse(rest)
    expect(missing.version).toBe("clever")
    expect(missing.errors[0]).toMatchObject({ code: "file-missing", file: "teachers.csv", line: 0 })
    expect(missing.errors[0].message).toContain(
      "schools.csv, teachers.csv, students.csv, sections.csv, enrollments.csv"
    )
    const files = cleverFiles()
    files["sections.csv"] = files["sections.csv"].replace("School_id,Section_id", "School,Section_id")
    files["enrollments.csv"] += "sch-1,sec-1-1,st-9-9\r\n"
    expect(codes(parse(files), "errors")).toEqual([
      "missing-required-column@sections.csv:1",
      "dangling-reference@enrollments.csv:14"
    ])
  })

  plain("a folder of no known dialect is one clear error naming the files and what each dialect needs", () => {
    const plan = parse({ "pupils.csv": "id,name\r\n1,A\r\n", "klassen.csv": "id\r\n1\r\n" })
    expect(plan.errors).toHaveLength(1)
    expect(plan.errors[0].code).toBe("unknown-dialect")
    const message = plan.errors[0].message
    for (const part of ["klassen.csv", "pupils.csv", "orgs.csv and users.csv", "roles.csv", "sections.csv"])
      expect(message).toContain(part)
  })

  plain("an enrollments.csv alone with Clever's header is Clever (then the other files are missing)", () => {
    const plan = parse({ "enrollments.csv": cleverFiles()["enrollments.csv"] })
    expect(plan.version).toBe("clever")
    expect(plan.errors.map((e) => e.file)).toEqual(["schools.csv", "teachers.csv", "students.csv", "sections.csv"])
  })

  plain.skipIf(!Fs.existsSync(SDS))(
    "SDS detection is not fooled: the SDS set is still SDS, Clever stays Clever",
    async () => {
      const sds = OneRoster.parseOneRoster(await OneRoster.readOneRosterSource(SDS))
      expect(sds.version).toBe("sds")
      expect(sds.errors).toEqual([])
      // A Clever folder with an unrelated extra file (and Clever's staff.csv) stays Clever.
      const plan = parse({ ...cleverFiles(), "staff.csv": "School_id,Staff_id\r\nsch-1,x\r\n", "notes.csv": "a\r\n" })
      expect(plan.version).toBe("clever")
      expect([...plan.ignoredFiles].sort()).toEqual(["notes.csv", "staff.csv"])
      expect(codes(plan, "warnings")).toEqual(["file-ignored@staff.csv:0"])
    }
  )

  plain("a Clever folder on disk reads through readOneRosterSource like an upload", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-clever-"))
    try {
      for (const [name, text] of Object.entries(cleverFiles())) Fs.writeFileSync(Path.join(dir, name), text)
      const plan = OneRoster.parseOneRoster(await OneRoster.readOneRosterSource(dir))
      expect(plan.version).toBe("clever")
      expect(plan.errors).toEqual([])
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Clever import on ${dialect}`, (it) => {
    it.effect("imports schools (with codes), users, groups, members and teachers; re-importing changes nothing", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("clever-import")
        const run = () =>
          asTenant(
            tenant,
            Roster.use((r) => r.importPlan(parse(cleverFiles())))
          ).pipe(Effect.provide(testActor))
        const first = yield* run()
        expect(first).toMatchObject({
          version: "clever",
          schools: { created: 2 },
          users: { created: 10 },
          groups: { created: 4 },
          sessions: { created: 2 },
          memberships: { added: 12 },
          teacher_assignments: { added: 6 }
        })
        const schools = yield* asTenant(
          tenant,
          Academics.use((a) => a.listSchools())
        )
        expect(schools.items.map((s) => s.code).sort()).toEqual(["LS-1", "LS-2"])
        const students = yield* asTenant(
          tenant,
          Identity.use((i) => i.list({ user_type: "student", limit: 50 }))
        )
        expect(students.items).toHaveLength(6)
        const again = yield* run()
        expect(again).toMatchObject({
          schools: { created: 0, updated: 0 },
          users: { created: 0, updated: 0 },
          groups: { created: 0, updated: 0 },
          memberships: { added: 0, removed: 0 },
          teacher_assignments: { added: 0, removed: 0 }
        })
      })
    )
  })
}
