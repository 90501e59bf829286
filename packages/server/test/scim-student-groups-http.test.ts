/**
 * Issue 19 §3 "SCIM groups map to Signet teams (and optionally student
 * groups)": a SCIM group created with Signet's Group extension
 * (`kind: "student_group"`, `schoolId`) is an academics student group of
 * that school; PATCH member add/remove/replace changes its membership
 * through academics (students of the school only); its kind is fixed;
 * a token without `student_groups` is refused; another tenant's group
 * answers 404.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, onboardTenant, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
const SIGNET = "urn:signet:params:scim:schemas:extension:group:2.0"
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

/** A SCIM request with `token`. */
const scim = (method: string, slug: string, path: string, token: string, body?: unknown) =>
  call(method, `/t/${slug}/scim/v2${path}`, {
    auth: token,
    headers: { "content-type": "application/scim+json" },
    ...(body === undefined ? {} : { body })
  })

/** A tenant with a school, two of its students and a teacher; a student-group SCIM token. */
const setup = (slug: string, studentGroups = true) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    yield* onboardTenant(slug)
    const school = (yield* call("POST", `${T}/schools`, { body: { name: "Hugo" } })).body
    const person = (name: string, user_type: string) =>
      Effect.map(
        call("POST", `${T}/users`, {
          body: {
            email: `${name}@${slug}.example.edu`,
            given_name: name,
            family_name: "X",
            user_type,
            school_id: school.id
          }
        }),
        (r) => {
          expect(r.status, r.text).toBe(201)
          return r.body.id as string
        }
      )
    const a = yield* person("ann", "student")
    const b = yield* person("bob", "student")
    const teacher = yield* person("tess", "teacher")
    const created = yield* call("POST", `${T}/scim/tokens`, { body: { name: "Entra", student_groups: studentGroups } })
    expect(created.status, created.text).toBe(201)
    return { T, school: school.id as string, a, b, teacher, token: created.body.token as string }
  })

/** A student group body for `school` with these members. */
const studentGroup = (school: string, members: ReadonlyArray<string>, name = "5B") => ({
  schemas: [GROUP, SIGNET],
  displayName: name,
  externalId: `ext-${name}`,
  members: members.map((value) => ({ value })),
  [SIGNET]: { kind: "student_group", schoolId: school }
})

