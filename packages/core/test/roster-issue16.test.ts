/**
 * Issue 16, roster side: school codes from `orgs.identifier`, warnings that do not drown
 * the signal (no empty-status warning in bulk files; warnings grouped by kind), and the
 * academic sessions an import stores. Runs on SQLite and, with SIGNET_TEST_PG_URL, on
 * Postgres; on files generated in the test and on the shared sets in
 * `../shared/data/oneroster` (skipped with a message where absent).
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { AcademicSession, Academics, ImportMessage, OneRoster, Roster, type SchoolId } from "@signet/core"
import { groupMessages } from "@signet/core/academics/Kit"
import { pickSchoolYear } from "@signet/core/academics/Sessions"
import { generateOneRoster, ownerQuery, testDialects } from "@signet/core/testing"
import { DateTime, Effect, Option } from "effect"
import { describe, it as plain } from "vitest"
import { asTenant, onboard, TestDbUrl, testActor, testCore } from "./support.js"

const SHARED = Path.resolve(__dirname, "../../../../shared/data/oneroster")
const V1P2 = Path.join(SHARED, "catalyst-moodle-enrol_oneroster/v1p2_full_dataset")
const SDS = Path.join(SHARED, "microsoft-sds-v2.1")
const hasShared = Fs.existsSync(V1P2)
if (!hasShared) console.warn(`OneRoster sets not found at ${SHARED}: shared-data tests of issue 16 skipped`)

const encoder = new TextEncoder()
const bytes = (m: ReadonlyMap<string, string>) => new Map([...m].map(([k, v]) => [k, encoder.encode(v)]))
const generated = (overrides: Record<string, (text: string) => string> = {}, schools = 2) => {
  const files = new Map(
    generateOneRoster({ seed: 16, schools, students: 20, teachers: 2, classes: 4, enrollmentsPerStudent: 1 })
  )
  for (const [name, edit] of Object.entries(overrides)) files.set(name, edit(files.get(name)!))
  return OneRoster.parseOneRoster(bytes(files))
}
/** Sets the `status` cell (2nd column) of every data row of a CSV text to empty. */
const emptyStatus = (text: string) =>
  text
    .split("\r\n")
    .map((line, i) => (i === 0 || line === "" ? line : line.replace(/^([^,]*),active,/, "$1,,")))
    .join("\r\n")

const importAs = (tenant: { id: string; slug: string }, plan: OneRoster.ImportPlan) =>
  asTenant(
    tenant,
    Roster.use((r) => r.importPlan(plan))
  ).pipe(Effect.provide(testActor))
const schoolsOf = (tenant: { id: string; slug: string }) =>
  asTenant(
    tenant,
    Academics.use((a) => a.listSchools())
  ).pipe(Effect.map((page) => page.items))

describe("groupMessages (issue 16)", () => {
  const m = (code: string, line: number) =>
    new ImportMessage({ file: "users.csv", line, code, message: `${code} ${line}` })
  plain("groups by code in order of first appearance, with counts and the first examples", () => {
    const groups = groupMessages([m("a", 1), m("b", 2), m("a", 3), m("a", 4)], 2)
    expect(groups.map((g) => [g.code, g.count, g.examples.map((e) => e.line)])).toEqual([
      ["a", 3, [1, 3]],
      ["b", 1, [2]]
    ])
  })
  plain("keeps five examples by default", () => {
    const groups = groupMessages(Array.from({ length: 12 }, (_, i) => m("x", i + 2)))
    expect(groups).toHaveLength(1)
    expect(groups[0].count).toBe(12)
    expect(groups[0].examples.map((e) => e.line)).toEqual([2, 3, 4, 5, 6])
  })
})

