/**
 * What the passkey seams share (issue 18 "Passkeys / WebAuthn"): the
 * relying party (RP ID and origin), issuing and consuming ceremony
 * challenges, verifying an assertion against a stored credential, and the
 * MFA kit (attempt limit, users, sessions, audit).
 *
 * `@simplewebauthn/server` is imported on first use (`webauthn`), so the
 * single binary does not load it at start-up.
 *
 * @module
 */

import * as Crypto from "node:crypto"
import { Passkey, type WebAuthnCredential } from "@signet/contracts/identity/Domain"
import { CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, Context, Effect, Option } from "effect"
import { instant } from "../../kernel/Sql.js"
import { makeKit as makeMfaKit } from "../mfa/Kit.js"
import { SsoOnlyDomains } from "../Ports.js"
import { type ChallengePurpose, type ChallengeRow, type PasskeyRow, PasskeysRepo } from "../repo/Passkeys.js"

/** How long a ceremony challenge can be answered: 5 minutes (WebAuthn Level 3 §15.1 recommends 5–10 for UV). */
export const CHALLENGE_TTL_MS = 5 * 60_000

/** Most passkeys one user can register (every resource has a limit). */
export const MAX_PASSKEYS_PER_USER = 20

/**
 * Where the web app is reached, for the WebAuthn relying party (issue 18):
 * `configured` is the server's public origin (`SIGNET_PUBLIC_URL`, else the
 * address it listens on); `request` the scheme and host this request came to
 * (a tenant's custom domain is accepted when it is one). `signet serve`
 * provides it per request; an embedder provides its own.
 */
export class PasskeyOrigin extends Context.Reference<PasskeyOrigin>()("Signet/PasskeyOrigin", {
  defaultValue: (): { readonly configured: string; readonly request: string | null } => ({
    configured: "http://localhost",
    request: null
  })
}) {}

/** A relying party for one ceremony: RP ID (a host name), the exact origin expected, and the name shown. */
export interface RelyingParty {
  readonly rpId: string
  readonly origin: string
  readonly name: string
}

/**
 * The relying party of a ceremony in `tenant`: the request's origin when it
 * is the configured origin or `https://<the tenant's custom domain>`, else
 * the configured origin. The RP ID is that origin's host name (WebAuthn
 * §5.1.4.1: a registrable suffix of the origin's effective domain).
 */
export const relyingPartyOf = (
  tenant: Pick<Tenant, "name" | "custom_domain">,
  origin: { readonly configured: string; readonly request: string | null }
): RelyingParty => {
  const configured = new URL(origin.configured).origin
  const allowed = [configured, ...(tenant.custom_domain ? [`https://${tenant.custom_domain.toLowerCase()}`] : [])]
  let chosen = configured
  try {
    const requested = origin.request ? new URL(origin.request).origin : null
    if (requested && allowed.includes(requested)) chosen = requested
  } catch {
    // A malformed request origin: the configured one.
  }
  return { rpId: new URL(chosen).hostname, origin: chosen, name: tenant.name.slice(0, 64) }
}

/** `@simplewebauthn/server`, loaded on first use. */
export const webauthn = Effect.promise(() => import("@simplewebauthn/server"))

/** The challenge a credential's `clientDataJSON` answers (base64url), if it is readable. */
export const challengeOf = (credential: WebAuthnCredential): Option.Option<string> => {
  try {
    const data = JSON.parse(Buffer.from(credential.response.clientDataJSON, "base64url").toString("utf8")) as {
      challenge?: unknown
    }
    return typeof data.challenge === "string" && data.challenge.length <= 128
      ? Option.some(data.challenge)
      : Option.none()
  } catch {
    return Option.none()
  }
}

/** A stored credential as the domain shows it. */
export const present = (row: PasskeyRow): Passkey =>
  new Passkey(
    {
      id: row.id,
      user_id: row.user_id,
      name: row.name,
      credential_id: row.credential_id,
      transports: row.transports,
      backup_eligible: row.backup_eligible,
      backed_up: row.backed_up,
      created_at: row.created_at,
      last_used_at: row.last_used_at
    },
    true
  )

/**
 * A passkey name as stored: trimmed, 1..64 characters (the contract's
 * `PasskeyName`, enforced here too for in-process callers).
 * @errors ValidationError
 */
export const checkName = (name: string) => {
  const trimmed = name.trim()
  return trimmed.length >= 1 && trimmed.length <= 64
    ? Effect.succeed(trimmed)
    : Effect.fail(ValidationError.field("name", "must be 1 to 64 characters"))
}

