/**
 * Issue 19 §3 — SCIM 2.0 provisioning over HTTP, as Microsoft Entra ID and
 * Okta drive it: tokens, the provisioning sequence (create, lookup by
 * `userName eq`, PATCH attributes, `active` false → sessions revoked,
 * groups with member add/remove, delete), SCIM errors with `scimType` for
 * bad filters and PATCH paths (never 500), ETags, and tenant isolation.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, loginToken, onboardTenant, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Option } from "effect"
import fc from "fast-check"

const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
const USER = "urn:ietf:params:scim:schemas:core:2.0:User"
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"

/** A SCIM request with `token` (`application/scim+json` body). */
const scim = (
  method: string,
  slug: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {}
) =>
  call(method, `/t/${slug}/scim/v2${path}`, {
    auth: token,
    headers: { "content-type": "application/scim+json", ...headers },
    ...(body === undefined ? {} : { body })
  })

/** Mints a SCIM token for tenant `slug` (operator caller) and answers its secret. */
const scimToken = (slug: string) =>
  Effect.map(
    call("POST", `/api/v1/tenants/${slug}/scim/tokens`, { body: { name: "Entra ID" } }),
    (r) => r.body.token as string
  )

/** Asserts a SCIM error response and answers its body. */
const expectScimError = (
  res: { status: number; headers: Headers; body: any; text: string },
  status: number,
  scimType?: string
) => {
  expect(res.status, res.text).toBe(status)
  expect(res.headers.get("content-type")).toContain("application/scim+json")
  expect(res.body.schemas).toEqual([ERROR])
  expect(res.body.status).toBe(String(status))
  if (scimType) expect(res.body.scimType, res.text).toBe(scimType)
  return res.body
}

