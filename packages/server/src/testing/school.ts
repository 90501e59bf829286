/**
 * Test support: a school day's cast over REST — a tenant with a school,
 * named students and teachers (signed-in-able with `TEST_PASSWORD`), one
 * group of students and courses around the present time. Used by the
 * attendance, close-course, live-roll and gRPC suites, which need the same
 * people and differ in their courses.
 *
 * @module
 */
import { Effect } from "effect"
import { call, type JsonResponse, loginToken, onboardTenant, TEST_PASSWORD } from "../testing.js"

/** An ISO 8601 instant `offsetMinutes` from now (negative: in the past). */
export const isoFromNow = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()

/** Who is in the school: user names (e-mail `<name>@<slug>.example.edu`); `grouped` students join the group "2A" (all students by default). */
export interface Cast {
  readonly students: ReadonlyArray<string>
  readonly teachers: ReadonlyArray<string>
  readonly grouped?: ReadonlyArray<string>
}

/** A course to create: minutes from now, its teachers by name (none by default), the group included. */
export interface CourseSpec {
  readonly name: string
  readonly startIn: number
  readonly endIn: number
  readonly teachers?: ReadonlyArray<string>
}

/**
 * Onboards tenant `slug` and creates a school "Hugo", the `cast` (each user
 * in that school), the group "2A" with the grouped students, and the
 * courses (of the school, with the group). Answers the tenant prefix `T`,
 * the admin's token, `post`/`get` helpers (as the admin unless given a
 * token), the school, users by name, the group, the courses in order, and
 * `token(name)` signing a user in.
 */
export const school = (slug: string, cast: Cast, courses: ReadonlyArray<CourseSpec> = []) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    const admin = yield* onboardTenant(slug)
    const post = (path: string, body: unknown, token = admin) => call("POST", `${T}${path}`, { auth: token, body })
    const get = (path: string, token = admin) => call("GET", `${T}${path}`, { auth: token })
    const hugo = (yield* post("/schools", { name: "Hugo" })).body
    const users: Record<string, JsonResponse["body"]> = {}
    const people = [
      ...cast.students.map((name) => [name, "student"] as const),
      ...cast.teachers.map((name) => [name, "teacher"] as const)
    ]
    for (const [name, user_type] of people) {
      users[name] = (yield* post("/users", {
        email: `${name}@${slug}.example.edu`,
        given_name: "G",
        family_name: name,
        user_type,
        password: TEST_PASSWORD,
        school_id: hugo.id
      })).body
    }
    const group = (yield* post("/groups", { school_id: hugo.id, name: "2A" })).body
    const student_ids = (cast.grouped ?? cast.students).map((name) => users[name].id)
    yield* call("PUT", `${T}/groups/${group.id}/members`, { auth: admin, body: { student_ids } })
    const made: Array<JsonResponse["body"]> = []
    for (const c of courses) {
      made.push(
        (yield* post("/courses", {
          school_id: hugo.id,
          name: c.name,
          start_at: isoFromNow(c.startIn),
          end_at: isoFromNow(c.endIn),
          ...(c.teachers ? { teacher_ids: c.teachers.map((name) => users[name].id) } : {}),
          group_ids: [group.id]
        })).body
      )
    }
    const token = (name: string) => loginToken(slug, `${name}@${slug}.example.edu`)
    return { T, admin, post, get, school: hugo, users, group, courses: made, token }
  })
