/**
 * TOTP multi-factor authentication (RFC 6238 through `otplib`; seed 002
 * "MFA support (TOTP)"; seed 003 "MFA required for sensitive actions";
 * OWASP ASVS V2.8).
 *
 * - Enrolment needs the account's current password (issue 15 §4) and stores a fresh 160-bit secret envelope-encrypted (AAD
 *   `tenant:<tid>:users:<uid>:mfa`) and returns it with an `otpauth://` URI
 *   and the same URI as an SVG QR code; MFA is on only after a first code
 *   confirms the authenticator.
 * - Codes are 6 digits, 30 s steps, ±1 step of clock drift. A code is
 *   accepted once per time step: the accepting UPDATE is conditional on
 *   `mfa_last_step < step`, so two concurrent uses of one code cannot both
 *   succeed.
 * - Confirmation returns 10 single-use recovery codes (80 bits each), stored
 *   as SHA-256 hashes.
 * - Login with MFA is two steps: the password step returns a 5-minute
 *   challenge token (`typ: signet-mfa+jwt`), the code step exchanges it for
 *   the session.
 * - An administrator's reset (`reset`, via `UserAdmin.resetMfa`) removes
 *   the secret and recovery codes and revokes the user's sessions, audited.
 * - Step-up: sensitive operations ask for an MFA verification within
 *   `auth.step_up_minutes` on the current session.
 * - Attempt limit (ASVS V2.2.1, NIST SP 800-63B §5.2.2): every code
 *   presented for a user — second login step, step-up, disabling MFA —
 *   counts in one bucket per tenant and user, `SIGNET_RATE_MFA`
 *   (`"<count>/<seconds>"` or `off`, default `10/300`: 10 attempts per
 *   5-minute window). Past it every attempt, a correct code included, is
 *   refused with `RateLimited` (429, `Retry-After`) until the window ends,
 *   and the first refusal of each window is audited (`auth.mfa_rate_limited`).
 *   Without it the 5-minute challenge token could be replayed with new
 *   guesses until one of the 10^6 codes matched.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { RateLimited } from "@signet/contracts/identity/Api"
import { MfaReset, UserNotFound } from "@signet/contracts/identity/Domain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, Config, Effect, Option, Redacted } from "effect"
import { generateSecret, generateURI, verify as verifyTotp } from "otplib"
import QRCode from "qrcode"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Envelope } from "../kernel/Crypto.js"
import type { EncryptedColumn } from "../kernel/KeyRotation.js"
import { parseRule, RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Auth, type ClientInfo } from "./Auth.js"
import { SigningKeys } from "./Keys.js"
import { enforceAccountLimit, loginRules } from "./LoginLimits.js"
import { verifyPassword } from "./Password.js"
import { MfaRepo } from "./repo/Mfa.js"
import { SessionsRepo } from "./repo/Sessions.js"
import { UsersRepo } from "./repo/Users.js"
import { Identity, normalize } from "./Users.js"

/** TOTP parameters (RFC 6238 defaults as authenticator apps expect them). */
export const TOTP = { period: 30, digits: 6, toleranceSteps: 1 } as const

/** The encrypted TOTP secret column, for master-key rotation. */
export const mfaSecretColumn: EncryptedColumn = {
  table: "users",
  keyColumns: ["tenant_id", "id"],
  column: "mfa_secret_enc",
  aad: (row) => `tenant:${row.tenant_id}:users:${row.id}:mfa`
}

const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest("hex")
const normalizeRecovery = (code: string) => code.replace(/[\s-]/g, "").toUpperCase()

/** 10 recovery codes of 16 base32 characters (80 bits), shown as `XXXX-XXXX-XXXX-XXXX`. */
export const newRecoveryCodes = (): Array<string> =>
  Array.from({ length: 10 }, () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    const bytes = Crypto.randomBytes(16)
    const raw = [...bytes].map((b) => alphabet[b % 32]).join("")
    return raw.match(/.{4}/g)!.join("-")
  })

