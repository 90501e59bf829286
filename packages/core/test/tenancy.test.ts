import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Conflict, CreateTenant, Tenancy } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Deferred, Effect, Either, Fiber, Schema } from "effect"
import { auditCount, outboxCount, testActor, testCore } from "./support.js"

const input = (slug: string, extra: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(CreateTenant)({ slug, name: `School ${slug}`, ...extra })

describe("CreateTenant schema", () => {
  it("refuses reserved, short, uppercase and non-DNS slugs and unknown fields", () => {
    for (const slug of ["admin", "ab", "Acme", "-acme", "acme-", "a_b", "x".repeat(64)]) {
      expect(Either.isLeft(Schema.decodeUnknownEither(CreateTenant)({ slug, name: "x" }))).toBe(true)
    }
    expect(Either.isLeft(Schema.decodeUnknownEither(CreateTenant)({ slug: "acme", name: "x", role: "admin" }))).toBe(
      true
    )
    expect(Either.isLeft(Schema.decodeUnknownEither(CreateTenant)({ slug: "acme", name: "x", region: "mars" }))).toBe(
      true
    )
    const ok = Schema.decodeUnknownSync(CreateTenant)({ slug: "acme-1", name: "  Acme  " })
    expect(ok).toEqual({ slug: "acme-1", name: "Acme" }) // region and plan default in the service
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 60_000 })(`Tenancy on ${dialect}`, (it) => {
    it.effect("onboards a tenant with default settings and roles: one audit row per module operation, one event", () =>
      Effect.gen(function* () {
        const tenancy = yield* Tenancy
        const t = yield* tenancy.create(input("alpha", { region: "eu", custom_domain: "alpha.example.edu" }))
        expect(t).toMatchObject({ slug: "alpha", status: "active", region: "eu", custom_domain: "alpha.example.edu" })
        expect((yield* tenancy.get("alpha")).id).toBe(t.id)
        const settings = yield* tenancy.listSettings("alpha")
        expect(settings.find((s) => s.key === "auth.password_min_length")).toMatchObject({
          value: 12,
          is_default: true
        })
        // tenant.create + access.defaults.seed (default roles)
        expect(yield* auditCount(t)).toBe(2)
        expect(yield* outboxCount("signet.tenant.created")).toBeGreaterThanOrEqual(1)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("duplicate slug or custom domain is a Conflict and writes nothing", () =>
      Effect.gen(function* () {
        const tenancy = yield* Tenancy
        const t = yield* tenancy.create(input("bravo", { custom_domain: "bravo.example.edu" }))
        const before = yield* outboxCount()
        const dupSlug = yield* Effect.flip(tenancy.create(input("bravo")))
        expect(dupSlug).toBeInstanceOf(Conflict)
        expect(dupSlug).toMatchObject({ field: "slug" })
        const dupDomain = yield* Effect.flip(tenancy.create(input("bravo-2", { custom_domain: "bravo.example.edu" })))
        expect(dupDomain).toMatchObject({ field: "custom_domain" })
        expect(yield* outboxCount()).toBe(before)
        expect(yield* auditCount(t)).toBe(2)
        const missing = yield* Effect.flip(tenancy.get("bravo-2"))
        expect(missing._tag).toBe("TenantNotFound")
      }).pipe(Effect.provide(testActor))
    )

    it.effect("lifecycle: suspend, reactivate, delete, restore; illegal transitions refused", () =>
      Effect.gen(function* () {
        const tenancy = yield* Tenancy
        const t = yield* tenancy.create(input("charlie"))
        expect((yield* tenancy.suspend("charlie")).status).toBe("suspended")
        expect((yield* Effect.flip(tenancy.resolveActive("charlie")))._tag).toBe("TenantSuspended")
        expect((yield* Effect.flip(tenancy.suspend("charlie")))._tag).toBe("InvalidTenantTransition")
        expect((yield* tenancy.reactivate("charlie")).status).toBe("active")
        expect((yield* tenancy.resolveActive("charlie")).id).toBe(t.id)
        const deleted = yield* tenancy.remove("charlie")
        expect(deleted.status).toBe("deleted")
        expect(deleted.deleted_at).not.toBeNull()
        expect((yield* Effect.flip(tenancy.get("charlie")))._tag).toBe("TenantNotFound")
        const listed = yield* tenancy.list({ limit: 200 })
        expect(listed.items.some((x) => x.slug === "charlie")).toBe(false)
        const deletedList = yield* tenancy.list({ status: "deleted" })
        expect(deletedList.items.map((x) => x.slug)).toContain("charlie")
        expect((yield* Effect.flip(tenancy.create(input("charlie"))))._tag).toBe("Conflict") // slug stays reserved
        const restored = yield* tenancy.restore("charlie")
        expect(restored).toMatchObject({ status: "active", deleted_at: null })
        expect(yield* auditCount(t)).toBe(6) // create (+ default roles), suspend, reactivate, delete, restore
      }).pipe(Effect.provide(testActor))
    )

    it.effect("update changes fields, an empty patch writes nothing", () =>
      Effect.gen(function* () {
        const tenancy = yield* Tenancy
        const t = yield* tenancy.create(input("delta"))
        const u = yield* tenancy.update("delta", { name: "Delta High", plan: "pro" })
        expect(u).toMatchObject({ name: "Delta High", plan: "pro", region: "global" })
        expect(yield* auditCount(t)).toBe(3)
        yield* tenancy.update("delta", { name: "Delta High" })
        expect(yield* auditCount(t)).toBe(3)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("lists with cursor pagination in creation order", () =>
      Effect.gen(function* () {
        const tenancy = yield* Tenancy
        for (const s of ["page-a", "page-b", "page-c"]) yield* tenancy.create(input(s))
        const all: Array<string> = []
        let cursor: string | undefined
        do {
          const page = yield* tenancy.list({ limit: 2, cursor })
          expect(page.items.length).toBeLessThanOrEqual(2)
          all.push(...page.items.map((t) => t.slug))
          cursor = page.next_cursor ?? undefined
        } while (cursor)
        expect(all.filter((s) => s.startsWith("page-"))).toEqual(["page-a", "page-b", "page-c"])
        expect(new Set(all).size).toBe(all.length)
        expect((yield* Effect.flip(tenancy.list({ cursor: "not-a-cursor" })))._tag).toBe("ValidationError")
      }).pipe(Effect.provide(testActor))
    )

    it.effect("settings are validated against their schema; invalid values change nothing", () =>
      Effect.gen(function* () {
        const tenancy = yield* Tenancy
        const t = yield* tenancy.create(input("echo"))
        const s = yield* tenancy.putSetting("echo", "auth.password_min_length", 14)
        expect(s).toMatchObject({ value: 14, is_default: false })
        for (const bad of [7, 200, "14", 12.5, null]) {
          const e = yield* Effect.flip(tenancy.putSetting("echo", "auth.password_min_length", bad))
          expect(e._tag).toBe("ValidationError")
        }
        expect((yield* Effect.flip(tenancy.putSetting("echo", "general.timezone", "Mars/Olympus")))._tag).toBe(
          "ValidationError"
        )
        yield* tenancy.putSetting("echo", "general.timezone", "Europe/Paris")
        expect((yield* tenancy.getSetting("echo", "auth.password_min_length")).value).toBe(14)
        expect((yield* Effect.flip(tenancy.getSetting("echo", "no.such.key")))._tag).toBe("SettingNotFound")
        expect((yield* tenancy.resetSetting("echo", "auth.password_min_length")).value).toBe(12)
        expect(yield* tenancy.settingValue(t.id, "general.timezone")).toBe("Europe/Paris")
        expect(yield* auditCount(t)).toBe(5)
      }).pipe(Effect.provide(testActor))
    )

    if (dialect === "pg") {
      it.effect(
        "a setting read while the change's transaction is open is not cached: the change is seen at once after its commit",
        () =>
          Effect.gen(function* () {
            const tenancy = yield* Tenancy
            const sql = yield* SqlClient.SqlClient
            const t = yield* tenancy.create(input("foxtrot"))
            // Another transaction holds the tenant's audit chain head, so the change stops after writing
            // its row, uncommitted (its audit append waits for the head).
            const locked = yield* Deferred.make<void>()
            const release = yield* Deferred.make<void>()
            const holder = yield* sql
              .withTransaction(
                Effect.gen(function* () {
                  yield* sql`SELECT set_config('app.tenant_id', ${t.id}, true)`
                  yield* sql`SELECT seq FROM audit_heads WHERE tenant_id = ${t.id} FOR UPDATE`
                  yield* Deferred.succeed(locked, undefined)
                  yield* Deferred.await(release)
                })
              )
              .pipe(Effect.fork)
            yield* Deferred.await(locked)
            const change = yield* Effect.fork(tenancy.putSetting("foxtrot", "general.timezone", "Europe/Paris"))
            for (let waiting = 0; waiting === 0; ) {
              yield* Effect.promise(() => new Promise((wake) => setTimeout(wake, 20))) // real time: the clock is the TestClock
              const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted`
              waiting = rows[0]!.n
            }
            // Read (and, before the mend, cached) while the change is uncommitted: the old value.
            expect(yield* tenancy.settingValue(t.id, "general.timezone")).toBe("UTC")
            yield* Deferred.succeed(release, undefined)
            yield* Fiber.join(holder)
            yield* Fiber.join(change)
            expect(yield* tenancy.settingValue(t.id, "general.timezone")).toBe("Europe/Paris")
          }).pipe(Effect.provide(testActor))
      )
    }
  })
}
