/**
 * Issue 14 "core is the security boundary": the rules the server used to apply around core's
 * operations hold for an in-process caller of the facades too (no HTTP involved).
 */
import { expect, layer } from "@effect/vitest"
import {
  AcademicsAdmin,
  AccessAdmin,
  AttendanceAdmin,
  CourseId,
  CreateUser,
  Identity,
  policyUse,
  SchoolId,
  UserId
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema, TestClock } from "effect"
import { as, asTenant, onboard, operator, testCore, user } from "./support.js"

const iso = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString()

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`core facades on ${dialect} (issue 14)`, (it) => {
    it.effect("AccessAdmin.assignRole for a user id that is not the tenant's is NotFound and writes nothing", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("bnd-roles")
        const other = yield* onboard("bnd-roles-2")
        const stranger = yield* asTenant(other, user("x@bnd2.example.edu", "teacher"))
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const roles = yield* AccessAdmin.listRoles().pipe(policyUse("roles:read"))
            const role = roles.items.find((r) => r.name === "manager")!
            for (const id of [stranger.id, UserId.make("0193a5b0-0000-7000-8000-000000000000")]) {
              const e = yield* Effect.flip(AccessAdmin.assignRole(id, role.id).pipe(policyUse("roles:write")))
              expect(e).toMatchObject({ _tag: "NotFound", resource: "user" })
            }
          }).pipe(as(operator))
        )
        const theirs = yield* asTenant(
          other,
          AccessAdmin.listUserRoles(stranger.id).pipe(policyUse("roles:read"), as(operator))
        )
        expect(theirs.map((r) => r.role_name)).toEqual(["teacher"])
      })
    )

    it.effect("a role change by a user without a recent MFA verification is refused (step-up)", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("bnd-stepup")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const admin = yield* user("a@bnd.example.edu", "admin")
            const teacher = yield* user("t@bnd.example.edu", "teacher")
            const roles = yield* AccessAdmin.listRoles().pipe(policyUse("roles:read"), as(operator))
            const manager = roles.items.find((r) => r.name === "manager")!
            const e = yield* Effect.flip(
              AccessAdmin.assignRole(teacher.id, manager.id).pipe(
                policyUse("roles:write"),
                as({ kind: "user", id: admin.id, sessionId: "0193a5b0-0000-7000-8000-00000000beef" })
              )
            )
            expect(e).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
            // An operator is not asked.
            yield* AccessAdmin.assignRole(teacher.id, manager.id).pipe(policyUse("roles:write"), as(operator))
          })
        )
      })
    )

    it.effect("a teacher updates their own course; another teacher, or a change of teachers, is Forbidden", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("bnd-courses")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const mine = yield* user("t1@bnd.example.edu", "teacher")
            const theirs = yield* user("t2@bnd.example.edu", "teacher")
            const school = yield* AcademicsAdmin.createSchool({ name: "Hugo", code: "HUGO" }).pipe(
              policyUse("academics:write"),
              as(operator)
            )
            const course = yield* AcademicsAdmin.createCourse({
              school_id: school.id,
              name: "Maths",
              start_at: iso(60),
              end_at: iso(120),
              teacher_ids: [mine.id]
            }).pipe(policyUse("academics:write"), as(operator))
            const renamed = yield* AcademicsAdmin.updateCourse(course.id, { name: "Maths 2" }).pipe(
              as({ kind: "user", id: mine.id })
            )
            expect(renamed.name).toBe("Maths 2")
            const other = yield* Effect.flip(
              AcademicsAdmin.updateCourse(course.id, { name: "Hijacked" }).pipe(as({ kind: "user", id: theirs.id }))
            )
            expect(other).toMatchObject({ _tag: "Forbidden" })
            const links = yield* Effect.flip(
              AcademicsAdmin.updateCourse(course.id, { teacher_ids: [theirs.id] }).pipe(
                as({ kind: "user", id: mine.id })
              )
            )
            expect(links.message).toContain("cannot change a course's teachers")
          })
        )
      })
    )

    it.effect("ValidateStudentCourse names another tenant's user: not found", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("bnd-validate")
        const other = yield* onboard("bnd-validate-2")
        const stranger = yield* asTenant(other, user("s@bnd2.example.edu", "student"))
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const school = yield* AcademicsAdmin.createSchool({ name: "Hugo", code: "HUGO" }).pipe(
              policyUse("academics:write")
            )
            const course = yield* AcademicsAdmin.createCourse({
              school_id: school.id,
              name: "Maths",
              start_at: iso(60),
              end_at: iso(120)
            }).pipe(policyUse("academics:write"))
            const e = yield* Effect.flip(
              AcademicsAdmin.validateStudentCourse(stranger.id, course.id).pipe(policyUse("academics:read"))
            )
            expect(e).toMatchObject({ _tag: "AcademicsNotFound", resource: "user" })
          }).pipe(as(operator))
        )
      })
    )

    it.effect("NFC is off by default, and when on, the school's network policy applies to it (issue 15 §3)", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.now())
        const tenant = yield* onboard("bnd-nfc")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const student = yield* Identity.use((i) =>
              i.create(
                Schema.decodeUnknownSync(CreateUser)({
                  email: "s@bnd-nfc.example.edu",
                  given_name: "S",
                  family_name: "N",
                  user_type: "student",
                  devices: ["phone-1"]
                })
              )
            ).pipe(as(operator))
            const write = policyUse("academics:write")
            const school = yield* AcademicsAdmin.createSchool({ name: "Hugo", code: "HUGO" }).pipe(write, as(operator))
            const group = yield* AcademicsAdmin.createGroup({ school_id: school.id, name: "G" }).pipe(
              write,
              as(operator)
            )
            yield* AcademicsAdmin.setMembers(group.id, [student.id]).pipe(write, as(operator))
            const course = yield* AcademicsAdmin.createCourse({
              school_id: school.id,
              name: "Maths",
              start_at: iso(-5),
              end_at: iso(55),
              group_ids: [group.id]
            }).pipe(write, as(operator))
            const tap = AttendanceAdmin.createSignatureAttempt({
              course_id: CourseId.make(course.id),
              method: "NFC",
              device_identifier: "phone-1"
            }).pipe(as({ kind: "user", id: student.id, userType: "student", ip: "203.0.113.5" }))
            expect(yield* tap).toMatchObject({ status: "REFUSED", reason_code: "METHOD_DISABLED" })
            yield* AcademicsAdmin.updateSchoolPreferences(school.id, { enable_nfc: true }).pipe(write, as(operator))
            yield* AttendanceAdmin.updatePolicy(SchoolId.make(school.id), { ip_allowlist: ["10.0.0.0/8"] }).pipe(
              policyUse("attendance:admin"),
              as(operator)
            )
            expect(yield* tap).toMatchObject({ status: "REFUSED", reason_code: "IP_NOT_ALLOWED" })
          })
        )
      })
    )

    it.effect("a roll-call mark by an administrator is recorded as ADMIN, a teacher's as TEACHER (issue 15 §6)", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.now())
        const tenant = yield* onboard("bnd-roll")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const teacher = yield* user("t@bnd-roll.example.edu", "teacher")
            const [s1, s2] = [
              yield* user("s1@bnd-roll.example.edu", "student"),
              yield* user("s2@bnd-roll.example.edu", "student")
            ]
            const write = policyUse("academics:write")
            const school = yield* AcademicsAdmin.createSchool({ name: "Hugo", code: "HUGO" }).pipe(write, as(operator))
            const group = yield* AcademicsAdmin.createGroup({ school_id: school.id, name: "G" }).pipe(
              write,
              as(operator)
            )
            yield* AcademicsAdmin.setMembers(group.id, [s1.id, s2.id]).pipe(write, as(operator))
            const course = yield* AcademicsAdmin.createCourse({
              school_id: school.id,
              name: "Maths",
              start_at: iso(-5),
              end_at: iso(55),
              teacher_ids: [teacher.id],
              group_ids: [group.id]
            }).pipe(write, as(operator))
            yield* AttendanceAdmin.markRoll(CourseId.make(course.id), {
              marks: [{ student_id: s1.id, result: "PRESENT" }]
            }).pipe(as({ kind: "user", id: teacher.id, userType: "teacher" }))
            yield* AttendanceAdmin.markRoll(CourseId.make(course.id), {
              marks: [{ student_id: s2.id, result: "PRESENT" }]
            }).pipe(as(operator))
            const roll = yield* AttendanceAdmin.getRoll(CourseId.make(course.id)).pipe(
              policyUse("attendance:read"),
              as(operator)
            )
            const methodOf = (id: string) => roll.entries.find((e) => e.student_id === id)?.method
            expect([methodOf(s1.id), methodOf(s2.id)]).toEqual(["TEACHER", "ADMIN"])
          })
        )
      })
    )

    it.effect("CloseExpiredCourses closes by the server's clock and needs attendance:admin (issue 15 §3)", () =>
      Effect.gen(function* () {
        // The clock of the process is the one that decides (TestClock here, the system clock in a server).
        yield* TestClock.setTime(Date.now())
        const tenant = yield* onboard("bnd-close")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const teacher = yield* user("t@bnd-close.example.edu", "teacher")
            const school = yield* AcademicsAdmin.createSchool({ name: "Hugo", code: "HUGO" }).pipe(
              policyUse("academics:write"),
              as(operator)
            )
            const make = (start: number, end: number) =>
              AcademicsAdmin.createCourse({
                school_id: school.id,
                name: "C",
                start_at: iso(start),
                end_at: iso(end)
              }).pipe(policyUse("academics:write"), as(operator))
            const ended = yield* make(-180, -120)
            const later = yield* make(30 * 24 * 60, 30 * 24 * 60 + 60)
            const refused = yield* Effect.flip(
              AttendanceAdmin.closeExpiredCourses().pipe(
                policyUse("attendance:admin"),
                as({ kind: "user", id: teacher.id })
              )
            )
            expect(refused).toMatchObject({ _tag: "Forbidden", permission: "attendance:admin" })
            const result = yield* AttendanceAdmin.closeExpiredCourses().pipe(
              policyUse("attendance:admin"),
              as(operator)
            )
            expect(result.course_ids).toContain(ended.id)
            expect(result.course_ids).not.toContain(later.id)
          })
        )
      })
    )
  })
}