/** The MFA service. Methods act on the `CurrentTenant`. */
export class Mfa extends Effect.Service<Mfa>()("Signet/Mfa", {
  effect: Effect.gen(function* () {
    const repo = yield* MfaRepo
    const users = yield* UsersRepo
    const sessions = yield* SessionsRepo
    const envelope = yield* Envelope
    const audit = yield* Audit
    const events = yield* Events
    const identity = yield* Identity
    const auth = yield* Auth
    const keys = yield* SigningKeys
    const tenancy = yield* Tenancy
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

    /**
     * Starts (or restarts) TOTP enrolment; MFA stays off until {@link confirm}.
     *
     * Why the password: binding a second factor is account takeover's last
     * step — whoever enrols their authenticator owns every later step-up and
     * login. A bearer token alone (stolen from a browser, a log, a proxy) must
     * not be enough (issue 15 §4; OWASP ASVS V3.7.1). Each attempt counts in
     * the account's login bucket (`SIGNET_RATE_LOGIN_ACCOUNT`, keyed by the
     * e-mail as a login by e-mail is), counted before the password is checked
     * and outside the transaction (see `countAttempt`), so a stolen token
     * cannot guess passwords faster than the login form allows. A wrong
     * password is audited (`mfa.enroll_refused`) and writes nothing else.
     * @errors Forbidden (403: wrong password, or the account has no password —
     *   SSO-only accounts set one first), RateLimited (429: the account's login
     *   budget is spent), ValidationError (MFA already enabled), Unauthorized
     *   (unknown user)
     */
    const enroll = (userId: string, password: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const current = yield* inTx(userRow(userId))
        yield* enforceAccountLimit(limiter, loginLimits, `login:account:${tenant.id}:${normalize(current.email)}`)
        const passwordOk = current.password_hash !== null && (yield* verifyPassword(current.password_hash, password))
        if (!passwordOk) {
          yield* inTx(
            audit.record({
              action: "mfa.enroll_refused",
              targetType: "user",
              targetId: userId,
              after: { reason: current.password_hash === null ? "no_password" : "wrong_password" }
            })
          )
          return yield* new Forbidden({
            message:
              current.password_hash === null
                ? "this account has no password: set one before enrolling MFA"
                : "the password is incorrect"
          })
        }
        return yield* inTx(
          Effect.gen(function* () {
            const row = yield* userRow(userId)
            if (row.mfa_enabled) return yield* ValidationError.field("mfa", "is already enabled; disable it first")
            const secret = generateSecret({ length: 20 })
            const enc = yield* envelope.encrypt(secret, mfaSecretColumn.aad(row))
            yield* users.setMfaSecret(userId, enc)
            const uri = generateURI({
              issuer: `Signet (${tenant.slug})`,
              label: row.email,
              secret,
              period: TOTP.period
            })
            const svg = yield* Effect.promise(() =>
              QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 })
            )
            yield* audit.record({ action: "mfa.enroll_started", targetType: "user", targetId: userId })
            return { secret, otpauth_uri: uri, qr_svg: svg }
          })
        )
      })

    /**
     * Confirms enrolment with a first code; turns MFA on and returns the
     * recovery codes (shown once).
     * @errors ValidationError (no pending enrolment, wrong code)
     */
    const confirm = (userId: string, code: string) =>
      inTx(
        Effect.gen(function* () {
          const row = yield* userRow(userId)
          if (row.mfa_enabled) return yield* ValidationError.field("mfa", "is already enabled")
          if (!row.mfa_secret_enc) return yield* ValidationError.field("mfa", "start enrolment first")
          if (!(yield* consumeCode(userId, code))) return yield* ValidationError.field("code", "is not valid")
          const at = instant(yield* Clock.currentTimeMillis)
          yield* users.enableMfa(userId, at)
          const codes = newRecoveryCodes()
          yield* repo.replace(
            userId,
            codes.map((c) => sha256(normalizeRecovery(c))),
            at
          )
          yield* audit.record({ action: "mfa.enabled", targetType: "user", targetId: userId })
          yield* events.publish({ type: "signet.user.mfa_enabled", subject: userId, data: { user_id: userId } })
          return { recovery_codes: codes }
        })
      )

    /**
     * Second login step: exchanges the challenge token and a TOTP or
     * recovery code for a session. Like a password-only login it records
     * `last_login_at` and publishes `signet.auth.login`, in the transaction
     * that opens the session.
     * @errors Unauthorized (bad or expired challenge, wrong or reused code),
     *   RateLimited (429: the user's MFA attempt budget is spent, `SIGNET_RATE_MFA`),
     *   TenantNotFound, TenantSuspended
     */
    const completeLogin = (
      slug: string,
      mfaToken: string,
      proof: { readonly code?: string | undefined; readonly recovery_code?: string | undefined },
      client: ClientInfo
    ) =>
      Effect.gen(function* () {
        const invalid = new Unauthorized({ message: "invalid code or expired challenge" })
        const tenant = yield* tenancy.resolveActive(slug)
        const payload = yield* keys.verify("mfa", mfaToken)
        if (payload.tid !== tenant.id || typeof payload.sub !== "string") return yield* invalid
        const userId = payload.sub
        const actor = { kind: "user" as const, id: userId, ip: client.ip, userAgent: client.userAgent }
        const asUser = <A, E, R>(self: Effect.Effect<A, E, R>) =>
          self.pipe(
            Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
            Effect.provideService(CurrentActor, actor)
          )
        // Counted before the code is looked at: a replayed challenge gets a
        // bounded number of guesses (see countAttempt).
        yield* asUser(countAttempt(userId, "login"))
        const outcome = yield* asUser(
          inTx(
            Effect.gen(function* () {
              const row = yield* userRow(userId)
              if (!row.mfa_enabled || row.status !== "active") return { ok: false as const }
              const ok = proof.code
                ? yield* consumeCode(userId, proof.code)
                : proof.recovery_code
                  ? yield* consumeRecovery(userId, proof.recovery_code)
                  : false
              if (!ok) return { ok: false as const }
              // The login is complete only now: record it as a password-only
              // login does (Auth.login), with the session in one transaction.
              const at = instant(yield* Clock.currentTimeMillis)
              yield* users.setLastLogin(userId, at)
              const deviceLabel = typeof payload.device_label === "string" ? payload.device_label : client.deviceLabel
              const pair = yield* auth.openSession(
                tenant,
                { ...row, last_login_at: at },
                { ...client, deviceLabel },
                true
              )
              yield* audit.record({
                action: proof.code ? "auth.login" : "auth.login_recovery_code",
                targetType: "session",
                targetId: pair.session_id,
                after: { user_id: userId, mfa: true }
              })
              yield* events.publish({
                type: "signet.auth.login",
                subject: userId,
                data: { session_id: pair.session_id }
              })
              return { ok: true as const, pair }
            })
          )
        )
        if (outcome.ok) return outcome.pair
        // The failure is recorded in its own transaction, then refused.
        yield* asUser(inTx(audit.record({ action: "auth.mfa_failed", targetType: "user", targetId: userId })))
        return yield* invalid
      })

    /**
     * Turns MFA off after re-authentication (password and a current code or
     * a recovery code). Each call counts in the user's MFA attempt bucket.
     * @errors ValidationError (wrong password or code, MFA not enabled),
     *   RateLimited (429: the user's MFA attempt budget is spent, `SIGNET_RATE_MFA`)
     */
    const disable = (
      userId: string,
      password: Redacted.Redacted<string>,
      proof: { readonly code?: string | undefined; readonly recovery_code?: string | undefined }
    ) =>
      Effect.zipRight(
        countAttempt(userId, "disable"),
        inTx(
          Effect.gen(function* () {
            const row = yield* userRow(userId)
            if (!row.mfa_enabled) return yield* ValidationError.field("mfa", "is not enabled")
            if (!row.password_hash || !(yield* verifyPassword(row.password_hash, password))) {
              return yield* ValidationError.field("password", "is incorrect")
            }
            const ok = proof.code
              ? yield* consumeCode(userId, proof.code)
              : proof.recovery_code
                ? yield* consumeRecovery(userId, proof.recovery_code)
                : false
            if (!ok) return yield* ValidationError.field("code", "is not valid")
            yield* users.disableMfa(userId)
            yield* repo.deleteAll(userId)
            yield* audit.record({ action: "mfa.disabled", targetType: "user", targetId: userId })
            yield* events.publish({ type: "signet.user.mfa_disabled", subject: userId, data: { user_id: userId } })
          })
        )
      )

    /**
     * Administrator's MFA reset (a user who lost their authenticator and
     * recovery codes): turns MFA off, removes the TOTP secret (also a pending
     * enrolment) and every recovery code, and revokes all the user's
     * sessions — whoever held a session may be who took the device — in one
     * transaction with an audit row (`mfa.reset`, before/after) and a
     * `signet.user.mfa_reset` event. Unguarded: `UserAdmin.resetMfa` adds
     * the permission, the no-escalation rule and step-up.
     * @errors UserNotFound (404; also another tenant's or a deleted user)
     */
    const reset = (userId: string) =>
      inTx(
        Effect.gen(function* () {
          const found = yield* identity.findRow(userId)
          if (Option.isNone(found)) return yield* new UserNotFound({ message: `no user ${userId}`, id: userId })
          const row = found.value
          yield* users.disableMfa(userId)
          const codesRemoved = yield* repo.deleteAll(userId)
          const revoked = yield* auth.revokeSessions(userId, { reason: "mfa_reset" })
          yield* audit.record({
            action: "mfa.reset",
            targetType: "user",
            targetId: userId,
            before: { mfa_enabled: row.mfa_enabled, enrolment_pending: row.mfa_secret_enc !== null },
            after: { mfa_enabled: false, recovery_codes_removed: codesRemoved, sessions_revoked: revoked }
          })
          yield* events.publish({
            type: "signet.user.mfa_reset",
            subject: userId,
            data: { user_id: userId, sessions_revoked: revoked }
          })
          return new MfaReset({ user_id: userId, sessions_revoked: revoked })
        })
      )

    /**
     * Step-up: a fresh TOTP code marks the current session as MFA-verified now.
     * Each call counts in the user's MFA attempt bucket (shared with the
     * second login step), so a stolen access token cannot guess codes freely.
     * @errors ValidationError (wrong or reused code, MFA not enabled),
     *   RateLimited (429: the user's MFA attempt budget is spent, `SIGNET_RATE_MFA`)
     */
    const stepUp = (userId: string, sessionId: string, code: string) =>
      Effect.zipRight(
        countAttempt(userId, "step_up"),
        inTx(
          Effect.gen(function* () {
            const row = yield* userRow(userId)
            if (!row.mfa_enabled) return yield* ValidationError.field("mfa", "is not enabled")
            if (!(yield* consumeCode(userId, code))) return yield* ValidationError.field("code", "is not valid")
            const at = instant(yield* Clock.currentTimeMillis)
            yield* sessions.markMfaVerified(sessionId, userId, at)
            yield* audit.record({ action: "auth.step_up", targetType: "session", targetId: sessionId })
            return { mfa_verified_at: at }
          })
        )
      )

    /**
     * Guards a sensitive operation: the session must have an MFA verification
     * within `auth.step_up_minutes`.
     * @errors Forbidden (`permission: "mfa:step-up"`)
     */
    const requireRecentMfa = (sessionId: string) =>
      inTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const minutes = yield* tenancy.settingValue<number>(tenant.id, "auth.step_up_minutes")
          const at = Option.getOrNull(yield* sessions.mfaVerifiedAt(sessionId))
          const nowMs = yield* Clock.currentTimeMillis
          if (!at || nowMs - Date.parse(at) > minutes * 60_000) {
            return yield* new Forbidden({
              message: `this operation needs an MFA verification in the last ${minutes} minutes (POST …/auth/step-up)`,
              permission: "mfa:step-up"
            })
          }
        })
      )

    /** Number of unused recovery codes. */
    const recoveryCodesLeft = (userId: string) => inTx(repo.countUnused(userId))

    return { enroll, confirm, completeLogin, disable, reset, stepUp, requireRecentMfa, recoveryCodesLeft } as const
  }),
  dependencies: [MfaRepo.Default, UsersRepo.Default, SessionsRepo.Default]
}) {}
