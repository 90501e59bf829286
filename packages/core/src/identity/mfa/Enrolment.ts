/**
 * Enrolling in MFA (issue 14 §3): starting TOTP enrolment (the current
 * password required) and confirming it with a first code, which turns MFA on
 * and returns the recovery codes.
 *
 * @module
 */
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, Effect, type Redacted } from "effect"
import { generateSecret, generateURI } from "otplib"
import QRCode from "qrcode"
import { instant } from "../../kernel/Sql.js"
import { enforceAccountLimit } from "../LoginLimits.js"
import { verifyPassword } from "../Password.js"
import { normalize } from "../Users.js"
import { type Kit, mfaSecretColumn, newRecoveryCodes, normalizeRecovery, sha256, TOTP } from "./Kit.js"

/** The enrolment seam of the MFA service; see the module comment. */
export const makeEnrolment = (kit: Kit) => {
  const { repo, users, envelope, audit, events, limiter, loginLimits, inTx, userRow, consumeCode } = kit
  /**
   * A fresh TOTP secret for `userId` (current tenant), stored encrypted;
   * what {@link enroll} and the required-action step hand out.
   * @errors ValidationError (MFA already enabled), Unauthorized (unknown user)
   */
  const startTotp = (userId: string) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
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
      return yield* startTotp(userId)
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

  return { enroll, confirm, startTotp } as const
}
