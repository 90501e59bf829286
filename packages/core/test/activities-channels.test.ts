/**
 * Issue 22 "Channel configs": a tenant's e-mail, SMS, webhook and chat
 * channels through `ChannelsAdmin` — settings validated per kind, URLs
 * https-only unless the operator allows private targets, credentials
 * encrypted at rest and never answered, audit with before/after without
 * credentials, CloudEvents, soft delete and restore, `channels:*` held by
 * admin only — and the in-process `resolve` for senders, on both dialects.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { CreateChannelConfig, UpdateChannelConfig } from "@signet/contracts/activities/Channels"
import { Activities, type Actor, ChannelsAdmin as C, ChannelTargetPolicy, policyUse } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Option, Redacted, Schema } from "effect"
import { asTenant, inTenant, onboard, outboxCount, type TenantRef, testCore, user } from "./support.js"

const read = policyUse("channels:read")
const write = policyUse("channels:write")
const create = (input: Record<string, unknown>) => Schema.decodeUnknownSync(CreateChannelConfig)(input)
const patch = (input: Record<string, unknown>) => Schema.decodeUnknownSync(UpdateChannelConfig)(input)
const SECRET = "sk_live_abcdefghijklmnop1234"
const sms = {
  kind: "sms",
  name: "Texts",
  settings: { url: "https://sms.example.com/send", from: "Signet" },
  credentials: SECRET,
  event_types: ["signet.accounts.mfa.code"]
}

/** A tenant with its admin, a manager and a viewer; `as(who)` runs an effect in it as `who`. */
const world = (slug: string) =>
  Effect.gen(function* () {
    const raw = yield* onboard(slug)
    const tenant: TenantRef = { id: raw.id, slug: raw.slug }
    const mk = (name: string, type: string) =>
      Effect.map(
        user(`${name}@${slug}.example.edu`, type).pipe(inTenant(tenant)),
        (u): Actor => ({ kind: "user", id: u.id, userType: type })
      )
    return {
      tenant,
      admin: yield* mk("head", "admin"),
      teacher: yield* mk("teacher", "teacher"),
      as:
        (who: Actor) =>
        <X, E, R>(eff: Effect.Effect<X, E, R>) =>
          eff.pipe(inTenant(tenant, who))
    }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Channel configs on ${dialect} (issue 22)`, (it) => {
    it.effect("an admin adds an SMS channel: credentials encrypted at rest, answered only as a hint", () =>
      Effect.gen(function* () {
        const w = yield* world("ch-create")
        const ch = yield* C.create(create(sms)).pipe(write, w.as(w.admin))
        expect(ch).toMatchObject({ kind: "sms", enabled: true, has_credentials: true, credentials_hint: "1234" })
        expect(JSON.stringify(ch)).not.toContain(SECRET)
        expect(JSON.stringify(yield* C.list().pipe(read, w.as(w.admin)))).not.toContain(SECRET)
        const stored = yield* asTenant(
          w.tenant,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`SELECT * FROM activity_channel_configs WHERE tenant_id = ${w.tenant.id}`
          )
        )
        expect(stored).toHaveLength(1)
        expect(JSON.stringify(stored)).not.toContain(SECRET)
        expect(String(stored[0]!.credentials_enc)).toMatch(/^sg1\./)
        const audit = yield* asTenant(
          w.tenant,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`SELECT action, after FROM audit_logs WHERE action LIKE 'activities.channel.%'
              AND tenant_id = ${w.tenant.id}`
          )
        )
        expect(audit.map((a) => a.action)).toEqual(["activities.channel.created"])
        expect(JSON.stringify(audit)).not.toContain(SECRET)
        expect(yield* outboxCount("signet.activities.channel.created")).toBeGreaterThanOrEqual(1)
      }).pipe(Effect.orDie)
    )

    it.effect("resolve hands the enabled channel of a kind and event type to senders, credentials decrypted", () =>
      Effect.gen(function* () {
        const w = yield* world("ch-resolve")
        const ch = yield* C.create(create(sms)).pipe(write, w.as(w.admin))
        const resolve = (event: string) => Activities.use((a) => a.channels.resolve("sms", event)).pipe(w.as(w.admin))
        const found = Option.getOrThrow(yield* resolve("signet.accounts.mfa.code"))
        expect(found.config.id).toBe(ch.id)
        expect(Redacted.value(Option.getOrThrow(found.credentials))).toBe(SECRET)
        expect(Option.isNone(yield* resolve("signet.other.event"))).toBe(true)
        yield* C.update(ch.id, patch({ enabled: false })).pipe(write, w.as(w.admin))
        expect(Option.isNone(yield* resolve("signet.accounts.mfa.code"))).toBe(true)
        yield* C.update(ch.id, patch({ enabled: true, event_types: ["*"], credentials: null })).pipe(
          write,
          w.as(w.admin)
        )
        const all = Option.getOrThrow(yield* resolve("signet.other.event"))
        expect(Option.isNone(all.credentials)).toBe(true)
        expect(all.config.has_credentials).toBe(false)
      }).pipe(Effect.orDie)
    )

    it.effect("settings are validated per kind: unknown keys, missing fields, http and loopback URLs → 400", () =>
      Effect.gen(function* () {
        const w = yield* world("ch-valid")
        const refuse = (input: Record<string, unknown>) =>
          Effect.flip(C.create(create({ name: "x", ...input })).pipe(write, w.as(w.admin)))
        const cases = [
          { kind: "sms", settings: { url: "https://a.example/s" } },
          { kind: "email", settings: { from_address: "not-an-address" } },
          { kind: "chat", settings: { url: "https://chat.example/hook", extra: 1 } },
          { kind: "webhook", settings: { url: "http://hooks.example/in" } },
          { kind: "webhook", settings: { url: "https://127.0.0.1/in" } },
          { kind: "chat", settings: { url: "https://user:pw@chat.example/in" } }
        ]
        for (const c of cases) expect((yield* refuse(c))._tag).toBe("ValidationError")
        expect(yield* C.list().pipe(read, w.as(w.admin))).toEqual([])
        const allowed = yield* C.create(
          create({ kind: "webhook", name: "dev", settings: { url: "http://127.0.0.1:9/in" } })
        ).pipe(write, w.as(w.admin), Effect.provideService(ChannelTargetPolicy, { allowPrivateTargets: true }))
        expect(allowed.settings).toEqual({ url: "http://127.0.0.1:9/in" })
        const email = yield* C.create(
          create({ kind: "email", name: "mail", settings: { from_address: "no-reply@school.example" } })
        ).pipe(write, w.as(w.admin))
        expect(email.has_credentials).toBe(false)
        const badUpdate = yield* Effect.flip(
          C.update(email.id, patch({ settings: { url: "https://x.example" } })).pipe(write, w.as(w.admin))
        )
        expect(badUpdate._tag).toBe("ValidationError")
      })
    )

    it.effect("a name is unique among live channels; delete, restore, and 409 on a live one", () =>
      Effect.gen(function* () {
        const w = yield* world("ch-life")
        const me = w.as(w.admin)
        const ch = yield* C.create(create(sms)).pipe(write, me)
        expect((yield* Effect.flip(C.create(create(sms)).pipe(write, me)))._tag).toBe("Conflict")
        yield* C.remove(ch.id).pipe(write, me)
        expect((yield* Effect.flip(C.get(ch.id).pipe(read, me)))._tag).toBe("ChannelNotFound")
        const restored = yield* C.restore(ch.id).pipe(write, me)
        expect(restored.has_credentials).toBe(true)
        expect((yield* Effect.flip(C.restore(ch.id).pipe(write, me)))._tag).toBe("Conflict")
        const updated = yield* C.update(ch.id, patch({ name: "Renamed", credentials: "short" })).pipe(write, me)
        expect(updated).toMatchObject({ name: "Renamed", has_credentials: true, credentials_hint: null })
        const audit = yield* asTenant(
          w.tenant,
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`SELECT action, before, after FROM audit_logs WHERE action = 'activities.channel.updated'
              AND tenant_id = ${w.tenant.id}`
          )
        )
        expect(audit).toHaveLength(1)
        expect(JSON.stringify(audit)).not.toMatch(/short|sk_live/)
        for (const action of ["deleted", "restored", "updated"])
          expect(yield* outboxCount(`signet.activities.channel.${action}`)).toBeGreaterThanOrEqual(1)
      }).pipe(Effect.orDie)
    )

    it.effect("channels:* is admin-only: a teacher is refused; another tenant's channel answers 404", () =>
      Effect.gen(function* () {
        const w = yield* world("ch-authz")
        const v = yield* world("ch-authz-b")
        const ch = yield* C.create(create(sms)).pipe(write, w.as(w.admin))
        expect((yield* Effect.flip(C.list().pipe(read, w.as(w.teacher))))._tag).toBe("Forbidden")
        expect((yield* Effect.flip(C.create(create(sms)).pipe(write, w.as(w.teacher))))._tag).toBe("Forbidden")
        for (const id of [ch.id, "nope"]) {
          expect((yield* Effect.flip(C.get(id).pipe(read, v.as(v.admin))))._tag).toBe("ChannelNotFound")
          expect((yield* Effect.flip(C.remove(id).pipe(write, v.as(v.admin))))._tag).toBe("ChannelNotFound")
        }
        expect(yield* C.list().pipe(read, v.as(v.admin))).toEqual([])
        const other = yield* Activities.use((a) => a.channels.resolve("sms", "signet.accounts.mfa.code")).pipe(
          v.as(v.admin)
        )
        expect(Option.isNone(other)).toBe(true)
      })
    )
  })
}
