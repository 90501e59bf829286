/**
 * OneRoster CSV import (issue "OneRoster CSV import: 1.1 and 1.2 bulk files"): the pure
 * parser `parseOneRoster`, `readOneRosterSource` and `generateOneRoster`.
 *
 * Runs on every real set in `../shared/data/oneroster/` (skipped with a visible message
 * where the folder is absent), on synthetic messy inputs, and as a fast-check property.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  type ImportIssue,
  type ImportPlan,
  parseOneRoster,
  readOneRosterSource
} from "@signet/core/academics/OneRoster"
import { generateOneRoster } from "@signet/core/testing"
import fc from "fast-check"
import { zipSync } from "fflate"
import { describe, expect, it } from "vitest"

const DATA = Path.resolve(__dirname, "../../../../shared/data/oneroster")
const V1P2 = Path.join(DATA, "catalyst-moodle-enrol_oneroster/v1p2_full_dataset")
const V1P1 = Path.join(DATA, "catalyst-moodle-enrol_oneroster/oneroster_test_data_v1p1")
const SDS = Path.join(DATA, "microsoft-sds-v2.1")
const hasData = Fs.existsSync(DATA)
if (!hasData) console.warn(`OneRoster sample sets not found at ${DATA}: shared-data OneRoster tests skipped`)

const encoder = new TextEncoder()
const encode = (files: Record<string, string | Uint8Array>): Map<string, Uint8Array> =>
  new Map(Object.entries(files).map(([name, v]) => [name, typeof v === "string" ? encoder.encode(v) : v]))
const fromText = (files: ReadonlyMap<string, string>) => encode(Object.fromEntries(files))

/** `code@file:line` of every issue, for compact assertions. */
const refs = (issues: ReadonlyArray<ImportIssue>) => issues.map((i) => `${i.code}@${i.file}:${i.line}`)
const find = (issues: ReadonlyArray<ImportIssue>, code: string, file: string, line: number) =>
  issues.find((i) => i.code === code && i.file === file && i.line === line)
const counts = (plan: ImportPlan) => ({
  schools: plan.schools.length,
  sessions: plan.sessions.length,
  groups: plan.groups.length,
  users: plan.users.length,
  enrollments: plan.enrollments.length
})