/** The shared kit of the passkey seams; see the module comment. */
export const makeKit = Effect.gen(function* () {
  const mfa = yield* makeMfaKit
  const passkeys = yield* PasskeysRepo
  const ssoOnly = yield* SsoOnlyDomains

  /** The relying party of the current request in tenant `tenantId`. */
  const relyingParty = (tenantId: TenantId) =>
    Effect.zipWith(mfa.tenancy.getById(tenantId).pipe(Effect.orDie), PasskeyOrigin, relyingPartyOf)

  /**
   * Stores a fresh 256-bit challenge for `purpose` (in the caller's tenant
   * transaction) and answers it (base64url) with its relying party.
   */
  const issueChallenge = (
    rp: RelyingParty,
    purpose: ChallengePurpose,
    userId: string | null,
    sessionId: string | null
  ) =>
    Effect.gen(function* () {
      const challenge = Crypto.randomBytes(32).toString("base64url")
      const nowMs = yield* Clock.currentTimeMillis
      yield* passkeys.insertChallenge(
        { challenge, purpose, user_id: userId, session_id: sessionId, rp_id: rp.rpId, origin: rp.origin },
        instant(nowMs),
        instant(nowMs + CHALLENGE_TTL_MS)
      )
      return challenge
    })

  /**
   * Consumes the challenge `credential` answers if it is unused, unexpired,
   * of the `CurrentTenant` and for `purpose`: the challenge row, or none.
   * Consuming is part of the caller's transaction, so a refused ceremony
   * rolls it back with everything else.
   */
  const takeChallenge = (credential: WebAuthnCredential, purpose: ChallengePurpose) =>
    Effect.gen(function* () {
      const challenge = challengeOf(credential)
      if (Option.isNone(challenge)) return Option.none<ChallengeRow>()
      const at = instant(yield* Clock.currentTimeMillis)
      const row = yield* passkeys.consumeChallenge(challenge.value, at)
      return Option.filter(row, (r) => r.purpose === purpose)
    })

  /**
   * Verifies an assertion by a stored credential against a consumed
   * challenge (origin and RP ID as the options named them; signature over
   * `authenticatorData ‖ SHA-256(clientDataJSON)`; signature counter must
   * grow when either counter is non-zero, WebAuthn §6.1.1), then records the
   * new counter and backup state. False on any mismatch, a clone's counter
   * included.
   */
  const verifyAssertion = (
    row: PasskeyRow,
    challenge: ChallengeRow,
    credential: WebAuthnCredential,
    requireUserVerification: boolean
  ) =>
    Effect.gen(function* () {
      if (row.rp_id !== challenge.rp_id) return false
      const lib = yield* webauthn
      const result = yield* Effect.promise(() =>
        lib
          .verifyAuthenticationResponse({
            response: credential as never,
            expectedChallenge: challenge.challenge,
            expectedOrigin: challenge.origin,
            expectedRPID: challenge.rp_id,
            credential: {
              id: row.credential_id,
              publicKey: new Uint8Array(Buffer.from(row.public_key, "base64url")),
              counter: row.counter
            },
            requireUserVerification
          })
          .catch(() => ({ verified: false as const, authenticationInfo: undefined }))
      )
      if (!result.verified || !result.authenticationInfo) return false
      const at = instant(yield* Clock.currentTimeMillis)
      return yield* passkeys.recordUse(
        row.id,
        row.counter,
        result.authenticationInfo.newCounter,
        result.authenticationInfo.credentialBackedUp,
        at
      )
    })

  /** Request options (`navigator.credentials.get()`) for the given challenge and credentials. */
  const requestOptions = (rpId: string, challenge: string, allow: ReadonlyArray<{ credential_id: string }> | null) =>
    Effect.flatMap(webauthn, (lib) =>
      Effect.promise(() =>
        lib.generateAuthenticationOptions({
          rpID: rpId,
          challenge: new Uint8Array(Buffer.from(challenge, "base64url")),
          timeout: CHALLENGE_TTL_MS,
          userVerification: allow === null ? "required" : "preferred",
          ...(allow === null ? {} : { allowCredentials: allow.map((p) => ({ id: p.credential_id })) })
        })
      )
    ).pipe(
      Effect.map((options) => ({
        options: options as unknown as Record<string, unknown>,
        expires_in: CHALLENGE_TTL_MS / 1000
      }))
    )

  /** The tenant of the context as the audit and sessions need it. */
  const tenantRef = CurrentTenant

  return {
    ...mfa,
    passkeys,
    ssoOnly,
    relyingParty,
    issueChallenge,
    takeChallenge,
    verifyAssertion,
    requestOptions,
    tenantRef
  } as const
})

/** What {@link makeKit} builds. */
export type Kit = Effect.Effect.Success<typeof makeKit>
