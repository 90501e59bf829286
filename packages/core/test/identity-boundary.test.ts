/**
 * Issue 15 §4, in process through `UserAdmin` and `ApiKeys`: acting on a user needs the power
 * that user holds, and an API key dies with its creator.
 */
import { expect, layer } from "@effect/vitest"
import { AccessAdmin, ApiKeys, policyUse, UserAdmin } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect } from "effect"
import { as, asTenant, onboard, operator, steppedUpUser, testCore, user } from "./support.js"

const PASSWORD = "correct horse battery staple"

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`user administration on ${dialect} (issue 15 §4)`, (it) => {
    it.effect("a manager cannot disable, edit or unlock the administrator, but manages a student", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("idb-manager")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const admin = yield* user("admin@idb.example.edu", "admin")
            const manager = yield* user("manager@idb.example.edu", "teacher")
            const student = yield* user("student@idb.example.edu", "student")
            const roles = yield* AccessAdmin.listRoles().pipe(policyUse("roles:read"), as(operator))
            const managerRole = roles.items.find((r) => r.name === "manager")!
            yield* AccessAdmin.assignRole(manager.id, managerRole.id).pipe(policyUse("roles:write"), as(operator))
            const asManager = as({ kind: "user", id: manager.id })
            for (const attempt of [
              UserAdmin.disable(admin.id) as Effect.Effect<unknown, unknown, never>,
              UserAdmin.update(admin.id, { given_name: "Mallory" }),
              UserAdmin.unlock(admin.id)
            ]) {
              const e = yield* Effect.flip(
                (attempt as Effect.Effect<unknown, unknown, never>).pipe(policyUse("users:write"), asManager)
              )
              expect(e).toMatchObject({ _tag: "Forbidden" })
            }
            const disabled = yield* UserAdmin.disable(student.id).pipe(policyUse("users:write"), asManager)
            expect(disabled.status).toBe("disabled")
          })
        )
      })
    )

    it.effect("an API key stops working once the user who made it is disabled", () =>
      Effect.gen(function* () {
        const tenant = yield* onboard("idb-keys")
        yield* asTenant(
          tenant,
          Effect.gen(function* () {
            const admin = yield* user("admin@idb-keys.example.edu", "admin", { password: PASSWORD })
            // Minting a key needs step-up from a user (issue 15 §4).
            const actor = yield* steppedUpUser(tenant, "admin@idb-keys.example.edu", PASSWORD)
            const created = yield* UserAdmin.createApiKey({ name: "sync", permissions: ["users:read"] }).pipe(
              policyUse("apikeys:write"),
              as(actor)
            )
            const key = created.key
            expect((yield* ApiKeys.use((k) => k.authenticate(key))).id).toBe(created.api_key.id)
            yield* UserAdmin.disable(admin.id).pipe(policyUse("users:write"), as(operator))
            const e = yield* Effect.flip(ApiKeys.use((k) => k.authenticate(key)))
            expect(e).toMatchObject({ _tag: "Unauthorized" })
          })
        )
      })
    )
  })
}