describe.skipIf(!hasData)("OneRoster shared sample sets", () => {
  it("every set in the shared folder parses with zero errors", async () => {
    const sets = [V1P2, V1P1, SDS]
    for (const dir of sets) {
      const plan = parseOneRoster(await readOneRosterSource(dir))
      expect(plan.errors, dir).toEqual([])
    }
  })

  it("v1p2_full_dataset (1.2 bulk with real-world warts)", async () => {
    const plan = parseOneRoster(await readOneRosterSource(V1P2))
    expect(plan.version).toBe("1.2")
    expect(plan.errors).toEqual([])
    expect(counts(plan)).toEqual({ schools: 1, sessions: 5, groups: 2, users: 6, enrollments: 6 })
    expect(plan.ignoredFiles).toEqual(["userprofiles.csv"])
    const w = plan.warnings
    // known header typo, trailing empty header columns
    expect(find(w, "header-typo", "roles.csv", 1)?.message).toContain("dataLastModified")
    expect(find(w, "header-typo", "users.csv", 1)?.message).toContain("prefferedGivenName")
    expect(find(w, "empty-header", "roles.csv", 1)).toBeDefined()
    // `1/05/2023` is day/month/year because the same set has `15/06/2023`
    expect(find(w, "non-iso-date", "users.csv", 2)?.message).toMatch(/'1\/05\/2023'.*2023-05-01.*users\.csv:7/)
    expect(find(w, "non-iso-date", "users.csv", 7)?.message).toContain("2023-06-15")
    // empty status → active; users.csv is a bulk file, where an empty status is allowed: no warning (issue 16)
    expect(find(w, "empty-status", "users.csv", 3)).toBeUndefined()
    expect(plan.users.find((u) => u.sourcedId === "usr-222-66778899")?.deleted).toBe(false)
    // tobedeleted / inactive → soft delete
    expect(plan.sessions.filter((s) => s.deleted).map((s) => s.sourcedId)).toEqual([
      "as-grp-222-23456",
      "as-grp-222-2345"
    ])
    expect(find(w, "inactive-status", "academicSessions.csv", 4)).toBeDefined()
    expect(plan.groups.map((g) => [g.sourcedId, g.deleted])).toEqual([
      ["cls-222-123456", false],
      ["cls-222-123478", true]
    ])
    expect(find(w, "reference-to-deleted", "enrollments.csv", 5)).toBeDefined()
    // courses.csv is `absent` in the manifest: course references cannot be checked
    expect(find(w, "unverified-reference", "classes.csv", 2)).toBeDefined()
    expect(plan.groups[0]).toMatchObject({
      title: "Introduction to Physics",
      classCode: "Phys 100 - 1",
      location: "Room 2-B",
      courseSourcedId: "crs-222-2023-456-12345",
      courseTitle: null,
      at: { file: "classes.csv", line: 2 }
    })
    expect(find(w, "manifest-value", "manifest.csv", 21)?.message).toContain("file.scoreScales")
    expect(find(w, "dangling-optional-reference", "orgs.csv", 2)).toBeDefined()
    // roles.csv: teacher + guardian → teacher; secondary siteAdministrator only → admin
    expect(plan.users.map((u) => [u.sourcedId, u.userType])).toEqual([
      ["usr-222-123456", "teacher"],
      ["usr-222-66778899", "student"],
      ["usr-222-1234561", "admin"],
      ["usr-222-987654", "teacher"],
      ["usr-222-1234561232", "student"],
      ["usr-222-567891", "student"]
    ])
    expect(find(w, "role-ignored", "roles.csv", 8)?.message).toContain("guardian")
    expect(find(w, "no-primary-role", "roles.csv", 4)).toBeDefined()
    // a teacher enrolled as a student is kept, with a warning
    expect(find(w, "enrollment-role-mismatch", "enrollments.csv", 3)).toBeDefined()
    expect(plan.users[0]).toMatchObject({
      email: "john.doe@myschool.com",
      username: "john.doe",
      givenName: "John",
      familyName: "Doe",
      identifier: "john.doe",
      schoolSourcedIds: ["org-sch-222-456"],
      enabled: true
    })
    expect(plan.enrollments.map((e) => e.role)).toEqual([
      "teacher",
      "student",
      "student",
      "teacher",
      "student",
      "student"
    ])
    // passwords are never carried
    expect(JSON.stringify(plan)).not.toContain("Password1-")
  })

  it("oneroster_test_data_v1p1 (its manifest declares 1.2 delta files)", async () => {
    const plan = parseOneRoster(await readOneRosterSource(V1P1))
    expect(plan.version).toBe("1.2")
    expect(plan.errors).toEqual([])
    expect(counts(plan)).toEqual({ schools: 1, sessions: 1, groups: 1, users: 1, enrollments: 1 })
    expect(plan.ignoredFiles).toEqual(["demographics.csv", "userProfiles.csv"])
    expect(refs(plan.warnings)).toContain("delta-mode@manifest.csv:24")
    expect(plan.groups[0]).toMatchObject({ sourcedId: "CLASS_001", courseTitle: "Crime Fighting 101" })
    expect(plan.users[0]).toMatchObject({
      sourcedId: "USER_0",
      userType: "student",
      email: null,
      username: "brucewayne",
      schoolSourcedIds: ["ORG_1"]
    })
    expect(plan.sessions[0]).toMatchObject({ startDate: "2023-09-04", endDate: "2024-01-26", type: "semester" })
  })

  it("Microsoft SDS v2.1 is read as a tolerated dialect", async () => {
    const plan = parseOneRoster(await readOneRosterSource(SDS))
    expect(plan.version).toBe("sds")
    expect(plan.errors).toEqual([])
    expect(counts(plan)).toEqual({ schools: 4, sessions: 2, groups: 2, users: 6, enrollments: 6 })
    expect(plan.ignoredFiles).toEqual(["demographics.csv", "relationships.csv", "userFlags.csv"])
    const w = plan.warnings
    expect(refs(w)).toContain("manifest-missing@manifest.csv:0")
    expect(find(w, "sds-dialect", "classes.csv", 1)?.message).toContain("orgSourcedId→schoolSourcedId")
    expect(find(w, "synthesized-sourced-id", "enrollments.csv", 1)).toBeDefined()
    // the two guardians of relationships.csv have no role: not imported
    expect(refs(w.filter((i) => i.code === "user-without-role"))).toEqual([
      "user-without-role@users.csv:3",
      "user-without-role@users.csv:6"
    ])
    expect(plan.groups[0]).toMatchObject({
      sourcedId: "112001",
      schoolSourcedId: "110001",
      courseTitle: "Computer Science 101"
    })
    // SDS `professor` → teacher assignment
    expect(plan.enrollments[1]).toMatchObject({ sourcedId: "112001:114006", role: "teacher", userSourcedId: "114006" })
    expect(plan.users.find((u) => u.sourcedId === "114007")).toMatchObject({
      userType: "teacher",
      schoolSourcedIds: ["110004", "110003"]
    })
    expect(plan.schools.map((s) => s.type)).toEqual(["college", "department", "school", "ministryOfEducation"])
  })

  it("re-reading the same files gives the same plan (idempotent upsert input)", async () => {
    for (const dir of [V1P2, V1P1, SDS]) {
      const files = await readOneRosterSource(dir)
      expect(parseOneRoster(files)).toEqual(parseOneRoster(files))
    }
  })

  it("reads a .zip (folder inside, __MACOSX and non-CSV entries skipped) like the directory", async () => {
    const files = await readOneRosterSource(V1P2)
    const entries: Record<string, Uint8Array> = {}
    for (const [name, bytes] of files) entries[`export/${name}`] = bytes
    entries["__MACOSX/export/._users.csv"] = new Uint8Array([0, 1, 2])
    entries["export/README.txt"] = encoder.encode("not a roster file")
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "oneroster-"))
    try {
      const zip = Path.join(dir, "set.zip")
      Fs.writeFileSync(zip, zipSync(entries))
      const fromZip = await readOneRosterSource(zip)
      expect([...fromZip.keys()]).toEqual([...files.keys()])
      expect(parseOneRoster(fromZip)).toEqual(parseOneRoster(files))
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("readOneRosterSource", () => {
  it("throws a clear Error for unreadable input", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "oneroster-"))
    try {
      await expect(readOneRosterSource(Path.join(dir, "nope"))).rejects.toThrow(/cannot read OneRoster source .*nope/)
      Fs.writeFileSync(Path.join(dir, "notes.txt"), "hello")
      await expect(readOneRosterSource(Path.join(dir, "notes.txt"))).rejects.toThrow(/not a directory or a \.zip/)
      await expect(readOneRosterSource(dir)).rejects.toThrow(/no \.csv file/)
      Fs.writeFileSync(Path.join(dir, "broken.zip"), new Uint8Array([0x50, 0x4b, 3, 4, 9, 9, 9]))
      await expect(readOneRosterSource(Path.join(dir, "broken.zip"))).rejects.toThrow(/invalid zip/)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

// A small, clean OneRoster 1.1 set; the tests below damage one file at a time.
const MANIFEST = `propertyName,value
manifest.version,1.0
oneroster.version,1.1
file.academicSessions,bulk
file.classes,bulk
file.courses,bulk
file.demographics,absent
file.enrollments,bulk
file.orgs,bulk
file.users,bulk
`
const ORGS = `sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
org-1,active,2024-01-01,North High,school,NH,
org-2,active,2024-01-01T00:00:00Z,South High,school,SH,
`
const SESSIONS = `sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
y-24,active,2024-01-01,2024-2025,schoolYear,2024-09-01,2025-06-30,,2025
`
const COURSES = `sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
crs-1,active,2024-01-01,y-24,Algebra I,ALG1,09,org-1,Mathematics,
`
const CLASSES = `sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
cls-1,active,2024-01-01,Algebra I - A,09,crs-1,ALG1-A,scheduled,Room 12,org-1,y-24,Mathematics,,1
cls-2,active,2024-01-01,"Algebra I, B",09,crs-1,ALG1-B,scheduled,,org-1,y-24,Mathematics,,2
`
const USERS = `sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
t-1,active,2024-01-01,true,org-1,teacher,ada,,Ada,Lovelace,,T1,ada@school.test,,,,,
s-1,active,2024-01-01,true,org-1,student,alan,,Alan,Turing,,S1,alan@school.test,,,,09,
s-2,active,2024-01-01,false,"org-1,org-2",student,grace,,Grace,Hopper,,S2,,,,,09,
a-1,active,2024-01-01,true,org-2,districtAdministrator,root,,Edsger,Dijkstra,,A1,edsger@school.test,,,,,
`
const ENROLLMENTS = `sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
e-1,active,2024-01-01,cls-1,org-1,t-1,teacher,true,2024-09-01,2025-06-30
e-2,active,2024-01-01,cls-1,org-1,s-1,student,false,,
e-3,active,2024-01-01,cls-2,org-1,s-2,student,false,,
`
const base = (): Record<string, string | Uint8Array> => ({
  "manifest.csv": MANIFEST,
  "orgs.csv": ORGS,
  "academicSessions.csv": SESSIONS,
  "courses.csv": COURSES,
  "classes.csv": CLASSES,
  "users.csv": USERS,
  "enrollments.csv": ENROLLMENTS
})
const parse = (overrides: Record<string, string | Uint8Array | undefined> = {}) => {
  const files = { ...base(), ...overrides }
  for (const [k, v] of Object.entries(files)) if (v === undefined) delete files[k]
  return parseOneRoster(encode(files as Record<string, string | Uint8Array>))
}

describe("parseOneRoster on synthetic inputs", () => {
  it("a clean 1.1 set gives no warning and the normalized plan", () => {
    const plan = parse()
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.version).toBe("1.1")
    expect(counts(plan)).toEqual({ schools: 2, sessions: 1, groups: 2, users: 4, enrollments: 3 })
    expect(plan.groups[1]).toEqual({
      sourcedId: "cls-2",
      title: "Algebra I, B",
      classCode: "ALG1-B",
      schoolSourcedId: "org-1",
      courseSourcedId: "crs-1",
      courseTitle: "Algebra I",
      location: null,
      deleted: false,
      at: { file: "classes.csv", line: 3 }
    })
    expect(plan.users[2]).toMatchObject({
      sourcedId: "s-2",
      email: null,
      enabled: false,
      schoolSourcedIds: ["org-1", "org-2"]
    })
    expect(plan.users[3].userType).toBe("admin")
    expect(plan.enrollments[0]).toMatchObject({ role: "teacher", primary: true })
  })

  it("BOM, CRLF and CR-only line endings read the same plan, with warnings for BOM and CR", () => {
    const clean = parse()
    const bom = parse({ "users.csv": new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(USERS)]) })
    expect(refs(bom.warnings)).toEqual(["bom@users.csv:1"])
    expect(bom.users).toEqual(clean.users)
    const crlf = parse({ "users.csv": USERS.replace(/\n/g, "\r\n"), "classes.csv": CLASSES.replace(/\n/g, "\r\n") })
    expect(crlf.warnings).toEqual([])
    expect(crlf.users).toEqual(clean.users)
    const cr = parse({ "users.csv": USERS.replace(/\n/g, "\r") })
    expect(refs(cr.warnings)).toEqual(["cr-line-endings@users.csv:1"])
    expect(cr.users).toEqual(clean.users)
  })

  it("CR-only files keep correct line numbers for errors", () => {
    const users = USERS.replace("s-1,active,2024-01-01,true,org-1,", "s-1,active,2024-01-01,true,org-9,").replace(
      /\n/g,
      "\r"
    )
    const plan = parse({ "users.csv": users })
    expect(refs(plan.errors)).toEqual(["dangling-reference@users.csv:3"])
  })

  it("trailing empty columns and short rows are tolerated with warnings", () => {
    const users = USERS.split("\n")
      .map((l, i) => (i === 0 ? `${l},,` : i === 1 ? `${l},,,` : l))
      .join("\n")
    const plan = parse({ "users.csv": users })
    expect(plan.errors).toEqual([])
    expect(refs(plan.warnings)).toEqual(["empty-header@users.csv:1", "trailing-empty-cells@users.csv:2"])
    const short = parse({ "enrollments.csv": `${ENROLLMENTS}e-4,active,2024-01-01,cls-2,org-1,t-1,teacher\n` })
    expect(refs(short.warnings)).toEqual(["short-row@enrollments.csv:5"])
    expect(short.enrollments[3]).toMatchObject({ sourcedId: "e-4", primary: false })
  })

  it("a shifted row (extra non-empty cells) is an error at its line", () => {
    const plan = parse({
      "classes.csv": `${CLASSES}cls-3,active,2024-01-01,Algebra I, C,09,crs-1,X,scheduled,,org-1,y-24,Mathematics,,3\n`
    })
    expect(refs(plan.errors)).toEqual(["column-count@classes.csv:4"])
  })

  it("a missing required column is an error at line 1", () => {
    const plan = parse({ "enrollments.csv": ENROLLMENTS.replace("classSourcedId,", "").replace(/,cls-\d/g, "") })
    expect(refs(plan.errors)).toEqual(["missing-required-column@enrollments.csv:1"])
    expect(plan.errors[0].message).toContain("classSourcedId")
  })

  it("a duplicate sourcedId is an error at the repeated line", () => {
    const plan = parse({ "users.csv": `${USERS}s-1,active,2024-01-01,true,org-1,student,alan2,,Alan,Two,,S9,,,,,,\n` })
    expect(refs(plan.errors)).toEqual(["duplicate-sourced-id@users.csv:6"])
    expect(plan.errors[0].message).toContain("line 3")
  })

  it("dangling references are errors at the referencing line", () => {
    const plan = parse({
      "enrollments.csv": `${ENROLLMENTS}e-4,active,2024-01-01,cls-1,org-1,ghost,student,false,,\ne-5,active,2024-01-01,cls-9,org-1,s-1,student,false,,\n`,
      "classes.csv": `${CLASSES}cls-3,active,2024-01-01,Lost,09,crs-404,,scheduled,,org-404,,,,\n`
    })
    expect(refs(plan.errors)).toEqual([
      "dangling-reference@classes.csv:4",
      "dangling-reference@classes.csv:4",
      "dangling-reference@enrollments.csv:5",
      "dangling-reference@enrollments.csv:6"
    ])
    expect(plan.errors.map((e) => e.message).join("\n")).toMatch(
      /schoolSourcedId 'org-404'[\s\S]*courseSourcedId 'crs-404'/
    )
  })

  it("delta files and absent files turn dangling references into unverified warnings", () => {
    const plan = parse({
      "manifest.csv": MANIFEST.replace("file.enrollments,bulk", "file.enrollments,delta").replace(
        "file.users,bulk",
        "file.users,delta"
      ),
      "enrollments.csv": `${ENROLLMENTS}e-4,active,2024-01-01,cls-1,org-1,elsewhere,student,false,,\n`
    })
    expect(plan.errors).toEqual([])
    expect(refs(plan.warnings)).toContain("unverified-reference@enrollments.csv:5")
    expect(plan.enrollments).toHaveLength(4)
    const noCourses = parse({
      "manifest.csv": MANIFEST.replace("file.courses,bulk", "file.courses,absent"),
      "courses.csv": undefined
    })
    expect(noCourses.errors).toEqual([])
    expect(refs(noCourses.warnings)).toEqual([
      "unverified-reference@classes.csv:2",
      "unverified-reference@classes.csv:3"
    ])
    expect(noCourses.groups[0].courseTitle).toBeNull()
  })

  it("a file the manifest declares but the set lacks is an error", () => {
    const plan = parse({ "courses.csv": undefined })
    expect(refs(plan.errors)).toEqual(["file-missing@manifest.csv:6"])
  })

  it("known header typos, empty status, tobedeleted and non-ISO dates", () => {
    const plan = parse({
      "orgs.csv": ORGS.replace("dateLastModified", "dataLastModified").replace("org-2,active", "org-2,"),
      "academicSessions.csv": `${SESSIONS}t-1,tobedeleted,2024-01-01,Term 1,term,1/05/2024,05/13/2024,y-24,2025\n`,
      "enrollments.csv": `${ENROLLMENTS}e-9,tobedeleted,2024-01-01,cls-1,org-1,long-gone,student,false,,\n`
    })
    expect(plan.errors).toEqual([])
    expect(refs(plan.warnings)).toEqual([
      "header-typo@orgs.csv:1",
      "non-iso-date@academicSessions.csv:3",
      "non-iso-date@academicSessions.csv:3",
      "stale-reference@enrollments.csv:5"
    ])
    // 05/13/2024 can only be month/day, so the ambiguous 1/05/2024 of the same set is too
    expect(plan.sessions[1]).toMatchObject({ startDate: "2024-01-05", endDate: "2024-05-13", deleted: true })
    expect(plan.warnings[1].message).toContain("month/day/year")
    expect(plan.schools[1].deleted).toBe(false)
    expect(plan.enrollments.at(-1)).toMatchObject({ sourcedId: "e-9", deleted: true })
  })

  it("without evidence, ambiguous slashed dates are day/month/year; impossible dates are ignored", () => {
    const plan = parse({
      "academicSessions.csv": `${SESSIONS}t-1,active,2024-01-01,Term 1,term,1/05/2024,2024-02-30,y-24,2025\n`
    })
    expect(plan.sessions[1]).toMatchObject({ startDate: "2024-05-01", endDate: null })
    expect(refs(plan.warnings)).toEqual(["non-iso-date@academicSessions.csv:3", "invalid-date@academicSessions.csv:3"])
  })

  it("an invalid status is an error; quoted multi-line values keep later line numbers right", () => {
    const plan = parse({
      "classes.csv": `${CLASSES}cls-3,active,2024-01-01,"Two\nlines",09,crs-1,,scheduled,,org-1,,,,\ncls-4,archived,2024-01-01,X,09,crs-1,,scheduled,,org-1,,,,\n`
    })
    expect(refs(plan.errors)).toEqual(["invalid-status@classes.csv:6"])
    expect(plan.groups[2]).toMatchObject({ title: "Two\nlines", at: { file: "classes.csv", line: 4 } })
  })

  it("guardians are skipped and so are their enrollments", () => {
    const plan = parse({
      "users.csv": `${USERS}p-1,active,2024-01-01,true,org-1,guardian,mum,,Mary,Turing,,,mary@home.test,,,,,\n`,
      "enrollments.csv": `${ENROLLMENTS}e-4,active,2024-01-01,cls-1,org-1,p-1,student,false,,\n`
    })
    expect(plan.errors).toEqual([])
    expect(refs(plan.warnings)).toEqual(["guardian-skipped@users.csv:6", "enrollment-skipped@enrollments.csv:5"])
    expect(plan.users.map((u) => u.sourcedId)).not.toContain("p-1")
    expect(plan.enrollments).toHaveLength(3)
  })

  it("users without email nor username, and broken emails, are flagged", () => {
    const plan = parse({
      "users.csv": `${USERS}s-3,active,2024-01-01,true,org-1,student,,,Nobody,Known,,,,,,,,\ns-4,active,2024-01-01,true,org-1,student,kurt,,Kurt,Gödel,,,not-an-email,,,,,\n`
    })
    expect(refs(plan.warnings)).toEqual(["no-contact@users.csv:6", "invalid-email@users.csv:7"])
    expect(plan.users.at(-1)).toMatchObject({ email: null, username: "kurt", familyName: "Gödel" })
  })

  it("without a manifest, the version comes from the headers", () => {
    const plan = parse({ "manifest.csv": undefined })
    expect(plan.version).toBe("1.1")
    expect(plan.errors).toEqual([])
    expect(refs(plan.warnings)).toEqual(["manifest-missing@manifest.csv:0"])
  })

  it("CSV syntax errors, Windows-1252 files, stray quotes and duplicate files", () => {
    const unclosed = parse({ "orgs.csv": `${ORGS}org-3,active,2024-01-01,"Unclosed,school,,\n` })
    expect(refs(unclosed.errors)[0]).toMatch(/^csv-syntax@orgs\.csv:\d+$/)
    // "Zoë" in Windows-1252: 0xEB
    const latin = new Uint8Array([
      ...encoder.encode(`${ORGS}org-3,active,2024-01-01,Zo`),
      0xeb,
      ...encoder.encode(" High,school,,\n")
    ])
    const l = parse({ "orgs.csv": latin })
    expect(refs(l.warnings)).toEqual(["encoding@orgs.csv:1"])
    expect(l.schools[2].name).toBe("Zoë High")
    const stray = parse({ "orgs.csv": `${ORGS}org-3,active,2024-01-01,The "Best" School,school,,\n` })
    expect(stray.errors).toEqual([])
    expect(stray.schools[2].name).toBe('The "Best" School')
    expect(refs(stray.warnings)).toEqual(["relaxed-quotes@orgs.csv:4"])
    const dup = parseOneRoster(encode({ ...base(), "export/Users.CSV": USERS }))
    expect(refs(dup.errors)).toEqual(["duplicate-file@Users.CSV:0"])
  })

  it("a 1.2 layout: roles.csv gives users their role and orgs; unknown files are ignored", () => {
    const users12 = `sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns
t-1,active,2024-01-01,true,ada,,Ada,Lovelace,,T1,ada@school.test,,,,,,,,,,org-1,
s-1,active,2024-01-01,true,alan,,Alan,Turing,,S1,alan@school.test,,,,,,,,,,org-1,
c-1,active,2024-01-01,true,carl,,Carl,Rogers,,C1,carl@school.test,,,,,,,,,,org-2,
`
    const roles = `sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
r-1,active,2024-01-01,t-1,primary,teacher,,,org-1,
r-2,active,2024-01-01,t-1,secondary,teacher,,,org-2,
r-3,active,2024-01-01,s-1,primary,student,,,org-1,
r-4,active,2024-01-01,c-1,primary,counselor,,,org-2,
`
    const plan = parse({
      "manifest.csv": MANIFEST.replace("oneroster.version,1.1", "oneroster.version,1.2").concat("file.roles,bulk\n"),
      "users.csv": users12,
      "roles.csv": roles,
      "enrollments.csv": ENROLLMENTS.split("\n").slice(0, 3).join("\n"),
      "demographics.csv": "sourcedId\n"
    })
    expect(plan.errors).toEqual([])
    expect(plan.version).toBe("1.2")
    expect(plan.users.map((u) => [u.sourcedId, u.userType, u.schoolSourcedIds])).toEqual([
      ["t-1", "teacher", ["org-1", "org-2"]],
      ["s-1", "student", ["org-1"]]
    ])
    expect(refs(plan.warnings)).toEqual(["unsupported-role@roles.csv:5"])
    expect(plan.ignoredFiles).toEqual(["demographics.csv"])
  })
})

describe("parseOneRoster: 1.2 layout without roles.csv", () => {
  it("is one file-missing error, not one warning per user", () => {
    const users12 = `sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,email,primaryOrgSourcedId
s-1,active,2024-01-01,true,alan,Alan,Turing,alan@school.test,org-1
`
    const plan = parse({
      "users.csv": users12,
      "manifest.csv": MANIFEST.replace("1.1", "1.2"),
      "enrollments.csv": ENROLLMENTS.split("\n")
        .filter((l, i) => i === 0 || l.includes(",s-1,"))
        .join("\n")
    })
    expect(refs(plan.errors)).toEqual(["file-missing@roles.csv:0"])
    expect(plan.warnings.filter((w) => w.code === "user-without-role")).toEqual([])
    expect(plan.users).toEqual([])
  })
})

describe("parseOneRoster: deletions in the 1.2 layout", () => {
  it("a tobedeleted user whose roles are tobedeleted too still reaches the plan as a soft delete", () => {
    const users12 = `sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName,email,primaryOrgSourcedId
t-1,active,2024-01-01,true,ada,Ada,Lovelace,ada@school.test,org-1
t-2,tobedeleted,2024-01-01,true,bob,Bob,Gone,bob@school.test,org-1
t-3,tobedeleted,2024-01-01,true,eve,Eve,Gone,eve@school.test,org-1
`
    const roles = `sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
r-1,active,2024-01-01,t-1,primary,teacher,,,org-1,
r-2,tobedeleted,2024-01-01,t-2,primary,teacher,,,org-1,
r-3,tobedeleted,2024-01-01,t-1,secondary,student,,,org-1,
`
    const plan = parse({
      "manifest.csv": `${MANIFEST.replace("1.1", "1.2")}file.roles,bulk\n`,
      "users.csv": users12,
      "roles.csv": roles,
      "enrollments.csv": ENROLLMENTS.split("\n")[0]
    })
    expect(plan.errors).toEqual([])
    expect(plan.users.map((u) => [u.sourcedId, u.userType, u.deleted])).toEqual([
      ["t-1", "teacher", false],
      ["t-2", "teacher", true],
      ["t-3", "student", true]
    ])
    // the deleted student role of an active user is not a "role-ignored"
    expect(refs(plan.warnings)).toEqual(["user-without-role@users.csv:4"])
  })
})

/** The enrollments `generateOneRoster` documents for its distribution. */
const expectedEnrollments = (o: {
  schools: number
  students: number
  teachers: number
  classes: number
  enrollmentsPerStudent: number
}) => {
  const inSchool = (n: number, s: number) => (n > s ? Math.floor((n - s - 1) / o.schools) + 1 : 0)
  let total = 0
  for (let s = 0; s < o.schools; s++) {
    const classes = inSchool(o.classes, s)
    if (inSchool(o.teachers, s) > 0) total += classes
    total += inSchool(o.students, s) * Math.min(o.enrollmentsPerStudent, classes)
  }
  return total
}

describe("generateOneRoster", () => {
  const options = { seed: 7, schools: 3, students: 120, teachers: 9, classes: 18, enrollmentsPerStudent: 4 }

  it("round-trips through parseOneRoster with zero errors, zero warnings and the requested counts", () => {
    const plan = parseOneRoster(fromText(generateOneRoster(options)))
    expect(plan.errors).toEqual([])
    expect(plan.warnings).toEqual([])
    expect(plan.version).toBe("1.1")
    expect(counts(plan)).toEqual({ schools: 3, sessions: 3, groups: 18, users: 129, enrollments: 120 * 4 + 18 })
    expect(plan.users.filter((u) => u.userType === "teacher")).toHaveLength(9)
    expect(plan.users.every((u) => u.email?.endsWith("@example.edu"))).toBe(true)
    expect(plan.groups.every((g) => g.courseTitle !== null)).toBe(true)
  })

  it("is deterministic per seed, and the seed matters", () => {
    expect(generateOneRoster(options)).toEqual(generateOneRoster(options))
    expect(generateOneRoster({ ...options, seed: 8 }).get("users.csv")).not.toBe(
      generateOneRoster(options).get("users.csv")
    )
    expect(generateOneRoster({ ...options, domain: "lycee.fr" }).get("users.csv")).toContain("@lycee.fr")
  })

  it("rejects impossible options", () => {
    expect(() => generateOneRoster({ ...options, schools: 0 })).toThrow(RangeError)
    expect(() => generateOneRoster({ ...options, students: -1 })).toThrow(RangeError)
    expect(() => generateOneRoster({ ...options, classes: 1.5 })).toThrow(RangeError)
  })

  it("property: every generated set parses with zero errors and the documented counts", () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer(),
          schools: fc.integer({ min: 1, max: 4 }),
          students: fc.integer({ min: 0, max: 40 }),
          teachers: fc.integer({ min: 0, max: 8 }),
          classes: fc.integer({ min: 0, max: 12 }),
          enrollmentsPerStudent: fc.integer({ min: 0, max: 5 })
        }),
        (o) => {
          const plan = parseOneRoster(fromText(generateOneRoster(o)))
          expect(plan.errors).toEqual([])
          expect(plan.warnings).toEqual([])
          expect(counts(plan)).toEqual({
            schools: o.schools,
            sessions: 3,
            groups: o.classes,
            users: o.students + o.teachers,
            enrollments: expectedEnrollments(o)
          })
        }
      ),
      { numRuns: 60 }
    )
  })
})
