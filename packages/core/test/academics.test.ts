import { expect, layer } from "@effect/vitest"
import { Academics, CreateTenant, CreateUser, Identity, Tenancy } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { asTenant, auditCount, testActor, testCore } from "./support.js"

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

const user = (email: string, user_type: string, extra: Record<string, unknown> = {}) =>
  Identity.use((i) =>
    i.create(Schema.decodeUnknownSync(CreateUser)({ email, given_name: "G", family_name: "F", user_type, ...extra }))
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Academics on ${dialect}`, (it) => {
    it.effect("schools, classrooms, groups and courses with the seed's validation queries", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("aca-alpha")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "Lycée Hugo", code: "HUGO", timezone: "Europe/Paris" })
            const other = yield* a.createSchool({
              name: "Collège Zola",
              code: "ZOLA",
              preferences: { default_signature_closing_delay_minutes: 5 }
            })
            expect((yield* a.getSchoolPreferences(school.id)).default_signature_closing_delay_minutes).toBe(15)
            expect((yield* a.getSchoolPreferences(other.id)).default_signature_closing_delay_minutes).toBe(5)
            expect(yield* Effect.flip(a.createSchool({ name: "Dup", code: "HUGO" }))).toMatchObject({
              _tag: "Conflict",
              field: "code"
            })

            const room = yield* a.createClassroom({ school_id: school.id, name: "Salle 101", code: "101" })
            const zolaRoom = yield* a.createClassroom({ school_id: other.id, name: "Salle 1", code: "1" })
            const g1 = yield* a.createGroup({ school_id: school.id, name: "2nde A", code: "2A" })
            const g2 = yield* a.createGroup({ school_id: school.id, name: "Option Latin", code: "LAT" })
            const zolaGroup = yield* a.createGroup({ school_id: other.id, name: "6e B" })

            // Listings: filtered by school, and paged by id across schools.
            const ids = (p: { readonly items: ReadonlyArray<{ readonly id: string }> }) => p.items.map((x) => x.id)
            expect(ids(yield* a.listClassrooms({ school_id: other.id }))).toEqual([zolaRoom.id])
            expect(ids(yield* a.listGroups({ school_id: school.id })).sort()).toEqual([g1.id, g2.id].sort())
            const groups1 = yield* a.listGroups({ limit: 2 })
            const groups2 = yield* a.listGroups({ limit: 2, cursor: groups1.next_cursor! })
            expect([...ids(groups1), ...ids(groups2)].sort()).toEqual([g1.id, g2.id, zolaGroup.id].sort())
            expect(groups2.next_cursor).toBeNull()
            const schools1 = yield* a.listSchools({ limit: 1 })
            expect(ids(yield* a.listSchools({ limit: 1, cursor: schools1.next_cursor! }))).not.toEqual(ids(schools1))

            // Soft delete: answers the row as it was, then the row is gone for reads, lists and a second delete.
            const spare = yield* a.createClassroom({ school_id: other.id, name: "Salle 2", code: "2" })
            expect((yield* a.deleteClassroom(spare.id)).id).toBe(spare.id)
            expect(yield* Effect.flip(a.getClassroom(spare.id))).toMatchObject({ _tag: "AcademicsNotFound" })
            expect(yield* Effect.flip(a.deleteClassroom(spare.id))).toMatchObject({ _tag: "AcademicsNotFound" })
            expect(ids(yield* a.listClassrooms({ school_id: other.id }))).toEqual([zolaRoom.id])
            const [s1, s2, s3] = yield* Effect.all([
              user("s1@aca.example.edu", "student"),
              user("s2@aca.example.edu", "student"),
              user("s3@aca.example.edu", "student")
            ])
            const teacher = yield* user("t1@aca.example.edu", "teacher")
            const groupTeacher = yield* user("t2@aca.example.edu", "teacher")
            expect(yield* a.setMembers(g1.id, [s1!.id, s2!.id])).toMatchObject({ added: 2, members: 2 })
            yield* a.setMembers(g2.id, [s2!.id])
            expect((yield* Effect.flip(a.setMembers(g1.id, [teacher.id]))).message).toContain("is not a student")
            yield* a.setGroupTeachers(g2.id, [groupTeacher.id])

            const course = yield* a.createCourse({
              school_id: school.id,
              name: "Maths",
              start_at: "2026-11-23T08:00:00Z",
              end_at: "2026-11-23T09:00:00Z",
              teacher_ids: [teacher.id],
              classroom_ids: [room.id],
              group_ids: [g1.id, g2.id]
            })
            expect(course).toMatchObject({
              signature_closing_delay_minutes: 15,
              closing_delay_overridden: false,
              signature_closed: false
            })
            expect(course.group_ids.length).toBe(2)
            // Cross-school links are refused, and nothing is written.
            for (const bad of [{ classroom_ids: [zolaRoom.id] }, { group_ids: [zolaGroup.id] }]) {
              const e = yield* Effect.flip(
                a.createCourse({
                  school_id: school.id,
                  name: "X",
                  start_at: "2026-11-23T10:00:00Z",
                  end_at: "2026-11-23T11:00:00Z",
                  ...bad
                })
              )
              expect(e._tag).toBe("CrossSchoolLink")
            }
            const ended = yield* Effect.flip(
              a.createCourse({
                school_id: school.id,
                name: "X",
                start_at: "2026-11-23T10:00:00Z",
                end_at: "2026-11-23T09:00:00Z"
              })
            )
            expect(ended).toMatchObject({ _tag: "ValidationError" })

            // ValidateStudentCourse: ANY group of the course; matched groups returned.
            expect(yield* a.validateStudentCourse(s2!.id, course.id)).toMatchObject({
              is_allowed: true,
              matched_group_ids: [g1.id, g2.id].sort()
            })
            expect(yield* a.validateStudentCourse(s1!.id, course.id)).toMatchObject({
              is_allowed: true,
              matched_group_ids: [g1.id]
            })
            expect((yield* a.validateStudentCourse(s3!.id, course.id)).is_allowed).toBe(false)
            expect(yield* a.validateTeacherCourse(teacher.id, course.id)).toBe(true)
            expect(yield* a.validateTeacherCourse(groupTeacher.id, course.id)).toBe(true) // through group g2
            expect(yield* a.validateTeacherCourse(s1!.id, course.id)).toBe(false)
            expect(yield* a.validateClassroomCourse(room.id, course.id)).toBe(true)
            expect(yield* a.validateClassroomCourse(zolaRoom.id, course.id)).toBe(false)

            // Closing delay: override, then back to the school default.
            expect(
              (yield* a.updateCourse(course.id, { signature_closing_delay_minutes: 30 }))
                .signature_closing_delay_minutes
            ).toBe(30)
            yield* a.updateSchoolPreferences(school.id, { default_signature_closing_delay_minutes: 20 })
            const reset = yield* a.updateCourse(course.id, { signature_closing_delay_minutes: null })
            expect(reset).toMatchObject({ signature_closing_delay_minutes: 20, closing_delay_overridden: false })

            // Listing with filters.
            const later = yield* a.createCourse({
              school_id: school.id,
              name: "Latin",
              start_at: "2026-11-24T08:00:00Z",
              end_at: "2026-11-24T09:00:00Z",
              group_ids: [g2.id]
            })
            const names = (p: Parameters<typeof a.listCourses>[0]) =>
              Effect.map(a.listCourses(p), (r) => r.items.map((c) => c.name))
            expect(yield* names({ school_id: school.id })).toEqual(["Maths", "Latin"])
            expect(yield* names({ from: "2026-11-24T00:00:00Z" })).toEqual(["Latin"])
            expect(yield* names({ to: "2026-11-24T00:00:00Z" })).toEqual(["Maths"])
            expect(yield* names({ group_id: g1.id })).toEqual(["Maths"])
            expect(yield* names({ teacher_id: teacher.id })).toEqual(["Maths"])
            expect(yield* names({ classroom_id: room.id })).toEqual(["Maths"])
            const page1 = yield* a.listCourses({ limit: 1 })
            const page2 = yield* a.listCourses({ limit: 1, cursor: page1.next_cursor! })
            expect([page1.items[0]!.name, page2.items[0]!.name]).toEqual(["Maths", "Latin"])
            expect((yield* a.coursesInClassroomAt(room.id, "2026-11-23T08:30:00Z")).map((c) => c.id)).toEqual([
              course.id
            ])

            // CloseExpiredCourses(now) closes ended courses only, once.
            expect((yield* a.closeExpiredCourses("2026-11-23T12:00:00Z")).closed_count).toBe(1)
            expect((yield* a.closeExpiredCourses("2026-11-23T12:00:00Z")).closed_count).toBe(0)
            expect((yield* a.getCourse(course.id)).signature_closed).toBe(true)
            expect((yield* a.getCourse(later.id)).signature_closed).toBe(false)
          }).pipe(Effect.provide(testActor))
        )
        expect(yield* auditCount(tenant)).toBeGreaterThan(15)
      })
    )

    it.effect("ValidateTeacherCourse answers a change of the course's or a group's teachers at once", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("aca-teach")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const a = yield* Academics
            const school = yield* a.createSchool({ name: "Lycée Camus" })
            const group = yield* a.createGroup({ school_id: school.id, name: "1ère B", code: "1B" })
            const first = yield* user("t1@teach.example.edu", "teacher")
            const second = yield* user("t2@teach.example.edu", "teacher")
            const course = yield* a.createCourse({
              school_id: school.id,
              name: "Physique",
              start_at: "2026-11-23T08:00:00Z",
              end_at: "2026-11-23T09:00:00Z",
              teacher_ids: [first.id],
              group_ids: [group.id]
            })
            const teaches = Effect.all([
              a.validateTeacherCourse(first.id, course.id),
              a.validateTeacherCourse(second.id, course.id)
            ])
            expect(yield* teaches).toEqual([true, false])
            expect(yield* teaches).toEqual([true, false])
            yield* a.updateCourse(course.id, { teacher_ids: [] })
            expect(yield* teaches).toEqual([false, false])
            yield* a.setGroupTeachers(group.id, [second.id])
            expect(yield* teaches).toEqual([false, true])
          }).pipe(Effect.provide(testActor))
        )
      })
    )

    it.effect("another tenant's objects answer not found", () =>
      Effect.gen(function* () {
        const a1 = yield* onboard("aca-one")
        const a2 = yield* onboard("aca-two")
        const school = yield* asTenant(
          a1,
          Academics.use((a) => a.createSchool({ name: "One" }))
        ).pipe(Effect.provide(testActor))
        const e = yield* Effect.flip(
          asTenant(
            a2,
            Academics.use((a) => a.getSchool(school.id))
          )
        )
        expect(e).toMatchObject({ _tag: "AcademicsNotFound", resource: "school" })
        const room = yield* Effect.flip(
          asTenant(
            a2,
            Academics.use((a) => a.createClassroom({ school_id: school.id, name: "X", code: "X" }))
          ).pipe(Effect.provide(testActor))
        )
        expect(room._tag).toBe("AcademicsNotFound")
        expect(
          (yield* asTenant(
            a2,
            Academics.use((a) => a.listSchools())
          )).items
        ).toHaveLength(0)
      })
    )
  })
}
