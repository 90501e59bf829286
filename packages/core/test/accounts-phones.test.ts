/**
 * Issue 18 SMS: a user's own phone number — normalized to E.164, verified
 * by a code texted through the tenant's `sms` channel (a local HTTP
 * receiver), un-verified when changed, cleared by an admin (`users:write`,
 * audited, another tenant's user is a 404). On both dialects.
 */
import { SqlClient } from "@effect/sql"
import { expect, layer } from "@effect/vitest"
import { Phones, PhonesAdmin, policyUse, type UserId } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Redacted } from "effect"
import { lastCode, setPhone, smsWorld, textsOf, useReceiver, verifiedPhone } from "./accounts-phones-support.js"
import { ADMIN_PASSWORD, asTenant, inTenant, testCore } from "./support.js"

useReceiver()

const status = (t: { id: string; slug: string }, actor: Parameters<typeof inTenant>[1]) =>
  Phones.use((p) => p.phoneStatus).pipe(inTenant(t, actor))

const confirm = (t: { id: string; slug: string }, actor: Parameters<typeof inTenant>[1], code: string) =>
  Phones.use((p) => p.confirmPhoneNumber({ code })).pipe(inTenant(t, actor))

/** The audit actions of tenant `t` starting with `prefix`. */
const actions = (t: { id: string; slug: string }, prefix: string) =>
  asTenant(
    t,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{
        action: string
      }>`SELECT action FROM audit_logs WHERE tenant_id = ${t.id} AND action LIKE ${`${prefix}%`} ORDER BY seq`.pipe(
        Effect.map((rows) => rows.map((r) => r.action)),
        Effect.orDie
      )
    )
  )

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`Phone numbers on ${dialect} (issue 18 SMS)`, (it) => {
    it.effect("a number is stored as E.164, unverified, and a texted code verifies it", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-ok-${dialect}`)
        const set = yield* setPhone(t, admin, "+33 6 12 34 56 78")
        expect(set).toMatchObject({ phone_number: "+33612345678", verified: false })
        const texts = yield* textsOf(t)
        expect(texts).toHaveLength(1)
        expect(texts[0]).toMatchObject({ to: "+33612345678", event_type: "signet.accounts.phone.verification" })
        const code = yield* lastCode(t, "+33612345678")
        const done = yield* confirm(t, admin, code)
        expect(done.verified).toBe(true)
        expect(done.verified_at).toBeDefined()
        expect((yield* status(t, admin)).verified).toBe(true)
        expect(yield* actions(t, "account.phone_number")).toEqual([
          "account.phone_number_set",
          "account.phone_number_verified"
        ])
      })
    )

    it.effect("a national number is read in the given region", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-region-${dialect}`)
        const set = yield* Phones.use((p) =>
          p.setPhoneNumber({ phone_number: "06 12 34 56 79", region: "FR", password: Redacted.make(ADMIN_PASSWORD) })
        ).pipe(inTenant(t, admin))
        expect(set.phone_number).toBe("+33612345679")
      })
    )

    it.effect("setting a number without the password or a recent MFA is a 403: nothing stored, nothing texted", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-reauth-none-${dialect}`)
        const e = yield* Effect.flip(
          Phones.use((p) => p.setPhoneNumber({ phone_number: "+33612345680" })).pipe(inTenant(t, admin))
        )
        expect(e).toMatchObject({ _tag: "Forbidden", permission: "mfa:step-up" })
        expect((yield* status(t, admin)).phone_number).toBeNull()
        expect(yield* textsOf(t)).toHaveLength(0)
      })
    )

    it.effect("a wrong password is a 403, audited: nothing stored, nothing texted", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-reauth-wrong-${dialect}`)
        const e = yield* Effect.flip(setPhone(t, admin, "+33612345681", "not the password"))
        expect(e._tag).toBe("Forbidden")
        expect((yield* status(t, admin)).phone_number).toBeNull()
        expect(yield* textsOf(t)).toHaveLength(0)
        expect(yield* actions(t, "account.phone_number")).toEqual(["account.phone_number_set_refused"])
      })
    )

    it.effect("the right password sets the number and texts the code", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-reauth-ok-${dialect}`)
        const set = yield* setPhone(t, admin, "+33612345682")
        expect(set.phone_number).toBe("+33612345682")
        expect((yield* textsOf(t)).map((x) => x.to)).toEqual(["+33612345682"])
      })
    )

    it.effect("an invalid number is a 400: nothing stored, nothing texted", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-bad-${dialect}`)
        const e = yield* Effect.flip(setPhone(t, admin, "+1 555 0100"))
        expect(e._tag).toBe("ValidationError")
        expect((yield* status(t, admin)).phone_number).toBeNull()
        expect(yield* textsOf(t)).toHaveLength(0)
      })
    )

    it.effect("a wrong code is a 400 and the fifth burns the texted code", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-wrong-${dialect}`)
        yield* setPhone(t, admin, "+33612345680")
        const code = yield* lastCode(t, "+33612345680")
        const wrong = code === "000000" ? "111111" : "000000"
        for (let i = 0; i < 5; i++) expect((yield* Effect.flip(confirm(t, admin, wrong)))._tag).toBe("ValidationError")
        expect((yield* Effect.flip(confirm(t, admin, code)))._tag).toBe("ValidationError")
        expect((yield* status(t, admin)).verified).toBe(false)
      })
    )

    it.effect("changing the number un-verifies it and the old code no longer counts", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-change-${dialect}`)
        yield* verifiedPhone(t, admin, "+33612345681")
        yield* setPhone(t, admin, "+33612345682")
        const oldCode = yield* lastCode(t, "+33612345681")
        expect(yield* status(t, admin)).toMatchObject({ phone_number: "+33612345682", verified: false })
        expect((yield* Effect.flip(confirm(t, admin, oldCode)))._tag).toBe("ValidationError")
      })
    )

    it.effect("verification texts are rate limited per user: 429 with the seconds to wait, nothing texted", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-rate-${dialect}`)
        for (let i = 0; i < 5; i++) yield* setPhone(t, admin, "+33612345683")
        const e = yield* Effect.flip(setPhone(t, admin, "+33612345684"))
        expect(e._tag).toBe("RateLimited")
        expect(e._tag === "RateLimited" && e.retry_after_seconds).toBeGreaterThan(0)
        expect((yield* textsOf(t)).filter((x) => x.to === "+33612345684")).toHaveLength(0)
      })
    )

    it.effect("an admin clears a user's number (audited); another tenant's user answers 404", () =>
      Effect.gen(function* () {
        const { admin, t } = yield* smsWorld(`phone-clear-${dialect}`)
        const other = yield* smsWorld(`phone-clear-other-${dialect}`)
        yield* verifiedPhone(t, admin, "+33612345685")
        const foreign = yield* Effect.flip(
          PhonesAdmin.clear(admin.id as UserId).pipe(policyUse("users:write"), inTenant(other.t, other.admin))
        )
        expect(foreign._tag).toBe("NotFound")
        expect((yield* status(t, admin)).verified).toBe(true)
        const cleared = yield* PhonesAdmin.clear(admin.id as UserId).pipe(policyUse("users:write"), inTenant(t, admin))
        expect(cleared.phone_number).toBeNull()
        expect((yield* status(t, admin)).phone_number).toBeNull()
        expect(yield* actions(t, "account.phone_number_cleared")).toHaveLength(1)
      })
    )
  })
}