describe("academic sessions: org of a session and the school year of a date (issue 16)", () => {
  plain("a session used by the classes and courses of one school belongs to it; of two schools, to none", () => {
    const one = generated({}, 1)
    expect(one.sessions.map((s) => [s.sourcedId, s.type, s.orgSourcedId])).toEqual([
      ["as-2025", "schoolYear", "org-1"],
      ["as-2025-s1", "semester", "org-1"],
      ["as-2025-s2", "semester", "org-1"]
    ])
    // Two schools: their courses name the same school year, which is then of neither (tenant-wide).
    const two = generated()
    expect(two.sessions[0]).toMatchObject({ sourcedId: "as-2025", orgSourcedId: null })
  })
  const year = (title: string, start: string, end: string, school: string | null = null) =>
    new AcademicSession({
      id: "0192d4e0-0000-7000-8000-000000000001" as never,
      school_id: school as never,
      source_id: title,
      type: "schoolYear",
      title,
      start_date: start,
      end_date: end,
      parent_source_id: null,
      school_year: null
    })
  const years = [year("2025-2026", "2025-08-25", "2026-07-03"), year("2026-2027", "2026-08-24", "2027-07-02")]
  plain("the year covering the date (both ends inclusive), else the next one, else none", () => {
    const title = (date: string) => Option.map(pickSchoolYear(years, date), (y) => y.title).pipe(Option.getOrNull)
    expect(title("2026-07-03")).toBe("2025-2026")
    expect(title("2026-07-04")).toBe("2026-2027")
    expect(title("2025-01-01")).toBe("2025-2026")
    expect(title("2027-07-03")).toBeNull()
  })
  plain("a school's own year wins over a tenant-wide one; other session types are not years", () => {
    const own = year("Own", "2025-09-01", "2026-06-30", "0192d4e0-0000-7000-8000-0000000000aa")
    const term = new AcademicSession({ ...year("Term", "2025-01-01", "2027-12-31"), type: "term" })
    expect(Option.getOrThrow(pickSchoolYear([...years, own, term], "2025-10-01")).title).toBe("Own")
  })
})

