/**
 * Bulk course creation (issue 16): `Academics.createCourses` creates a school
 * year's occurrences in multi-row statements with the same checks as
 * `createCourse`, and records one audit row and one CloudEvent per batch.
 */
import { expect, layer } from "@effect/vitest"
import { Academics, Audit, CreateTenant, CreateUser, Identity, type SchoolId, Tenancy } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { asTenant, outboxCount, testActor, testCore } from "./support.js"

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

const teacher = (email: string) =>
  Identity.use((i) =>
    i.create(Schema.decodeUnknownSync(CreateUser)({ email, given_name: "T", family_name: "T", user_type: "teacher" }))
  )

/** `n` one-hour lessons a day apart from 2027-01-04 08:00Z, keyed `bulk-<i>`. */
const lessons = (n: number, links: Record<string, ReadonlyArray<string>> = {}) =>
  Array.from({ length: n }, (_, i) => {
    const start = Date.UTC(2027, 0, 4, 8) + i * 86_400_000
    return {
      name: `Lesson ${i}`,
      start_at: new Date(start).toISOString(),
      end_at: new Date(start + 3_600_000).toISOString(),
      source_key: `bulk-${i}`,
      ...links
    }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 180_000 })(`Academics.createCourses on ${dialect}`, (it) => {
    it.effect("creates every course with its links, readable as createCourse's", () =>
      asTenantOf("bulk-links", (a, school) =>
        Effect.gen(function* () {
          const room = yield* a.createClassroom({ school_id: school, name: "Room 1", code: "R1" })
          const group = yield* a.createGroup({ school_id: school, name: "Group 1", code: "G1" })
          const t = yield* teacher("bulk-t@example.edu")
          const ids = yield* a.createCourses(
            school,
            lessons(3, { classroom_ids: [room.id], group_ids: [group.id], teacher_ids: [t.id] })
          )
          const courses = yield* a.getCourses(ids)
          expect(courses.map((c) => c.name).sort()).toEqual(["Lesson 0", "Lesson 1", "Lesson 2"])
          for (const c of courses) {
            expect(c.classroom_ids).toEqual([room.id])
            expect(c.group_ids).toEqual([group.id])
            expect(c.teacher_ids).toEqual([t.id])
            expect(c.school_id).toBe(school)
          }
        })
      )
    )

    it.effect("records one audit row and one CloudEvent per 500 courses, not one per course", () =>
      Effect.gen(function* () {
        const audits = { before: 0, after: 0 }
        const events = yield* outboxCount("signet.academics.courses.created")
        yield* asTenantOf("bulk-audit", (a, school) =>
          Effect.gen(function* () {
            audits.before = yield* Audit.use((x) => x.count)
            expect(yield* a.createCourses(school, lessons(1_001))).toHaveLength(1_001)
            audits.after = yield* Audit.use((x) => x.count)
          })
        )
        expect(audits.after - audits.before).toBe(3)
        expect((yield* outboxCount("signet.academics.courses.created")) - events).toBe(3)
        expect(yield* outboxCount("signet.academics.course.created")).toBe(0)
      })
    )

    it.effect("refuses a course ending before it starts, naming it, and writes nothing", () =>
      asTenantOf("bulk-bad", (a, school) =>
        Effect.gen(function* () {
          const input = lessons(3)
          const bad = [input[0]!, { ...input[1]!, end_at: input[1]!.start_at }, input[2]!]
          const e = yield* Effect.flip(a.createCourses(school, bad))
          expect(e).toMatchObject({ _tag: "ValidationError" })
          expect(JSON.stringify(e)).toContain("courses[1].end_at")
          expect((yield* a.listCourses({ school_id: school })).items).toEqual([])
        })
      )
    )

    it.effect("refuses a classroom of another school (CrossSchoolLink) and writes nothing", () =>
      asTenantOf("bulk-cross", (a, school) =>
        Effect.gen(function* () {
          const other = yield* a.createSchool({ name: "Other", code: "OTHER" })
          const room = yield* a.createClassroom({ school_id: other.id, name: "Elsewhere", code: "X" })
          const e = yield* Effect.flip(a.createCourses(school, lessons(2, { classroom_ids: [room.id] })))
          expect(e).toMatchObject({ _tag: "CrossSchoolLink" })
          expect((yield* a.listCourses({ school_id: school })).items).toEqual([])
        })
      )
    )

    it.effect("refuses a source key the school already holds (Conflict) and writes nothing", () =>
      asTenantOf("bulk-dup", (a, school) =>
        Effect.gen(function* () {
          yield* a.createCourses(school, lessons(1))
          const e = yield* Effect.flip(a.createCourses(school, lessons(2)))
          expect(e).toMatchObject({ _tag: "Conflict", field: "source_key" })
          expect((yield* a.listCourses({ school_id: school })).items).toHaveLength(1)
        })
      )
    )
  })
}

/** Runs `f` as a fresh tenant with one school. */
function asTenantOf<A, E, R>(
  slug: string,
  f: (a: Academics, school: SchoolId, tenant: { readonly id: string; readonly slug: string }) => Effect.Effect<A, E, R>
) {
  return Effect.gen(function* () {
    const tenant = yield* onboard(slug)
    return yield* asTenant(
      tenant,
      Effect.gen(function* () {
        const a = yield* Academics
        const school = yield* a.createSchool({ name: `${slug} school`, code: slug.toUpperCase() })
        return yield* f(a, school.id, tenant)
      })
    ).pipe(Effect.provide(testActor))
  })
}
