import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  Access,
  CreateTenant,
  Identity,
  OneRoster,
  policyUse,
  Roster,
  SchoolId,
  Tenancy,
  UserId
} from "@signet/core"
import { generateOneRoster, testDialects } from "@signet/core/testing"
import { Effect, Option, Schema } from "effect"
import { asTenant, auditCount, testActor, testCore } from "./support.js"

const SHARED = Path.resolve(__dirname, "../../../../shared/data/oneroster")
const SETS = Fs.existsSync(SHARED)
  ? [
      Path.join(SHARED, "catalyst-moodle-enrol_oneroster/v1p2_full_dataset"),
      Path.join(SHARED, "catalyst-moodle-enrol_oneroster/oneroster_test_data_v1p1"),
      Path.join(SHARED, "microsoft-sds-v2.1")
    ]
  : []
if (SETS.length === 0) console.warn(`OneRoster sets not found at ${SHARED}: shared-data import tests skipped`)

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

const planOf = (dir: string) =>
  Effect.promise(() => OneRoster.readOneRosterSource(dir)).pipe(Effect.map(OneRoster.parseOneRoster))

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`OneRoster import on ${dialect}`, (it) => {
    for (const [i, dir] of SETS.entries()) {
      it.effect(`imports ${Path.basename(dir)}; re-importing changes nothing`, () =>
        Effect.gen(function* () {
          const tenant = yield* onboard(`roster-${i}`)
          const plan = yield* planOf(dir)
          expect(plan.errors).toEqual([])
          const first = yield* asTenant(
            tenant,
            Roster.use((r) => r.importPlan(plan))
          ).pipe(Effect.provide(testActor))
          expect(first.users.created).toBeGreaterThan(0)
          expect(first.groups.created + first.groups.unchanged).toBeGreaterThan(0)
          expect(first.warnings.length).toBe(plan.warnings.length)
          const audits = yield* auditCount(tenant)
          const again = yield* asTenant(
            tenant,
            Roster.use((r) => r.importPlan(plan))
          ).pipe(Effect.provide(testActor))
          expect(again.users).toMatchObject({ created: 0, updated: 0 })
          expect(again.schools).toMatchObject({ created: 0, updated: 0 })
          expect(again.groups).toMatchObject({ created: 0, updated: 0 })
          expect(again.memberships).toEqual({ added: 0, removed: 0 })
          expect(yield* auditCount(tenant)).toBe(audits + 1) // one summary row per import
          const users = yield* asTenant(
            tenant,
            Identity.use((x) => x.list({ limit: 200 }))
          )
          expect(users.items.length).toBe(first.users.created - first.users.deleted)
        })
      )
    }

    it.effect("all-or-nothing: a plan with errors writes nothing; dry runs roll back; tobedeleted soft-deletes", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("roster-rules")
        const files = generateOneRoster({
          seed: 7,
          schools: 2,
          students: 30,
          teachers: 4,
          classes: 6,
          enrollmentsPerStudent: 2
        })
        const bytes = (m: ReadonlyMap<string, string>) =>
          new Map([...m].map(([k, v]) => [k, new TextEncoder().encode(v)]))
        const plan = OneRoster.parseOneRoster(bytes(files))
        expect(plan.errors).toEqual([])
        const dry = yield* asTenant(
          tenant,
          Roster.use((r) => r.importPlan(plan, { dryRun: true }))
        ).pipe(Effect.provide(testActor))
        expect(dry).toMatchObject({ dry_run: true, users: { created: 34 } })
        expect(
          (yield* asTenant(
            tenant,
            Academics.use((a) => a.listSchools())
          )).items
        ).toHaveLength(0)

        const broken = new Map(files)
        broken.set(
          "enrollments.csv",
          `${files.get("enrollments.csv")!.trimEnd()}\ne-dangling,active,2026-01-01,class-missing,,user-missing,student,false,,\n`
        )
        const bad = OneRoster.parseOneRoster(bytes(broken))
        expect(bad.errors.length).toBeGreaterThan(0)
        const failure = yield* Effect.flip(
          asTenant(
            tenant,
            Roster.use((r) => r.importPlan(bad))
          ).pipe(Effect.provide(testActor))
        )
        // importPlan can also fail Forbidden (administrators without *:*): narrow to the import failure.
        if (failure._tag !== "RosterImportFailed") throw new Error(`expected RosterImportFailed, got ${failure._tag}`)
        expect(failure.errors[0]).toMatchObject({ file: "enrollments.csv" })
        expect(
          (yield* asTenant(
            tenant,
            Academics.use((a) => a.listSchools())
          )).items
        ).toHaveLength(0)

        const done = yield* asTenant(
          tenant,
          Roster.use((r) => r.importPlan(plan))
        ).pipe(Effect.provide(testActor))
        expect(done).toMatchObject({ schools: { created: 2 }, users: { created: 34 }, groups: { created: 6 } })
        expect(done.memberships.added).toBe(60)
        // Imported users hold the default role of their type (one bulk assignment per role).
        const student = (yield* asTenant(
          tenant,
          Identity.use((x) => x.list({ user_type: "student", limit: 1 }))
        )).items[0]!
        const roles = yield* asTenant(
          tenant,
          Access.use((a) => a.listUserRoles(student.id).pipe(policyUse("roles:read")))
        ).pipe(Effect.provide(testActor))
        expect(roles.map((r) => r.role_name)).toEqual(["student"])
        const rolesOf = (id: UserId) =>
          asTenant(
            tenant,
            Access.use((a) => a.listUserRoles(id).pipe(policyUse("roles:read")))
          ).pipe(
            Effect.provide(testActor),
            Effect.map((rs) => rs.map((r) => r.role_name))
          )
        // Mark the first student tobedeleted and re-import.
        const users = files.get("users.csv")!.split("\n")
        const header = users[0]!.split(",")
        const statusCol = header.indexOf("status")
        const roleCol = header.indexOf("role")
        const idx = users.findIndex((l, n) => n > 0 && l.split(",")[roleCol] === "student")
        const cells = users[idx]!.split(",")
        cells[statusCol] = "tobedeleted"
        users[idx] = cells.join(",")
        const leaving = (yield* asTenant(
          tenant,
          Identity.use((x) => x.list({ q: cells[header.indexOf("email")]!, limit: 2 }))
        )).items[0]!
        expect(yield* rolesOf(leaving.id)).toEqual(["student"])
        const deleted = OneRoster.parseOneRoster(bytes(new Map(files).set("users.csv", users.join("\n"))))
        const after = yield* asTenant(
          tenant,
          Roster.use((r) => r.importPlan(deleted))
        ).pipe(Effect.provide(testActor))
        expect(after.users).toMatchObject({ deleted: 1, created: 0 })
        // The soft-deleted student keeps no grants (as DELETE …/users/{id}); listed again, they are
        // restored with the default role of their type.
        // The user is soft-deleted: listing their roles is now NotFound (issue 14), so ask RBAC directly.
        expect(
          yield* asTenant(
            tenant,
            Access.use((a) => a.roleNames(leaving.id))
          )
        ).toEqual([])
        const restored = yield* asTenant(
          tenant,
          Roster.use((r) => r.importPlan(plan))
        ).pipe(Effect.provide(testActor))
        expect(restored.users).toMatchObject({ updated: 1, created: 0 })
        expect(yield* rolesOf(leaving.id)).toEqual(["student"])

        // A student who becomes a teacher in a later import: the student's registered devices
        // and default role go, the teacher's default role comes; an extra role an admin gave stays.
        const other = users.findIndex((l, n) => n > idx && l.split(",")[roleCol] === "student")
        const email = users[other]!.split(",")[header.indexOf("email")]!
        const target = (yield* asTenant(
          tenant,
          Identity.use((x) => x.list({ q: email, limit: 2 }))
        )).items[0]
        expect(target).toBeDefined()
        yield* asTenant(
          tenant,
          Identity.use((x) => x.update(target!.id, { devices: ["phone-1"] }))
        ).pipe(Effect.provide(testActor))
        const viewer = yield* asTenant(
          tenant,
          Access.use((a) => a.findRoleByName("viewer").pipe(policyUse("roles:read")))
        ).pipe(Effect.provide(testActor))
        yield* asTenant(
          tenant,
          Access.use((a) => a.assignRole(target!.id, Option.getOrThrow(viewer).id).pipe(policyUse("roles:write")))
        ).pipe(Effect.provide(testActor))
        const retypedCells = users[other]!.split(",")
        retypedCells[roleCol] = "teacher"
        const retypedUsers = [...users]
        retypedUsers[other] = retypedCells.join(",")
        const retyped = OneRoster.parseOneRoster(bytes(new Map(files).set("users.csv", retypedUsers.join("\n"))))
        expect(retyped.errors).toEqual([])
        const third = yield* asTenant(
          tenant,
          Roster.use((r) => r.importPlan(retyped))
        ).pipe(Effect.provide(testActor))
        expect(third.users).toMatchObject({ created: 0, updated: 1 })
        const now = yield* asTenant(
          tenant,
          Identity.use((x) => x.get(target!.id))
        )
        expect(now).toMatchObject({ user_type: "teacher", devices: [] })
        expect(
          yield* asTenant(
            tenant,
            Identity.use((x) => x.validateStudentDevice(target!.id, "phone-1"))
          )
        ).toBe(false)
        const rolesNow = yield* asTenant(
          tenant,
          Access.use((a) => a.listUserRoles(target!.id).pipe(policyUse("roles:read")))
        ).pipe(Effect.provide(testActor))
        expect(rolesNow.map((r) => r.role_name).sort()).toEqual(["teacher", "viewer"])
      })
    )

    it.effect(
      "issue 15: a teacher imported with two schools may teach courses in both; students and other tenants' teachers may not",
      () =>
        Effect.gen(function* () {
          const tenant = yield* onboard("roster-two-schools")
          const stranger = yield* onboard("roster-two-schools-other")
          const files = generateOneRoster({
            seed: 1,
            schools: 2,
            students: 2,
            teachers: 2,
            classes: 2,
            enrollmentsPerStudent: 1
          })
          // tch-1 works in org-1 and org-2, and teaches cls-2 of org-2 besides cls-1 of org-1.
          const users = files
            .get("users.csv")!
            .replace(/^tch-1,(.*?),org-1,teacher,/m, 'tch-1,$1,"org-1,org-2",teacher,')
          expect(users).toContain('"org-1,org-2",teacher,chloe')
          const enrollments = `${files.get("enrollments.csv")!.trimEnd()}\nenr-extra,active,2025-08-01T00:00:00.000Z,cls-2,org-2,tch-1,teacher,false,2025-08-25,2026-07-03\n`
          const edited = new Map(files).set("users.csv", users).set("enrollments.csv", enrollments)
          const plan = OneRoster.parseOneRoster(new Map([...edited].map(([k, v]) => [k, new TextEncoder().encode(v)])))
          expect(plan.errors).toEqual([])
          for (const t of [tenant, stranger]) {
            yield* asTenant(
              t,
              Roster.use((r) => r.importPlan(plan))
            ).pipe(Effect.provide(testActor))
          }
          const idsIn = (t: typeof tenant) =>
            asTenant(
              t,
              Effect.gen(function* () {
                const people = (yield* Identity.use((x) => x.list({ limit: 100 }))).items
                const schools = (yield* Academics.use((a) => a.listSchools({ limit: 10 }))).items
                const person = (email: string) => people.find((u) => u.email === email)!.id
                // Generated org names end with their number (org-1 → "… 1").
                const school = (n: string) => schools.find((x) => x.name.endsWith(` ${n}`))!.id
                return {
                  both: person("chloe.oconnor@example.edu"),
                  second: person("yusuf.bernard@example.edu"),
                  student: person("amir.vanderberg@example.edu"),
                  school1: school("1"),
                  school2: school("2")
                }
              })
            )
          const ids = yield* idsIn(tenant)
          const foreign = yield* idsIn(stranger)
          const course = (school: string, teacher: string) =>
            asTenant(
              tenant,
              Academics.use((a) =>
                a.createCourse({
                  school_id: SchoolId.make(school),
                  name: "PE",
                  start_at: "2026-11-23T08:00:00Z",
                  end_at: "2026-11-23T09:00:00Z",
                  teacher_ids: [UserId.make(teacher)]
                })
              )
            ).pipe(Effect.provide(testActor))
          expect((yield* course(ids.school2, ids.both)).teacher_ids).toEqual([ids.both])
          expect((yield* course(ids.school1, ids.both)).teacher_ids).toEqual([ids.both])
          // tch-2 is of org-2 only: still refused in school 1.
          expect((yield* Effect.flip(course(ids.school1, ids.second)))._tag).toBe("CrossSchoolLink")
          // The same teacher imported into another tenant is unknown here.
          expect((yield* Effect.flip(course(ids.school2, foreign.both)))._tag).toBe("AcademicsNotFound")
          // Students stay bound to their school: stu-1 (org-1) cannot be a member of org-2's groups.
          const group2 = yield* asTenant(
            tenant,
            Academics.use((a) => a.listGroups({ school_id: ids.school2, limit: 10 }))
          )
          const refused = yield* Effect.flip(
            asTenant(
              tenant,
              Academics.use((a) => a.setMembers(group2.items[0]!.id, [ids.student]))
            ).pipe(Effect.provide(testActor))
          )
          expect(refused._tag).toBe("CrossSchoolLink")
        })
    )
  })
}
