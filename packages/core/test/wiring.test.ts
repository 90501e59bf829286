/**
 * Issue 14 §5: how the modules reach each other is explicit — ports and
 * direct service calls, no run-time registries. These cases exercise the
 * ports an embedder composes: tenancy's `TenantOnboarding` (a requirement of
 * `Tenancy.create`) and identity's `UserSchools`.
 */
import { expect, layer } from "@effect/vitest"
import {
  Academics,
  Access,
  CreateTenant,
  noOnboarding,
  policyUse,
  Tenancy,
  TenantOnboarding,
  UserSchools
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Layer, Schema } from "effect"
import { asTenant, testActor, testCore } from "./support.js"

const input = (slug: string) => Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 60_000 })(`Core ports on ${dialect}`, (it) => {
    it.effect("Tenancy.create with the Core's TenantOnboarding seeds the default roles", () =>
      Effect.gen(function* () {
        const tenant = yield* Tenancy.use((t) => t.create(input("wired-default")))
        const roles = yield* asTenant(tenant, Access.use((a) => a.listRoles({})).pipe(policyUse("roles:read")))
        expect(roles.items.map((r) => r.name)).toEqual(expect.arrayContaining(["admin", "teacher", "student"]))
      }).pipe(Effect.provide(testActor))
    )

    it.effect("an embedder's TenantOnboarding replaces the Core's: noOnboarding creates a tenant without roles", () =>
      Effect.gen(function* () {
        const tenant = yield* Tenancy.use((t) => t.create(input("wired-bare"))).pipe(Effect.provide(noOnboarding))
        const roles = yield* asTenant(tenant, Access.use((a) => a.listRoles({})).pipe(policyUse("roles:read")))
        expect(roles.items).toEqual([])
      }).pipe(Effect.provide(testActor))
    )

    it.effect("a failing onboarding port rolls the tenant back", () =>
      Effect.gen(function* () {
        const refusing = Layer.succeed(TenantOnboarding, {
          run: () => Effect.die("refused by the embedder's onboarding")
        })
        const exit = yield* Effect.exit(
          Tenancy.use((t) => t.create(input("wired-refused"))).pipe(Effect.provide(refusing))
        )
        expect(exit._tag).toBe("Failure")
        const found = yield* Tenancy.use((t) => t.findBySlug("wired-refused"))
        expect(found._tag).toBe("None")
      }).pipe(Effect.provide(testActor))
    )

    it.effect("UserSchools answers from academics: the tenant's live school, not another tenant's", () =>
      Effect.gen(function* () {
        const tenant = yield* Tenancy.use((t) => t.create(input("wired-schools")))
        const other = yield* Tenancy.use((t) => t.create(input("wired-schools-2")))
        const school = yield* asTenant(
          tenant,
          Academics.use((a) => a.createSchool({ name: "Hugo", code: "HUGO" }))
        )
        const schools = yield* UserSchools
        expect(yield* asTenant(tenant, schools.exists(school.id))).toBe(true)
        expect(yield* asTenant(other, schools.exists(school.id))).toBe(false)
        expect(yield* asTenant(tenant, schools.exists("not-a-uuid"))).toBe(false)
      }).pipe(Effect.provide(testActor))
    )
  })
}
