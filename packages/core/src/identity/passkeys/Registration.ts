/**
 * Registering passkeys (issue 18 "Passkeys / WebAuthn"; WebAuthn Level 3
 * §7.1 "Registering a New Credential"): registration options (a recent
 * authentication required), verifying and storing the new credential.
 *
 * @module
 */
import { PasskeyId, type WebAuthnCredential } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { Clock, Effect, Option, type Redacted } from "effect"
import { instant } from "../../kernel/Sql.js"
import { enforceAccountLimit } from "../LoginLimits.js"
import { verifyPassword } from "../Password.js"
import { normalize } from "../Users.js"
import { CHALLENGE_TTL_MS, checkName, type Kit, MAX_PASSKEYS_PER_USER, present, webauthn } from "./Kit.js"

/**
 * Re-authentication before binding a new credential (as TOTP enrolment,
 * issue 15 §4): the account's password — counted in the account's login
 * bucket before it is checked, a wrong one audited — or, without one, an
 * MFA verification on this session within `auth.step_up_minutes` (a
 * passkey sign-in counts), so a user without a password can add a second
 * passkey from a passkey session.
 */
const reauthenticate = (
  kit: Kit,
  userId: string,
  sessionId: string | null,
  password: Redacted.Redacted<string> | undefined
) =>
  Effect.gen(function* () {
    const { audit, limiter, loginLimits, inTx, userRow, stepUp } = kit
    if (password === undefined) {
      if (sessionId === null)
        return yield* new Forbidden({ message: "a password is required", permission: "mfa:step-up" })
      return yield* stepUp.requireRecentMfa(sessionId)
    }
    const tenant = yield* CurrentTenant
    const current = yield* inTx(userRow(userId))
    yield* enforceAccountLimit(limiter, loginLimits, `login:account:${tenant.id}:${normalize(current.email)}`)
    if (current.password_hash !== null && (yield* verifyPassword(current.password_hash, password))) return
    yield* inTx(
      audit.record({
        action: "passkey.register_refused",
        targetType: "user",
        targetId: userId,
        after: { reason: current.password_hash === null ? "no_password" : "wrong_password" }
      })
    )
    return yield* new Forbidden({ message: "the password is incorrect" })
  })

/** The registration seam of the passkeys service; see the module comment. */
export const makeRegistration = (kit: Kit) => {
  const { passkeys, audit, events, inTx, userRow } = kit

  /**
   * Registration options for the acting user (`navigator.credentials.create()`):
   * a discoverable credential (resident key required, so it can sign in
   * without a user name), user verification preferred, attestation `none`,
   * ES256 / EdDSA / RS256, the user's existing passkeys excluded. The
   * challenge is stored bound to the tenant and the user.
   * @errors Forbidden (wrong or no password, or no recent MFA), RateLimited
   *   (the account's login budget), ValidationError (20 passkeys already)
   */
  const registrationOptions = (
    userId: string,
    sessionId: string | null,
    password: Redacted.Redacted<string> | undefined
  ) => Effect.zipRight(reauthenticate(kit, userId, sessionId, password), optionsFor(userId))

  /**
   * The registration options of {@link registrationOptions} once the caller
   * has proven who they are (there: the password or a recent MFA; for a
   * required action: the action token, `ActionRegistration.ts`).
   * @errors ValidationError (20 passkeys already)
   */
  const optionsFor = (userId: string) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const rp = yield* kit.relyingParty(tenant.id)
      const lib = yield* webauthn
      return yield* inTx(
        Effect.gen(function* () {
          const user = yield* userRow(userId)
          const existing = yield* passkeys.listOfUser(userId)
          if (existing.length >= MAX_PASSKEYS_PER_USER) {
            return yield* ValidationError.field("passkeys", `at most ${MAX_PASSKEYS_PER_USER} per user`)
          }
          const challenge = yield* kit.issueChallenge(rp, "register", userId, null)
          const options = yield* Effect.promise(() =>
            lib.generateRegistrationOptions({
              rpName: rp.name,
              rpID: rp.rpId,
              userID: new TextEncoder().encode(userId),
              userName: user.email,
              userDisplayName: `${user.given_name} ${user.family_name}`.trim() || user.email,
              challenge: new Uint8Array(Buffer.from(challenge, "base64url")),
              timeout: CHALLENGE_TTL_MS,
              attestationType: "none",
              excludeCredentials: existing.map((p) => ({ id: p.credential_id })),
              authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
              supportedAlgorithmIDs: [-7, -8, -257]
            })
          )
          return { options: options as unknown as Record<string, unknown>, expires_in: CHALLENGE_TTL_MS / 1000 }
        })
      )
    })

  /**
   * Verifies the authenticator's answer to the user's registration challenge
   * (challenge single use, origin and RP ID as in the options, attestation
   * `none` accepted) and stores the credential: COSE public key, counter,
   * transports, backup eligibility (BE) and state (BS). Nothing is stored on
   * a refusal.
   * @errors ValidationError (no such challenge for this user — used, expired,
   *   another user's or tenant's —, a response that does not verify, a
   *   credential already registered, 20 passkeys already)
   */
  const register = (userId: string, credential: WebAuthnCredential, name: string | undefined) =>
    inTx(
      Effect.gen(function* () {
        const label = name === undefined ? undefined : yield* checkName(name)
        const refused = (why: string) => ValidationError.field("credential", why)
        const challenge = yield* kit.takeChallenge(credential, "register")
        if (Option.isNone(challenge) || challenge.value.user_id !== userId) {
          return yield* refused("does not answer a registration challenge of yours (used or expired?)")
        }
        const lib = yield* webauthn
        const result = yield* Effect.promise(() =>
          lib
            .verifyRegistrationResponse({
              response: credential as never,
              expectedChallenge: challenge.value.challenge,
              expectedOrigin: challenge.value.origin,
              expectedRPID: challenge.value.rp_id,
              requireUserVerification: false
            })
            .catch(() => ({ verified: false as const, registrationInfo: undefined }))
        )
        if (!result.verified || !result.registrationInfo) return yield* refused("could not be verified")
        const info = result.registrationInfo
        if (Option.isSome(yield* passkeys.findByCredentialId(info.credential.id))) {
          return yield* refused("is already registered")
        }
        if ((yield* passkeys.countOfUser(userId)) >= MAX_PASSKEYS_PER_USER) {
          return yield* ValidationError.field("passkeys", `at most ${MAX_PASSKEYS_PER_USER} per user`)
        }
        const id = yield* newId(PasskeyId)
        const nowMs = yield* Clock.currentTimeMillis
        const transports = (credential.response.transports ?? []).slice(0, 10)
        yield* passkeys.insert({
          id,
          user_id: userId,
          credential_id: info.credential.id,
          public_key: Buffer.from(info.credential.publicKey).toString("base64url"),
          counter: info.credential.counter,
          transports,
          backup_eligible: info.credentialDeviceType === "multiDevice",
          backed_up: info.credentialBackedUp,
          rp_id: challenge.value.rp_id,
          name: label ?? `Passkey ${instant(nowMs).slice(0, 10)}`,
          created_at: instant(nowMs)
        })
        yield* audit.record({
          action: "passkey.registered",
          targetType: "user",
          targetId: userId,
          after: { passkey_id: id, backup_eligible: info.credentialDeviceType === "multiDevice" }
        })
        yield* events.publish({
          type: "signet.user.passkey_added",
          subject: userId,
          data: { user_id: userId, passkey_id: id }
        })
        return present(Option.getOrThrow(yield* passkeys.find(id)))
      })
    )

  return { registrationOptions, optionsFor, register } as const
}
