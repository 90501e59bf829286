/**
 * Issue 19 §3 in process: core is the SCIM boundary. A SCIM token's actor
 * provisions users and holds nothing else; a token dies with the user who
 * minted it; a user without `users:write` cannot provision through the facade.
 */
import { expect, layer } from "@effect/vitest"
import { AccessAdmin, policyUse, ScimAuth, ScimProvisioning, ScimTokensAdmin, UserAdmin } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect } from "effect"
import { as, asTenant, onboard, operator, steppedUpUser, testCore, user } from "./support.js"

const PASSWORD = "correct horse battery staple"
const body = (userName: string) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  userName,
  emails: [{ value: userName, primary: true }],
  name: { givenName: "Grace", familyName: "Hopper" },
  userType: "Teacher"
})

/** Mints a SCIM token in `tenant` as `actor`. */
const mint = (tenant: { id: string; slug: string }, actor: Record<string, unknown>) =>
  asTenant(
    tenant,
    ScimTokensAdmin.create({ name: "Entra ID" }).pipe(
      policyUse("apikeys:write"),
      policyUse("roles:read"),
      as({ ...actor })
    )
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`SCIM in process on ${dialect} (issue 19 §3)`, (it) => {
    it.effect("a SCIM token's actor provisions users, and is refused anything outside its scope", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("scim-core")
        const created = yield* mint(tenant, operator)
        expect(created.scim_token.permissions).toContain("users:write")
        expect(created.scim_token.permissions).not.toContain("apikeys:write")
        const { actor } = yield* ScimAuth.authenticate("scim-core", created.token)
        const made = yield* asTenant(
          tenant,
          ScimProvisioning.createUser(body("grace@core.example"), "/scim").pipe(
            policyUse("users:write"),
            as({ ...actor })
          )
        )
        expect(made.resource).toMatchObject({ userName: "grace@core.example", userType: "Teacher", active: true })
        const roles = yield* Effect.flip(
          asTenant(tenant, AccessAdmin.listRoles().pipe(policyUse("roles:read"), as({ ...actor })))
        )
        expect(roles).toMatchObject({ _tag: "Forbidden" })
        const key = yield* Effect.flip(
          asTenant(
            tenant,
            UserAdmin.createApiKey({ name: "x", permissions: ["users:read"] }).pipe(
              policyUse("apikeys:write"),
              as({ ...actor })
            )
          )
        )
        expect(key).toMatchObject({ _tag: "Forbidden" })
        // Another last character (one 1 in 16 tokens already ends in "A": the same token would pass).
        const tampered = `${created.token.slice(0, -1)}${created.token.endsWith("A") ? "Q" : "A"}`
        const wrong = yield* Effect.flip(ScimAuth.authenticate("scim-core", tampered))
        expect(wrong).toMatchObject({ _tag: "ScimError", status: 401 })
      })
    )

    it.effect("a SCIM token stops working once the user who minted it is disabled", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("scim-creator")
        const admin = yield* asTenant(tenant, user("admin@scim-creator.example.edu", "admin", { password: PASSWORD }))
        const actor = yield* steppedUpUser(tenant, "admin@scim-creator.example.edu", PASSWORD)
        const created = yield* mint(tenant, actor)
        expect((yield* ScimAuth.authenticate("scim-creator", created.token)).actor.id).toBe(created.scim_token.id)
        yield* asTenant(tenant, UserAdmin.disable(admin.id).pipe(policyUse("users:write"), as(operator)))
        const refused = yield* Effect.flip(ScimAuth.authenticate("scim-creator", created.token))
        expect(refused).toMatchObject({ _tag: "ScimError", status: 401 })
      })
    )

    it.effect("a student cannot provision through the facade (users:write checked in core)", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("scim-student")
        const student = yield* asTenant(tenant, user("s@scim-student.example.edu", "student"))
        const refused = yield* Effect.flip(
          asTenant(
            tenant,
            ScimProvisioning.createUser(body("x@scim-student.example"), "/scim").pipe(
              policyUse("users:write"),
              as({ kind: "user", id: student.id })
            )
          )
        )
        expect(refused).toMatchObject({ _tag: "Forbidden" })
      })
    )
  })
}
