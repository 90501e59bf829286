/**
 * `signet user mfa-reset` (issue 15 §4), run in process (`run` from main.ts)
 * against a throwaway database of each dialect: the user's MFA is off, their
 * recovery codes and sessions are gone, and the reset is audited as the
 * system actor.
 */
import * as Crypto from "node:crypto"
import {
  Audit,
  Auth,
  Core,
  CreateTenant,
  CurrentActor,
  CurrentTenant,
  Db,
  Identity,
  Mfa,
  systemActor,
  Tenancy,
  type TenantId
} from "@signet/core"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { Effect, Option, Redacted, Schema } from "effect"
import { generate } from "otplib"
import { afterEach, describe, expect, it, vi } from "vitest"
import { run } from "../src/main.js"

const PASSWORD = "correct horse battery staple"
const saved = { ...process.env }

afterEach(() => {
  process.env = { ...saved }
  process.exitCode = undefined
  vi.restoreAllMocks()
})

for (const dialect of testDialects()) {
  describe(`signet user mfa-reset on ${dialect}`, () => {
    it("issue 15 §4: resets an enrolled user's MFA, revokes their sessions and audits the reset", async () => {
      const db = await makeTestDatabase(dialect)
      try {
        process.env.DATABASE_URL = db.url
        process.env.SIGNET_MASTER_KEY = Crypto.randomBytes(32).toString("base64")
        delete process.env.SIGNET_CONFIG
        const core = Core.layer({ databaseUrl: db.url, pgPoolSize: 2 })
        const slug = "cli-mfa"
        const email = `head@${slug}.example.edu`
        // A tenant whose admin has TOTP on and a live session.
        const { tenant, userId } = await Effect.runPromise(
          Effect.gen(function* () {
            const t = yield* Tenancy.use((x) =>
              x.create(
                Schema.decodeUnknownSync(CreateTenant)({
                  slug,
                  name: slug,
                  admin: { email, password: PASSWORD, given_name: "H", family_name: "T" }
                })
              )
            )
            const login = yield* Auth.use((a) => a.login(slug, { login: email, password: Redacted.make(PASSWORD) }, {}))
            if (login.status !== "authenticated") throw new Error("expected tokens")
            const id = login.tokens.user.id
            const inT = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
              eff.pipe(Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug }))
            const { secret } = yield* inT(Mfa.use((m) => m.enroll(id, Redacted.make(PASSWORD))))
            const code = yield* Effect.promise(() => generate({ secret }))
            yield* inT(Mfa.use((m) => m.confirm(id, code)))
            return { tenant: { id: t.id as TenantId, slug }, userId: id }
          }).pipe(Effect.provideService(CurrentActor, systemActor), Effect.provide(core), Effect.scoped)
        )

        const out: Array<string> = []
        vi.spyOn(console, "log").mockImplementation((...args: Array<unknown>) => void out.push(args.join(" ")))
        await Effect.runPromise(
          run(["node", "signet", "user", "mfa-reset", "--tenant", slug, userId]) as Effect.Effect<void>
        )
        expect(process.exitCode ?? 0).toBe(0)
        expect(out.join("\n")).toContain("1 sessions revoked")

        const after = await Effect.runPromise(
          Effect.gen(function* () {
            const row = Option.getOrThrow(yield* Identity.use((i) => i.findRow(userId)))
            const codes = yield* Mfa.use((m) => m.recoveryCodesLeft(userId))
            const sessions = yield* Auth.use((a) => a.listSessions(userId, null))
            const audited = yield* Audit.use((a) => a.list({ action: "mfa.reset", targetId: userId }))
            return { row, codes, sessions, audited: audited.items }
          }).pipe(
            // One tenant transaction: on Postgres row-level security reads the tenant from it.
            Db.tenantTx,
            Effect.provideService(CurrentTenant, tenant),
            Effect.provideService(CurrentActor, systemActor),
            Effect.provide(core),
            Effect.scoped
          )
        )
        expect(after.row).toMatchObject({ mfa_enabled: false, mfa_secret_enc: null })
        expect(after.codes).toBe(0)
        expect(after.sessions).toEqual([])
        expect(after.audited).toHaveLength(1)
        expect(after.audited[0]).toMatchObject({ actor_kind: "system" })
      } finally {
        await db.dispose()
      }
    }, 120_000)
  })
}
