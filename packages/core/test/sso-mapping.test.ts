/**
 * Attribute mapping of SSO connections (issue 19 §2 "just-in-time
 * provisioning with attribute mapping to user type, school and roles")
 * against a real OpenID Connect IdP on loopback (`oidc-provider`, its
 * `groups` scope): a new user's type and school from the IdP's claims, roles
 * given (and with `every_login` taken back) at sign-in, and the checks when
 * a mapping is registered (the roles exist; no escalation).
 */
import { expect, layer } from "@effect/vitest"
import { PutSsoConnection } from "@signet/contracts/integrations/SsoDomain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Academics, Access, AccessAdmin, policyUse, SsoAdmin, SsoConnections, SsoSignIn } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { followRedirects, OAUTH_TEST_CLIENT, oauthTestServer } from "@signet/core/testing/oauth"
import { Effect, Exit, Schema } from "effect"
import { testCore, user } from "./support.js"
import { inFreshTenant } from "./webhook-support.js"

const REDIRECT = "http://127.0.0.1/sso/callback"
const CLIENT = { ip: "203.0.113.10", userAgent: "test" }
const idp = oauthTestServer([REDIRECT])

type Idp = Effect.Effect.Success<typeof idp>["state"]

const connection = (issuer: string, mapping: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(PutSsoConnection)({
    issuer,
    ...OAUTH_TEST_CLIENT,
    scopes: ["openid", "email", "profile", "groups"],
    domains: ["school.example"],
    provisioning: "jit",
    attribute_mapping: mapping,
    ...extra
  })

/** Registers the connection "idp" with `mapping` (as Signet itself). */
const connect = (issuer: string, mapping: Record<string, unknown>) =>
  Effect.gen(function* () {
    const c = yield* SsoConnections
    yield* c.configure({ allowHttpLoopback: true })
    return yield* c.put("idp", connection(issuer, mapping))
  })

/** A whole sign-in of `sub` with `claims`: the IdP, then `complete`; answers the signed-in user. */
const signIn = (state: Idp, sub: string, claims: Record<string, unknown>) =>
  Effect.gen(function* () {
    state.accountId = sub
    state.claims = { email_verified: true, given_name: "Ada", family_name: "Lovelace", ...claims }
    const slug = (yield* CurrentTenant).slug
    const started = yield* SsoSignIn.use((s) => s.start(slug, { connection: "idp", redirect_uri: REDIRECT }, CLIENT))
    const callback = yield* followRedirects(started.authorization_url, REDIRECT)
    const done = yield* SsoSignIn.use((s) => s.complete(slug, callback, CLIENT))
    return done.tokens.user
  })

const roleNames = (userId: string) =>
  Effect.map(Access.use((a) => a.listUserRoles(userId as never)).pipe(policyUse("roles:read")), (roles) =>
    roles.map((r) => r.role_name).sort()
  )

const failsWith = (exit: Exit.Exit<unknown, unknown>, text: string) =>
  expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain(text)

const ROLES_MAPPING = (sync: "on_create" | "every_login") => ({
  roles: { claim: "groups", values: [{ value: "library-staff", roles: ["librarian"] }], sync }
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`SSO attribute mapping on ${dialect} (issue 19 §2)`, (it) => {
    it.scoped("the first mapped value the claim holds sets a new user's type", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "map-type",
          Effect.gen(function* () {
            yield* connect(state.issuer, {
              user_type: {
                claim: "groups",
                values: [
                  { value: "pupils", user_type: "student" },
                  { value: "staff", user_type: "teacher" }
                ]
              }
            })
            const pupil = yield* signIn(state, "p-1", { email: "pupil@school.example", groups: ["clubs", "pupils"] })
            expect(pupil.user_type).toBe("student")
            // Holding no mapped value: the connection's default type.
            const other = yield* signIn(state, "o-1", { email: "other@school.example", groups: ["clubs"] })
            expect(other.user_type).toBe("teacher")
          })
        )
      })
    )

    it.scoped("the school claim names a new user's school by its code; an unknown school leaves none", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "map-school",
          Effect.gen(function* () {
            const school = yield* Academics.use((a) => a.createSchool({ name: "Lycée Hugo", code: "HUGO" }))
            yield* connect(state.issuer, { school_claim: "school" })
            const ada = yield* signIn(state, "a-1", { email: "ada@school.example", school: "HUGO" })
            expect(ada.school_id).toBe(school.id)
            const bob = yield* signIn(state, "b-1", { email: "bob@school.example", school: "NOWHERE" })
            expect(bob.school_id).toBeNull()
          })
        )
      })
    )

    it.scoped("a mapped group gives its roles to a new user", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "map-roles",
          Effect.gen(function* () {
            yield* AccessAdmin.createRole({ name: "librarian", permissions: ["users:read"] }).pipe(
              policyUse("roles:write")
            )
            yield* connect(state.issuer, ROLES_MAPPING("on_create"))
            const ada = yield* signIn(state, "a-1", { email: "ada@school.example", groups: ["library-staff"] })
            expect(yield* roleNames(ada.id)).toStrictEqual(["librarian", "teacher"])
          })
        )
      })
    )

    it.scoped("every_login: leaving the group at the IdP takes the mapped role back at the next sign-in", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "map-sync",
          Effect.gen(function* () {
            yield* AccessAdmin.createRole({ name: "librarian", permissions: ["users:read"] }).pipe(
              policyUse("roles:write")
            )
            yield* connect(state.issuer, ROLES_MAPPING("every_login"))
            const ada = yield* signIn(state, "a-1", { email: "ada@school.example", groups: ["library-staff"] })
            expect(yield* roleNames(ada.id)).toContain("librarian")
            yield* signIn(state, "a-1", { email: "ada@school.example", groups: [] })
            // Only the role the mapping names is taken; the default role stays.
            expect(yield* roleNames(ada.id)).toStrictEqual(["teacher"])
          })
        )
      })
    )

    it.scoped("on_create: an existing user's roles are not changed by later sign-ins", () =>
      Effect.gen(function* () {
        const { state } = yield* idp
        yield* inFreshTenant(
          "map-once",
          Effect.gen(function* () {
            yield* AccessAdmin.createRole({ name: "librarian", permissions: ["users:read"] }).pipe(
              policyUse("roles:write")
            )
            const grace = yield* user("grace@school.example", "teacher")
            yield* connect(state.issuer, ROLES_MAPPING("on_create"))
            yield* signIn(state, "g-1", { email: "grace@school.example", groups: ["library-staff"] })
            expect(yield* roleNames(grace.id)).toStrictEqual(["teacher"])
          })
        )
      })
    )

    it.effect("a mapping naming a role the tenant does not have is refused, and nothing is stored", () =>
      inFreshTenant(
        "map-unknown",
        Effect.gen(function* () {
          const exit = yield* Effect.exit(connect("https://idp.example", ROLES_MAPPING("on_create")))
          failsWith(exit, "no role")
          expect(yield* SsoConnections.use((c) => c.list)).toStrictEqual([])
        })
      )
    )

    it.effect("registering a connection that gives a role the actor does not hold is refused (no escalation)", () =>
      inFreshTenant(
        "map-escalate",
        Effect.gen(function* () {
          const manager = yield* AccessAdmin.createRole({ name: "sso-manager", permissions: ["sso:*"] }).pipe(
            policyUse("roles:write")
          )
          const teacher = yield* user("t@school.example", "teacher")
          yield* Access.use((a) => a.assignRole(teacher.id, manager.id)).pipe(policyUse("roles:write"))
          yield* SsoConnections.use((c) => c.configure({ allowHttpLoopback: true }))
          const asTeacher = Effect.provideService(CurrentActor, { kind: "user", id: teacher.id })
          const put = (mapping: Record<string, unknown>) =>
            asTeacher(SsoAdmin.put("idp", connection("https://idp.example", mapping)).pipe(policyUse("sso:write")))
          const admins = { roles: { claim: "groups", values: [{ value: "it", roles: ["admin"] }] } }
          failsWith(yield* Effect.exit(put(admins)), "Forbidden")
          expect(yield* SsoConnections.use((c) => c.list)).toStrictEqual([])
          // Roles the actor holds (the default teacher role of new users) are fine.
          const ok = yield* put({ roles: { claim: "groups", values: [{ value: "staff", roles: ["teacher"] }] } })
          expect(ok.attribute_mapping?.roles?.values).toHaveLength(1)
        })
      )
    )
  })
}
