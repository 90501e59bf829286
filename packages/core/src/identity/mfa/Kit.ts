/**
 * What the MFA service's seams share (issue 14 §3): the repositories and
 * services it calls, the TOTP parameters, consuming a code or a recovery
 * code, and the per-user attempt limit.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { RateLimited, Unauthorized } from "@signet/contracts/kernel/Errors"
import { Clock, Config, Effect, Option, Redacted } from "effect"
import { verify as verifyTotp } from "otplib"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { Envelope } from "../../kernel/Crypto.js"
import type { EncryptedColumn } from "../../kernel/KeyRotation.js"
import { parseRule, RateLimiter } from "../../kernel/RateLimit.js"
import { instant } from "../../kernel/Sql.js"
import { Tenancy } from "../../tenancy/Tenancy.js"
import { Auth } from "../Auth.js"
import { SigningKeys } from "../Keys.js"
import { loginRules } from "../LoginLimits.js"
import { MfaRepo } from "../repo/Mfa.js"
import { PasskeysRepo } from "../repo/Passkeys.js"
import { SessionsRepo } from "../repo/Sessions.js"
import { UsersRepo } from "../repo/Users.js"
import { StepUp } from "../StepUp.js"
import { Identity } from "../Users.js"

/** TOTP parameters (RFC 6238 defaults as authenticator apps expect them). */
export const TOTP = { period: 30, digits: 6, toleranceSteps: 1 } as const

/** The encrypted TOTP secret column, for master-key rotation. */
export const mfaSecretColumn: EncryptedColumn = {
  table: "users",
  keyColumns: ["tenant_id", "id"],
  column: "mfa_secret_enc",
  aad: (row) => `tenant:${row.tenant_id}:users:${row.id}:mfa`
}

/** SHA-256 of `s`, hex (how recovery codes are stored). */
export const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest("hex")
/** A recovery code as hashed: without spaces and dashes, upper case. */
export const normalizeRecovery = (code: string) => code.replace(/[\s-]/g, "").toUpperCase()

/** 10 recovery codes of 16 base32 characters (80 bits), shown as `XXXX-XXXX-XXXX-XXXX`. */
export const newRecoveryCodes = (): Array<string> =>
  Array.from({ length: 10 }, () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    const bytes = Crypto.randomBytes(16)
    const raw = [...bytes].map((b) => alphabet[b % 32]).join("")
    return raw.match(/.{4}/g)!.join("-")
  })

/** The shared kit of the MFA seams; see the module comment. */
export const makeKit = Effect.gen(function* () {
  const repo = yield* MfaRepo
  const users = yield* UsersRepo
  const sessions = yield* SessionsRepo
  const passkeys = yield* PasskeysRepo
  const envelope = yield* Envelope
  const audit = yield* Audit
  const events = yield* Events
  const identity = yield* Identity
  const auth = yield* Auth
  const keys = yield* SigningKeys
  const tenancy = yield* Tenancy
  const stepUp = yield* StepUp
  const limiter = yield* RateLimiter
  // MFA code attempts per tenant + user, "count/seconds" or "off" (like SIGNET_RATE_LOGIN_*).
  const attemptRuleText: string = yield* Effect.orDie(
    Config.string("SIGNET_RATE_MFA").pipe(Config.withDefault("10/300"))
  )
  const attemptRule = parseRule(attemptRuleText)
  const loginLimits = yield* loginRules
  const inTx = identity.inTx

  const userRow = (userId: string) =>
    Effect.flatMap(identity.findRow(userId), (r) =>
      Option.isSome(r) ? Effect.succeed(r.value) : Effect.fail(new Unauthorized({ message: "unknown user" }))
    )

  /**
   * Checks a TOTP code for a user and consumes its time step atomically.
   * Returns false for a wrong code or a step already used.
   */
  const consumeCode = (userId: string, code: string) =>
    Effect.gen(function* () {
      const row = yield* userRow(userId)
      if (!row.mfa_secret_enc || !/^\d{6}$/.test(code)) return false
      const secret = yield* envelope.decryptString(row.mfa_secret_enc, mfaSecretColumn.aad(row)).pipe(Effect.orDie)
      const epoch = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const result = yield* Effect.promise(() =>
        verifyTotp({
          secret: Redacted.value(secret),
          token: code,
          epoch,
          period: TOTP.period,
          epochTolerance: TOTP.toleranceSteps * TOTP.period,
          ...(row.mfa_last_step !== null ? { afterTimeStep: row.mfa_last_step } : {})
        }).catch(() => ({ valid: false as const }))
      )
      if (!result.valid) return false
      const step = (result as { timeStep: number }).timeStep
      return yield* users.consumeMfaStep(userId, step)
    })

  /**
   * Counts one code attempt in the user's MFA bucket and refuses it once the
   * bucket is spent for the current window.
   *
   * Why every attempt and not only wrong ones: the limiter only counts hits,
   * and counting *before* the code is checked is what makes the limit hold
   * under concurrency — a check-then-count-failures scheme lets a burst of
   * parallel guesses all pass the check. The budget (default 10 per 5 min)
   * leaves a legitimate user room for several logins, step-ups and typos.
   *
   * Must run outside the operation's transaction: on Postgres the bucket is
   * a database row, and a refused code rolls its transaction back.
   *
   * The first refusal of each window is audited; later ones are not, so a
   * flood of guesses cannot become a flood of (hash-chained) audit rows.
   */
  const countAttempt = (userId: string, via: "login" | "step_up" | "disable") =>
    Effect.gen(function* () {
      if (Option.isNone(attemptRule)) return
      const rule = attemptRule.value
      const tenant = yield* CurrentTenant
      const decision = yield* limiter.hit(`mfa:${tenant.id}:${userId}`, rule)
      if (decision.allowed) return
      const firstRefusal = yield* limiter.hit(`mfa:refused:${tenant.id}:${userId}`, {
        count: 1,
        windowSeconds: rule.windowSeconds
      })
      if (firstRefusal.allowed) {
        yield* inTx(
          audit.record({
            action: "auth.mfa_rate_limited",
            targetType: "user",
            targetId: userId,
            after: {
              via,
              limit: rule.count,
              window_seconds: rule.windowSeconds,
              retry_after_seconds: decision.resetSeconds
            }
          })
        )
      }
      return yield* new RateLimited({
        message: `too many MFA code attempts; retry in ${decision.resetSeconds} s`,
        retry_after_seconds: decision.resetSeconds,
        limit: decision.limit,
        remaining: decision.remaining
      })
    })

  const consumeRecovery = (userId: string, code: string) =>
    Effect.gen(function* () {
      const at = instant(yield* Clock.currentTimeMillis)
      return yield* repo.consume(userId, sha256(normalizeRecovery(code)), at)
    })

  return {
    stepUp,
    repo,
    users,
    sessions,
    passkeys,
    envelope,
    audit,
    events,
    identity,
    auth,
    keys,
    tenancy,
    limiter,
    loginLimits,
    inTx,
    userRow,
    consumeCode,
    countAttempt,
    consumeRecovery
  } as const
})

/** What {@link makeKit} builds. */
export type Kit = Effect.Effect.Success<typeof makeKit>
