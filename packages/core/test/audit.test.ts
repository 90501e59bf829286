import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import { Audit, CreateTenant, chainHash, GENESIS_HASH, redact, Tenancy } from "@signet/core"
import { ownerQuery, testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { asTenant, TestDbUrl, testActor, testCore } from "./support.js"

const create = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug })))

describe("audit helpers", () => {
  it("redacts secret-looking keys recursively", () => {
    expect(redact({ name: "a", password: "p", nested: [{ api_key: "k", ok: 1 }], totp_secret: null })).toEqual({
      name: "a",
      password: "[REDACTED]",
      nested: [{ api_key: "[REDACTED]", ok: 1 }],
      totp_secret: null
    })
  })
  it("chains hashes: any field change changes the hash", () => {
    const row = {
      tenant_id: "t",
      seq: 1,
      id: "i",
      actor_kind: "system",
      actor_id: null,
      action: "a",
      target_type: "x",
      target_id: null,
      before: null,
      after: { b: 1, a: 2 },
      ip: null,
      user_agent: null,
      request_id: null,
      occurred_at: "2026-01-01T00:00:00.000Z"
    }
    const h = chainHash(GENESIS_HASH, row)
    expect(h).toMatch(/^[0-9a-f]{64}$/)
    expect(chainHash(GENESIS_HASH, { ...row, after: { a: 2, b: 1 } })).toBe(h) // canonical key order
    expect(chainHash(GENESIS_HASH, { ...row, action: "b" })).not.toBe(h)
    expect(chainHash("1".repeat(64), row)).not.toBe(h)
  })
})

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 60_000 })(`Audit log on ${dialect}`, (it) => {
    it.effect("every mutation appends one chained row; the chain verifies", () =>
      Effect.gen(function* () {
        const t = yield* create("audit-a")
        const tenancy = yield* Tenancy
        yield* tenancy.update("audit-a", { name: "Renamed" })
        yield* tenancy.putSetting("audit-a", "auth.lockout_minutes", 30)
        yield* tenancy.suspend("audit-a")
        const result = yield* asTenant(
          t,
          Audit.use((a) => a.verify)
        )
        expect(result).toMatchObject({ ok: true, checked: 5, head_seq: 5, broken: null })
        const page = yield* asTenant(
          t,
          Audit.use((a) => a.list({ limit: 10 }))
        )
        expect(page.items.map((e) => e.action)).toEqual([
          "tenant.suspended",
          "settings.update",
          "tenant.update",
          "tenant.create",
          "access.defaults.seed"
        ])
        expect(page.items[0]).toMatchObject({
          actor_kind: "operator",
          actor_id: "test",
          request_id: "req-test",
          seq: 5
        })
        expect(page.items[1]!.before).toEqual({ key: "auth.lockout_minutes", value: 15 })
        expect(page.items[4]!.prev_hash).toBe(GENESIS_HASH)
        expect(page.items[3]!.prev_hash).toBe(page.items[4]!.hash)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("the application cannot UPDATE or DELETE audit rows", () =>
      Effect.gen(function* () {
        const t = yield* create("audit-b")
        const sql = yield* SqlClient.SqlClient
        const upd = yield* asTenant(t, sql`UPDATE audit_logs SET action = 'x' WHERE tenant_id = ${t.id}`).pipe(
          Effect.exit
        )
        expect(upd._tag).toBe("Failure")
        const del = yield* asTenant(t, sql`DELETE FROM audit_logs WHERE tenant_id = ${t.id}`).pipe(Effect.exit)
        expect(del._tag).toBe("Failure")
        expect(
          (yield* asTenant(
            t,
            Audit.use((a) => a.verify)
          )).ok
        ).toBe(true)
      }).pipe(Effect.provide(testActor))
    )

    it.effect("a tampered row is detected at its sequence number", () =>
      Effect.gen(function* () {
        const t = yield* create("audit-c")
        const tenancy = yield* Tenancy
        yield* tenancy.update("audit-c", { name: "One" })
        yield* tenancy.update("audit-c", { name: "Two" })
        // Tamper as the database owner, bypassing the append-only trigger.
        if (dialect === "pg") {
          const url = yield* TestDbUrl
          yield* Effect.promise(() =>
            ownerQuery(
              url,
              `BEGIN; SET LOCAL session_replication_role = replica;
               UPDATE audit_logs SET after = '{"name":"Forged"}' WHERE tenant_id = '${t.id}' AND seq = 2; COMMIT;`
            )
          )
        } else {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe("DROP TRIGGER audit_logs_no_update")
          yield* sql`UPDATE audit_logs SET after = '{"name":"Forged"}' WHERE tenant_id = ${t.id} AND seq = 2`
        }
        const result = yield* asTenant(
          t,
          Audit.use((a) => a.verify)
        )
        expect(result.ok).toBe(false)
        expect(result.broken).toMatchObject({ seq: 2, reason: "hash_mismatch" })
        expect(result.checked).toBe(1)
      }).pipe(Effect.provide(testActor))
    )
  })
}