const entraUser = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER, ENTERPRISE],
  externalId: `ext-${userName}`,
  userName,
  active: true,
  displayName: "Ada Lovelace",
  emails: [{ primary: true, type: "work", value: userName }],
  name: { formatted: "Ada Lovelace", familyName: "Lovelace", givenName: "Ada" },
  userType: "Teacher",
  [ENTERPRISE]: { employeeNumber: "1815", department: "Mathematics" },
  ...extra
})

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 180_000, excludeTestServices: true })(
    `SCIM 2.0 over HTTP on ${dialect} (issue 19 §3)`,
    (it) => {
      it.effect("a SCIM token is shown once, listed without its secret, and stops working when revoked", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-tok")
          const created = yield* call("POST", "/api/v1/tenants/scim-tok/scim/tokens", { body: { name: "Okta" } })
          expect(created.status, created.text).toBe(201)
          expect(created.body.token).toMatch(/^scim_[a-z2-7]{12}_/)
          expect(created.body.base_url).toBe("/t/scim-tok/scim/v2")
          const list = yield* call("GET", "/api/v1/tenants/scim-tok/scim/tokens")
          expect(list.text).not.toContain(created.body.token.slice(18))
          expect(list.body[0]).toMatchObject({ name: "Okta", active: true })
          const token = created.body.token as string
          expect((yield* scim("GET", "scim-tok", "/ServiceProviderConfig", token)).status).toBe(200)
          const revoked = yield* call("DELETE", `/api/v1/tenants/scim-tok/scim/tokens/${created.body.scim_token.id}`)
          expect(revoked.status, revoked.text).toBe(204)
          const after = yield* scim("GET", "scim-tok", "/Users", token)
          expectScimError(after, 401)
          expect(after.headers.get("www-authenticate")).toContain("Bearer")
        })
      )

      it.effect("Entra ID's sequence: create, lookup by userName eq, PATCH attributes, enterprise extension", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-entra")
          const token = yield* scimToken("scim-entra")
          const none = yield* scim(
            "GET",
            "scim-entra",
            `/Users?filter=${encodeURIComponent('userName eq "ada@school.example"')}`,
            token
          )
          expect(none.status, none.text).toBe(200)
          expect(none.body).toMatchObject({ totalResults: 0, Resources: [] })
          const created = yield* scim("POST", "scim-entra", "/Users", token, entraUser("ada@school.example"))
          expect(created.status, created.text).toBe(201)
          expect(created.headers.get("content-type")).toContain("application/scim+json")
          expect(created.headers.get("etag")).toBe(created.body.meta.version)
          expect(created.body).toMatchObject({ userName: "ada@school.example", active: true, userType: "Teacher" })
          expect(created.body[ENTERPRISE]).toEqual({ employeeNumber: "1815", department: "Mathematics" })
          const id = created.body.id as string
          const found = yield* scim(
            "GET",
            "scim-entra",
            `/Users?filter=${encodeURIComponent('userName eq "ADA@school.example"')}`,
            token
          )
          expect(found.body.totalResults).toBe(1)
          expect(found.body.Resources[0].id).toBe(id)
          const patched = yield* scim("PATCH", "scim-entra", `/Users/${id}`, token, {
            schemas: [PATCH],
            Operations: [
              { op: "Replace", path: "name.familyName", value: "King" },
              { op: "Add", path: `${ENTERPRISE}:department`, value: "Computing" },
              { op: "Replace", path: 'emails[type eq "work"].value', value: "ada.king@school.example" }
            ]
          })
          expect(patched.status, patched.text).toBe(200)
          expect(patched.body.name.familyName).toBe("King")
          expect(patched.body.emails[0].value).toBe("ada.king@school.example")
          expect(patched.body[ENTERPRISE].department).toBe("Computing")
          const signet = yield* call("GET", `/api/v1/tenants/scim-entra/users/${id}`)
          expect(signet.body).toMatchObject({
            family_name: "King",
            email: "ada.king@school.example",
            user_type: "teacher"
          })
          const dup = yield* scim("POST", "scim-entra", "/Users", token, entraUser("ada@school.example"))
          expectScimError(dup, 409, "uniqueness")
          const audit = yield* call("GET", `/api/v1/tenants/scim-entra/audit-logs?target_id=${id}`)
          const actions = audit.body.items.map((e: { action: string }) => e.action)
          expect(actions).toEqual(expect.arrayContaining(["user.create", "scim.user.created", "scim.user.updated"]))
        })
      )

      it.effect(
        'active false (Entra\'s string "False", no path) disables the user and revokes their sessions; delete → 404',
        () =>
          Effect.gen(function* () {
            yield* onboardTenant("scim-off")
            const token = yield* scimToken("scim-off")
            // A user who already exists (e.g. from a OneRoster import) is adopted by e-mail.
            const made = yield* call("POST", "/api/v1/tenants/scim-off/users", {
              body: {
                email: "bob@school.example",
                given_name: "Bob",
                family_name: "B",
                user_type: "student",
                password: TEST_PASSWORD
              }
            })
            expect(made.status, made.text).toBe(201)
            const session = yield* loginToken("scim-off", "bob@school.example")
            expect((yield* call("GET", "/api/v1/tenants/scim-off/me", { auth: session })).status).toBe(200)
            const adopted = yield* scim("POST", "scim-off", "/Users", token, {
              schemas: [USER],
              userName: "bob@school.example",
              emails: [{ value: "bob@school.example", primary: "True" }],
              name: { givenName: "Bob", familyName: "B" }
            })
            expect(adopted.status, adopted.text).toBe(201)
            expect(adopted.body.id).toBe(made.body.id)
            expect(adopted.body.userType).toBe("Student")
            const off = yield* scim("PATCH", "scim-off", `/Users/${made.body.id}`, token, {
              schemas: [PATCH],
              Operations: [{ op: "Replace", value: { active: "False" } }]
            })
            expect(off.status, off.text).toBe(200)
            expect(off.body.active).toBe(false)
            expectProblem(yield* call("GET", "/api/v1/tenants/scim-off/me", { auth: session }), 401)
            const user = yield* call("GET", `/api/v1/tenants/scim-off/users/${made.body.id}`)
            expect(user.body.status).toBe("disabled")
            const on = yield* scim("PATCH", "scim-off", `/Users/${made.body.id}`, token, {
              schemas: [PATCH],
              Operations: [{ op: "replace", path: "active", value: true }]
            })
            expect(on.body.active).toBe(true)
            expect((yield* scim("DELETE", "scim-off", `/Users/${made.body.id}`, token)).status).toBe(204)
            expectScimError(yield* scim("GET", "scim-off", `/Users/${made.body.id}`, token), 404)
            const kept = yield* call("GET", `/api/v1/tenants/scim-off/users/${made.body.id}`)
            expect(kept.body.status).toBe("disabled")
          })
      )

      it.effect("a user an administrator deleted in Signet answers 404 to SCIM and can be provisioned again", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-gone")
          const token = yield* scimToken("scim-gone")
          const first = (yield* scim("POST", "scim-gone", "/Users", token, entraUser("g@school.example"))).body
          expect((yield* call("DELETE", `/api/v1/tenants/scim-gone/users/${first.id}`)).status).toBe(200)
          expectScimError(yield* scim("GET", "scim-gone", `/Users/${first.id}`, token), 404)
          const again = yield* scim("POST", "scim-gone", "/Users", token, entraUser("g@school.example"))
          expect(again.status, again.text).toBe(201)
          expect(again.body.id).not.toBe(first.id)
        })
      )

      it.effect(
        "the tenant's administrator is out of SCIM's reach: adopting them by e-mail answers 403, nothing changes",
        () =>
          Effect.gen(function* () {
            const admin = yield* onboardTenant("scim-admin")
            const token = yield* scimToken("scim-admin")
            const takeover = yield* scim("POST", "scim-admin", "/Users", token, {
              userName: "admin@scim-admin.example.edu",
              emails: [{ value: "admin@scim-admin.example.edu", primary: true }],
              active: false
            })
            expectScimError(takeover, 403)
            expect((yield* call("GET", "/api/v1/tenants/scim-admin/me", { auth: admin })).status).toBe(200)
            const listed = yield* scim("GET", "scim-admin", "/Users", token)
            expect(listed.body.totalResults).toBe(0)
          })
      )

      it.effect("groups: create with a member, PATCH add and remove (members[value eq …]), delete", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-grp")
          const token = yield* scimToken("scim-grp")
          const a = (yield* scim("POST", "scim-grp", "/Users", token, entraUser("a@school.example"))).body.id
          const b = (yield* scim("POST", "scim-grp", "/Users", token, entraUser("b@school.example"))).body.id
          const group = yield* scim("POST", "scim-grp", "/Groups", token, {
            schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            displayName: "Maths department",
            externalId: "g-1",
            members: [{ value: a }]
          })
          expect(group.status, group.text).toBe(201)
          const gid = group.body.id as string
          expect(group.body.members.map((m: { value: string }) => m.value)).toEqual([a])
          const added = yield* scim("PATCH", "scim-grp", `/Groups/${gid}`, token, {
            schemas: [PATCH],
            Operations: [{ op: "Add", path: "members", value: [{ value: b }] }]
          })
          expect(added.status, added.text).toBe(200)
          expect(added.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a, b].sort())
          const slim = yield* scim("GET", "scim-grp", `/Groups/${gid}?excludedAttributes=members`, token)
          expect(slim.body.members).toBeUndefined()
          expect(slim.body).toMatchObject({ id: gid, displayName: "Maths department" })
          const team = yield* call("GET", `/api/v1/tenants/scim-grp/teams/${gid}/members`)
          expect(team.body.items.length).toBe(2)
          const removed = yield* scim("PATCH", "scim-grp", `/Groups/${gid}`, token, {
            schemas: [PATCH],
            Operations: [{ op: "Remove", path: `members[value eq "${a}"]` }]
          })
          expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([b])
          const okta = yield* scim("PATCH", "scim-grp", `/Groups/${gid}`, token, {
            schemas: [PATCH],
            Operations: [
              { op: "remove", path: "members", value: [{ value: b }] },
              { op: "replace", value: { displayName: "Maths" } }
            ]
          })
          expect(okta.body).toMatchObject({ displayName: "Maths", members: [] })
          const list = yield* scim(
            "GET",
            "scim-grp",
            `/Groups?filter=${encodeURIComponent('displayName eq "Maths"')}`,
            token
          )
          expect(list.body.totalResults).toBe(1)
          const stranger = yield* scim("PATCH", "scim-grp", `/Groups/${gid}`, token, {
            schemas: [PATCH],
            Operations: [{ op: "add", path: "members", value: [{ value: "0190a0a0-0000-7000-8000-000000000000" }] }]
          })
          expectScimError(stranger, 400, "invalidValue")
          expect((yield* scim("DELETE", "scim-grp", `/Groups/${gid}`, token)).status).toBe(204)
          expectScimError(yield* scim("GET", "scim-grp", `/Groups/${gid}`, token), 404)
        })
      )

      it.effect("bad filters and PATCH requests answer SCIM 400s with scimType, and change nothing", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-bad")
          const token = yield* scimToken("scim-bad")
          const user = (yield* scim("POST", "scim-bad", "/Users", token, entraUser("c@school.example"))).body
          const q = (f: string) => scim("GET", "scim-bad", `/Users?filter=${encodeURIComponent(f)}`, token)
          expectScimError(yield* q('userName eq "x'), 400, "invalidFilter")
          expectScimError(yield* q("userName zz 1"), 400, "invalidFilter")
          expectScimError(yield* q("x".repeat(1001)), 400, "invalidFilter")
          const patch = (Operations: unknown) =>
            scim("PATCH", "scim-bad", `/Users/${user.id}`, token, { schemas: [PATCH], Operations })
          expectScimError(yield* patch([{ op: "replace", path: "nonsense", value: 1 }]), 400, "invalidPath")
          expectScimError(yield* patch([{ op: "replace", path: "name[[[", value: 1 }]), 400, "invalidPath")
          expectScimError(yield* patch([{ op: "replace", path: "active", value: "maybe" }]), 400, "invalidValue")
          expectScimError(yield* patch([{ op: "remove", path: 'emails[type eq "home"].value' }]), 400, "noTarget")
          expectScimError(yield* patch([{ op: "explode", path: "active" }]), 400, "invalidSyntax")
          expectScimError(
            yield* patch(Array.from({ length: 101 }, () => ({ op: "replace", path: "active", value: true }))),
            400,
            "invalidSyntax"
          )
          expectScimError(yield* patch([{ op: "replace", path: "userType", value: "Student" }]), 400, "mutability")
          expectScimError(yield* scim("POST", "scim-bad", "/Users", token, { userName: "" }), 400, "invalidValue")
          const raw = yield* call("POST", "/t/scim-bad/scim/v2/Users", {
            auth: token,
            raw: "{not json",
            headers: { "content-type": "application/scim+json" }
          })
          expectScimError(raw, 400, "invalidSyntax")
          const after = yield* scim("GET", "scim-bad", `/Users/${user.id}`, token)
          expect(after.body.meta.version).toBe(user.meta.version)
        })
      )

      it.effect("ETags: a stale If-Match answers 412 and changes nothing", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-etag")
          const token = yield* scimToken("scim-etag")
          const user = (yield* scim("POST", "scim-etag", "/Users", token, entraUser("d@school.example"))).body
          const put = yield* scim(
            "PUT",
            "scim-etag",
            `/Users/${user.id}`,
            token,
            entraUser("d@school.example", { displayName: "D" }),
            {
              "if-match": user.meta.version
            }
          )
          expect(put.status, put.text).toBe(200)
          expect(put.body.meta.version).not.toBe(user.meta.version)
          const stale = yield* scim(
            "PUT",
            "scim-etag",
            `/Users/${user.id}`,
            token,
            entraUser("d@school.example", { displayName: "E" }),
            {
              "if-match": user.meta.version
            }
          )
          expectScimError(stale, 412)
          expect((yield* scim("GET", "scim-etag", `/Users/${user.id}`, token)).body.displayName).toBe("D")
        })
      )

      it.effect(
        "isolation: another tenant's token → 401, another tenant's user → 404; SCIM and API credentials do not cross",
        () =>
          Effect.gen(function* () {
            const adminA = yield* onboardTenant("scim-iso-a")
            yield* onboardTenant("scim-iso-b")
            const tokenA = yield* scimToken("scim-iso-a")
            const tokenB = yield* scimToken("scim-iso-b")
            const user = (yield* scim("POST", "scim-iso-a", "/Users", tokenA, entraUser("e@school.example"))).body
            expectScimError(yield* scim("GET", "scim-iso-a", `/Users/${user.id}`, tokenB), 401)
            expectScimError(yield* scim("GET", "scim-iso-b", `/Users/${user.id}`, tokenB), 404)
            expectScimError(
              yield* scim("PATCH", "scim-iso-b", `/Users/${user.id}`, tokenB, {
                schemas: [PATCH],
                Operations: [{ op: "replace", path: "active", value: false }]
              }),
              404
            )
            expectScimError(yield* scim("DELETE", "scim-iso-b", `/Users/${user.id}`, tokenB), 404)
            expectScimError(yield* scim("GET", "scim-iso-a", "/Users", adminA), 401)
            expectScimError(yield* scim("GET", "scim-iso-a", "/Users", "test-operator-token-0123456789"), 401)
            expectScimError(yield* scim("GET", "scim-nope", "/Users", tokenA), 401)
            expectProblem(yield* call("GET", "/api/v1/tenants/scim-iso-a/users", { auth: tokenA }), 401)
            expect((yield* call("GET", `/api/v1/tenants/scim-iso-a/users/${user.id}`)).body.status).toBe("active")
          })
      )

      it.effect("POST /Users/.search takes the filter, paging and attributes in the body (RFC 7644 §3.4.3)", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-search")
          const token = yield* scimToken("scim-search")
          for (const u of ["ada@school.example", "grace@school.example"])
            expect((yield* scim("POST", "scim-search", "/Users", token, entraUser(u))).status).toBe(201)
          const found = yield* scim("POST", "scim-search", "/Users/.search", token, {
            schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            filter: 'userName sw "grace"',
            attributes: ["userName"],
            startIndex: 1,
            count: 10
          })
          expect(found.status, found.text).toBe(200)
          expect(found.body).toMatchObject({ totalResults: 1, Resources: [{ userName: "grace@school.example" }] })
          // `attributes` projects the answer: id and schemas always, then only userName.
          expect(found.body.Resources[0].emails).toBeUndefined()
          expectScimError(
            yield* scim("POST", "scim-search", "/Users/.search", token, { filter: 'userName eq "x"' }),
            400,
            "invalidSyntax"
          )
          expectScimError(
            yield* scim("POST", "scim-search", "/Users/.search", token, {
              schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
              filter: "userName eq"
            }),
            400,
            "invalidFilter"
          )
          expectScimError(
            yield* scim("POST", "scim-search", "/Groups/.search", token, {
              schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
              count: "ten"
            }),
            400,
            "invalidValue"
          )
        })
      )

      it.effect("POST /.search pages users then groups as one list; sortBy across types is refused", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-root")
          const token = yield* scimToken("scim-root")
          for (const u of ["a@school.example", "b@school.example"])
            expect((yield* scim("POST", "scim-root", "/Users", token, entraUser(u))).status).toBe(201)
          const group = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Staff" }
          expect((yield* scim("POST", "scim-root", "/Groups", token, group)).status).toBe(201)
          const page = (startIndex: number, count: number) =>
            scim("POST", "scim-root", "/.search", token, { schemas: [SEARCH], startIndex, count })
          const first = yield* page(1, 2)
          expect(first.status, first.text).toBe(200)
          expect(first.body).toMatchObject({ totalResults: 3, startIndex: 1, itemsPerPage: 2 })
          expect(first.body.Resources.map((r: any) => r.meta.resourceType)).toEqual(["User", "User"])
          const second = yield* page(3, 2)
          expect(second.body).toMatchObject({ totalResults: 3, itemsPerPage: 1 })
          expect(second.body.Resources.map((r: any) => r.displayName)).toEqual(["Staff"])
          // A filter applies to every type: only the group has this displayName.
          const filtered = yield* scim("POST", "scim-root", "/.search", token, {
            schemas: [SEARCH],
            filter: 'displayName eq "Staff"'
          })
          expect(filtered.body.Resources.map((r: any) => r.meta.resourceType)).toEqual(["Group"])
          expectScimError(
            yield* scim("POST", "scim-root", "/.search", token, { schemas: [SEARCH], sortBy: "userName" }),
            400,
            "invalidValue"
          )
        })
      )

      it.effect("/Me answers 501: a SCIM token is a directory, not a person (RFC 7644 §3.11)", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-me")
          const token = yield* scimToken("scim-me")
          expectScimError(yield* scim("GET", "scim-me", "/Me", token), 501)
          // Without a valid token it is still a 401 first.
          expect((yield* scim("GET", "scim-me", "/Me", "not-a-token")).status).toBe(401)
        })
      )

      it.effect("discovery: ServiceProviderConfig, ResourceTypes and Schemas", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-disc")
          const token = yield* scimToken("scim-disc")
          const spc = yield* scim("GET", "scim-disc", "/ServiceProviderConfig", token)
          expect(spc.body).toMatchObject({
            patch: { supported: true },
            filter: { supported: true, maxResults: 200 },
            etag: { supported: true }
          })
          const types = yield* scim("GET", "scim-disc", "/ResourceTypes", token)
          expect(types.body.Resources.map((r: { id: string }) => r.id)).toEqual(["User", "Group"])
          const schemas = yield* scim("GET", "scim-disc", "/Schemas", token)
          // User, the enterprise extension, Group, and Signet's Group extension (kind: team | student_group).
          expect(schemas.body.totalResults).toBe(4)
          expect((yield* scim("GET", "scim-disc", `/Schemas/${USER}`, token)).body.name).toBe("User")
          expectScimError(yield* scim("GET", "scim-disc", "/ResourceTypes/Nope", token), 404)
        })
      )

      it.effect("arbitrary filter strings never answer 500 (fast-check)", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-fuzz")
          const token = yield* scimToken("scim-fuzz")
          yield* scim("POST", "scim-fuzz", "/Users", token, entraUser("f@school.example"))
          const pieces = fc.constantFrom(
            "userName",
            "emails.value",
            "name.familyName",
            "active",
            "meta.lastModified",
            "eq",
            "ne",
            "co",
            "sw",
            "ew",
            "pr",
            "gt",
            "ge",
            "lt",
            "le",
            "and",
            "or",
            "not",
            "(",
            ")",
            "[",
            "]",
            '"f"',
            "true",
            "null",
            "1",
            " ",
            '"'
          )
          const filters = fc.oneof(
            fc.array(pieces, { maxLength: 12 }).map((p) => p.join(" ")),
            fc.string({ maxLength: 60 })
          )
          const samples = fc.sample(filters, { numRuns: 60, seed: 19 })
          for (const f of samples) {
            const res = yield* scim("GET", "scim-fuzz", `/Users?filter=${encodeURIComponent(f)}&sortBy=userName`, token)
            expect([200, 400], `${f} → ${res.text}`).toContain(res.status)
          }
        })
      )

      it.effect("arbitrary PATCH operations never answer 500 (fast-check)", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-fuzz-patch")
          const token = yield* scimToken("scim-fuzz-patch")
          const user = (yield* scim("POST", "scim-fuzz-patch", "/Users", token, entraUser("p@school.example"))).body
          const path = fc.oneof(
            fc.constantFrom(
              "active",
              "name.givenName",
              "emails",
              'emails[type eq "work"].value',
              "members",
              "userName",
              `${ENTERPRISE}:department`,
              "name[",
              'emails[value co "@"]',
              "displayName",
              "externalId",
              "x.y.z"
            ),
            fc.string({ maxLength: 30 })
          )
          const value = fc.oneof(
            fc.string({ maxLength: 20 }),
            fc.boolean(),
            fc.integer(),
            fc.constant(null),
            fc.array(fc.record({ value: fc.string({ maxLength: 10 }) }), { maxLength: 2 }),
            fc.dictionary(
              fc.constantFrom("active", "displayName", "name.familyName", "bogus"),
              fc.string({ maxLength: 8 })
            )
          )
          const op = fc.record(
            { op: fc.constantFrom("add", "Replace", "remove", "REMOVE", "move"), path, value },
            { requiredKeys: ["op"] }
          )
          const samples = fc.sample(fc.array(op, { minLength: 1, maxLength: 3 }), { numRuns: 60, seed: 19 })
          for (const Operations of samples) {
            const res = yield* scim("PATCH", "scim-fuzz-patch", `/Users/${user.id}`, token, {
              schemas: [PATCH],
              Operations
            })
            expect([200, 400, 409], `${JSON.stringify(Operations)} → ${res.text}`).toContain(res.status)
          }
        })
      )
    }
  )
}

for (const dialect of testDialects()) {
  const day = (count: number) => Option.some({ count, windowSeconds: 86_400 })
  const limits = { address: Option.none(), user: Option.none(), apiKey: day(3), tenant: Option.none() }
  layer(testServer(dialect, { apiRateLimits: limits }), { timeout: 180_000, excludeTestServices: true })(
    `SCIM rate limit on ${dialect} (issue 19 §3)`,
    (it) => {
      it.effect("a SCIM token counts like an API key: beyond its bucket, a SCIM 429 with Retry-After", () =>
        Effect.gen(function* () {
          yield* onboardTenant("scim-rate")
          const token = yield* scimToken("scim-rate")
          for (let i = 0; i < 3; i++) expect((yield* scim("GET", "scim-rate", "/Users", token)).status).toBe(200)
          const limited = yield* scim("GET", "scim-rate", "/Users", token)
          expectScimError(limited, 429)
          expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
        })
      )
    }
  )
}