const values = (body: { members: ReadonlyArray<{ value: string }> }) => body.members.map((m) => m.value).sort()

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 180_000, excludeTestServices: true })(
    `SCIM groups as student groups on ${dialect} (issue 19 §3)`,
    (it) => {
      it.effect("a group created with kind student_group is a student group of the school, with its members", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-create")
          const res = yield* scim("POST", "ssg-create", "/Groups", s.token, studentGroup(s.school, [s.a]))
          expect(res.status, res.text).toBe(201)
          expect(res.body.schemas).toEqual([GROUP, SIGNET])
          expect(res.body[SIGNET]).toEqual({ kind: "student_group", schoolId: s.school })
          const group = yield* call("GET", `${s.T}/groups/${res.body.id}`)
          expect(group.status, group.text).toBe(200)
          expect(group.body).toMatchObject({ school_id: s.school, name: "5B", member_count: 1 })
          const teams = yield* call("GET", `${s.T}/teams/${res.body.id}`)
          expect(teams.status).toBe(404)
        })
      )

      it.effect("PATCH add, remove and replace change the student group's membership", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-patch")
          const gid = (yield* scim("POST", "ssg-patch", "/Groups", s.token, studentGroup(s.school, [s.a]))).body.id
          const patch = (op: Record<string, unknown>) =>
            scim("PATCH", "ssg-patch", `/Groups/${gid}`, s.token, { schemas: [PATCH], Operations: [op] })
          const added = yield* patch({ op: "Add", path: "members", value: [{ value: s.b }] })
          expect(added.status, added.text).toBe(200)
          expect(values(added.body)).toEqual([s.a, s.b].sort())
          const removed = yield* patch({ op: "Remove", path: `members[value eq "${s.a}"]` })
          expect(values(removed.body)).toEqual([s.b])
          const replaced = yield* patch({ op: "replace", path: "members", value: [{ value: s.a }] })
          expect(values(replaced.body)).toEqual([s.a])
          const members = yield* call("GET", `${s.T}/groups/${gid}/members`)
          expect(members.text).toContain(s.a)
          expect(members.text).not.toContain(s.b)
        })
      )

      it.effect("a member who is not a student of the school answers 400 invalidValue and changes nothing", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-teacher")
          const gid = (yield* scim("POST", "ssg-teacher", "/Groups", s.token, studentGroup(s.school, [s.a]))).body.id
          const res = yield* scim("PATCH", "ssg-teacher", `/Groups/${gid}`, s.token, {
            schemas: [PATCH],
            Operations: [{ op: "add", path: "members", value: [{ value: s.teacher }] }]
          })
          expect(res.status, res.text).toBe(400)
          expect(res.body.scimType).toBe("invalidValue")
          expect(values((yield* scim("GET", "ssg-teacher", `/Groups/${gid}`, s.token)).body)).toEqual([s.a])
        })
      )

      it.effect("an unknown school answers 400 invalidValue", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-school")
          const res = yield* scim(
            "POST",
            "ssg-school",
            "/Groups",
            s.token,
            studentGroup("0190a0a0-0000-7000-8000-000000000000", [])
          )
          expect(res.status, res.text).toBe(400)
          expect(res.body.scimType).toBe("invalidValue")
        })
      )

      it.effect("the kind of a group cannot change: a PUT as a team answers 400 mutability", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-kind")
          const gid = (yield* scim("POST", "ssg-kind", "/Groups", s.token, studentGroup(s.school, []))).body.id
          const res = yield* scim("PUT", "ssg-kind", `/Groups/${gid}`, s.token, {
            schemas: [GROUP],
            displayName: "5B",
            members: []
          })
          expect(res.status, res.text).toBe(400)
          expect(res.body.scimType).toBe("mutability")
        })
      )

      it.effect("a token minted without student_groups cannot create a student group (403)", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-scope", false)
          const res = yield* scim("POST", "ssg-scope", "/Groups", s.token, studentGroup(s.school, [s.a]))
          expect(res.status, res.text).toBe(403)
          const groups = yield* call("GET", `${s.T}/groups`)
          expect(groups.body.items).toEqual([])
        })
      )

      it.effect("DELETE removes the student group", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-del")
          const gid = (yield* scim("POST", "ssg-del", "/Groups", s.token, studentGroup(s.school, [s.a]))).body.id
          expect((yield* scim("DELETE", "ssg-del", `/Groups/${gid}`, s.token)).status).toBe(204)
          expect((yield* call("GET", `${s.T}/groups/${gid}`)).status).toBe(404)
          expect((yield* scim("GET", "ssg-del", `/Groups/${gid}`, s.token)).status).toBe(404)
        })
      )

      it.effect("another tenant's student group answers 404", () =>
        Effect.gen(function* () {
          const s = yield* setup("ssg-iso-a")
          const other = yield* setup("ssg-iso-b")
          const gid = (yield* scim("POST", "ssg-iso-a", "/Groups", s.token, studentGroup(s.school, [s.a]))).body.id
          expect((yield* scim("GET", "ssg-iso-b", `/Groups/${gid}`, other.token)).status).toBe(404)
          const patch = yield* scim("PATCH", "ssg-iso-b", `/Groups/${gid}`, other.token, {
            schemas: [PATCH],
            Operations: [{ op: "add", path: "members", value: [{ value: other.a }] }]
          })
          expect(patch.status).toBe(404)
          expect((yield* scim("DELETE", "ssg-iso-b", `/Groups/${gid}`, other.token)).status).toBe(404)
        })
      )
    }
  )
}