describe("parseOneRoster: empty status (issue 16)", () => {
  plain("in a bulk file an empty status is read as active without a warning", () => {
    const plan = generated({ "users.csv": emptyStatus })
    expect(plan.errors).toEqual([])
    expect(plan.warnings.filter((w) => w.code === "empty-status")).toEqual([])
    expect(plan.users.every((u) => !u.deleted)).toBe(true)
  })
  plain("in a delta file an empty status still warns", () => {
    const plan = generated({
      "manifest.csv": (t) => t.replace("file.users,bulk", "file.users,delta"),
      "users.csv": emptyStatus
    })
    expect(plan.warnings.filter((w) => w.code === "empty-status").length).toBe(22)
  })
  plain("one invalid e-mail among many empty statuses is the one warning left", () => {
    const plan = generated({
      "users.csv": (t) => emptyStatus(t).replace(/,([^,@\s]+)@example\.edu,/, ",$1.example.edu,")
    })
    expect(plan.warnings.map((w) => w.code)).toEqual(["invalid-email"])
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`issue 16 roster import on ${dialect}`, (it) => {
    it.effect("a school's code is its org's identifier, on create and on update", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-codes")
        yield* importAs(tenant, generated())
        expect((yield* schoolsOf(tenant)).map((s) => s.code).sort()).toEqual(["SCH0001", "SCH0002"])
        const renamed = generated({ "orgs.csv": (t) => t.replace("SCH0002", "LYC-22") })
        const summary = yield* importAs(tenant, renamed)
        expect(summary.schools).toMatchObject({ updated: 1, unchanged: 1 })
        expect((yield* schoolsOf(tenant)).map((s) => s.code).sort()).toEqual(["LYC-22", "SCH0001"])
      })
    )

    it.effect("an identifier already used by another school is not taken, with a warning", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-taken")
        const plan = generated({ "orgs.csv": (t) => t.replace("SCH0002", "SCH0001") })
        const summary = yield* importAs(tenant, plan)
        expect(summary.warnings.map((w) => w.code)).toEqual(["school-code-taken"])
        expect(summary.warnings[0]).toMatchObject({ file: "orgs.csv", line: 3 })
        expect(
          (yield* schoolsOf(tenant)).map((s) => s.code).sort((a, b) => String(a).localeCompare(String(b)))
        ).toEqual([null, "SCH0001"])
      })
    )

    it.effect("the summary groups warnings by code, with counts and examples", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-groups")
        const plan = generated({ "users.csv": (t) => t.replace(/@example\.edu,/g, ".example.edu,") })
        const summary = yield* importAs(tenant, plan)
        expect(summary.warnings.length).toBe(22)
        expect(summary.warning_groups.map((g) => [g.code, g.count, g.examples.length])).toEqual([
          ["invalid-email", 22, 5]
        ])
        expect(summary.warning_groups[0].examples[0]).toEqual(summary.warnings[0])
      })
    )

    it.effect("a refused import (422) carries its warnings grouped too", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-refused")
        const plan = generated({
          "users.csv": (t) => t.replace(/@example\.edu,/g, ".example.edu,"),
          "enrollments.csv": (t) => `${t}e-x,active,2025-08-01,cls-404,,stu-1,student,false,,\r\n`
        })
        expect(plan.errors.map((e) => e.code)).toEqual(["dangling-reference"])
        const failure = yield* Effect.flip(importAs(tenant, plan))
        if (failure._tag !== "RosterImportFailed") throw new Error(`expected RosterImportFailed, got ${failure._tag}`)
        expect(failure.warning_groups?.map((g) => [g.code, g.count])).toEqual([["invalid-email", 22]])
      })
    )

    it.effect("an import stores the sessions per school; findSchoolYear answers the year at an instant", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-sessions")
        const summary = yield* importAs(tenant, generated({}, 1))
        expect(summary.sessions).toMatchObject({ created: 3 })
        const school = (yield* schoolsOf(tenant))[0]
        const sessions = yield* asTenant(
          tenant,
          Academics.use((a) => a.listSessions(school.id))
        )
        expect(sessions.map((s) => [s.source_id, s.school_id, s.start_date, s.end_date])).toEqual([
          ["as-2025", school.id, "2025-08-25", "2026-07-03"],
          ["as-2025-s1", school.id, "2025-08-25", "2026-01-23"],
          ["as-2025-s2", school.id, "2026-01-26", "2026-07-03"]
        ])
        const yearAt = (iso: string) =>
          asTenant(
            tenant,
            Academics.use((a) => a.findSchoolYear(school.id, DateTime.unsafeMake(iso)))
          )
        expect(Option.getOrThrow(yield* yearAt("2026-03-01T10:00:00Z"))).toMatchObject({
          title: "2025-2026",
          start_date: "2025-08-25",
          end_date: "2026-07-03"
        })
        expect(Option.isSome(yield* yearAt("2025-01-01T00:00:00Z"))).toBe(true) // the next year
        expect(Option.isNone(yield* yearAt("2026-07-04T12:00:00Z"))).toBe(true)
        const again = yield* importAs(tenant, generated({}, 1))
        expect(again.sessions).toMatchObject({ created: 0, updated: 0, unchanged: 3 })
      })
    )

    it.effect("a session of several schools is tenant-wide: every school sees it; tobedeleted removes it", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-wide")
        yield* importAs(tenant, generated())
        for (const school of yield* schoolsOf(tenant)) {
          const year = yield* asTenant(
            tenant,
            Academics.use((a) => a.findSchoolYear(school.id, DateTime.unsafeMake("2025-12-01T00:00:00Z")))
          )
          expect(Option.getOrThrow(year).title).toBe("2025-2026")
        }
        const gone = yield* importAs(
          tenant,
          generated({ "academicSessions.csv": (t) => t.replace("as-2025,active", "as-2025,tobedeleted") })
        )
        expect(gone.sessions).toMatchObject({ deleted: 1 })
        const school = (yield* schoolsOf(tenant))[0]
        const left = yield* asTenant(
          tenant,
          Academics.use((a) => a.listSessions(school.id))
        )
        expect(left.map((s) => s.source_id)).toEqual(["as-2025-s1", "as-2025-s2"])
      })
    )

    it.effect.skipIf(dialect !== "pg")("academic_sessions has row-level security like the other academics tables", () =>
      Effect.gen(function* () {
        const a = yield* onboard("i16-rls-a")
        const b = yield* onboard("i16-rls-b")
        yield* importAs(a, generated({}, 1))
        const sql = yield* SqlClient.SqlClient
        const url = yield* TestDbUrl
        const owner = yield* Effect.promise(() =>
          ownerQuery(
            url,
            "SELECT COUNT(*)::int AS n, bool_and(c.relforcerowsecurity) AS forced FROM academic_sessions, pg_class c WHERE c.relname = 'academic_sessions'"
          )
        )
        expect(owner[0].forced).toBe(true)
        expect(owner[0].n).toBeGreaterThanOrEqual(3) // every tenant's rows, as the owner sees them
        expect(yield* sql.unsafe("SELECT * FROM academic_sessions")).toHaveLength(0)
        expect(yield* asTenant(b, sql.unsafe("SELECT * FROM academic_sessions"))).toHaveLength(0)
        expect(yield* asTenant(a, sql.unsafe("SELECT * FROM academic_sessions"))).toHaveLength(3)
      })
    )

    it.effect("another tenant's school answers AcademicsNotFound, never its sessions", () =>
      Effect.gen(function* () {
        const a = yield* onboard("i16-iso-a")
        const b = yield* onboard("i16-iso-b")
        yield* importAs(a, generated({}, 1))
        const schoolOfA = (yield* schoolsOf(a))[0].id as SchoolId
        const err = yield* asTenant(
          b,
          Academics.use((x) => x.findSchoolYear(schoolOfA, DateTime.unsafeMake("2026-01-01T00:00:00Z")))
        ).pipe(Effect.flip)
        expect(err._tag).toBe("AcademicsNotFound")
        const listed = yield* asTenant(
          b,
          Academics.use((x) => x.listSessions(schoolOfA))
        ).pipe(Effect.flip)
        expect(listed._tag).toBe("AcademicsNotFound")
      })
    )

    it.effect.skipIf(!hasShared)("Microsoft SDS set: the 2021 school year (of two schools) is every school's", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-sds")
        const plan = OneRoster.parseOneRoster(yield* Effect.promise(() => OneRoster.readOneRosterSource(SDS)))
        expect(plan.sessions.map((s) => [s.sourcedId, s.orgSourcedId])).toEqual([
          ["SY2021K12", null],
          ["FS2021HED", "110001"]
        ])
        yield* importAs(tenant, plan)
        const biology = (yield* schoolsOf(tenant)).find((s) => s.source_id === "110003")!
        const year = yield* asTenant(
          tenant,
          Academics.use((x) => x.findSchoolYear(biology.id, DateTime.unsafeMake("2022-01-15T09:00:00Z")))
        )
        expect(Option.getOrThrow(year)).toMatchObject({ title: "2021 School Year", end_date: "2022-06-11" })
      })
    )

    it.effect.skipIf(!hasShared)("v1p2_full_dataset: the org's identifier becomes the school code", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("i16-v1p2")
        const plan = OneRoster.parseOneRoster(yield* Effect.promise(() => OneRoster.readOneRosterSource(V1P2)))
        expect(plan.schools.map((s) => s.identifier)).toEqual(["History"])
        yield* importAs(tenant, plan)
        expect((yield* schoolsOf(tenant)).map((s) => s.code)).toEqual(["History"])
      })
    )
  })
}
