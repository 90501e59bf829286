/**
 * Passkeys (WebAuthn Level 3 through `@simplewebauthn/server`; issue 18
 * "Passkeys / WebAuthn"; seed 002 "MFA support (TOTP, WebAuthn …)"; seed 003
 * "MFA required for sensitive actions"; OWASP ASVS V2.7/V2.8).
 *
 * - Registration needs a recent authentication (the password, or an MFA
 *   verification on the session within `auth.step_up_minutes`); several
 *   passkeys per user (at most 20), discoverable, attestation `none`.
 * - Challenges are stored server-side (`webauthn_challenges`): 256 bits,
 *   5 minutes, single use, bound to the tenant, the purpose, the user
 *   (except passwordless sign-in), the session (step-up), and the origin
 *   and RP ID the options named ({@link PasskeyOrigin}: the server's public
 *   origin or the tenant's custom domain).
 * - Sign-in: passwordless (discoverable credentials, user verification
 *   required), or as the login's second step where a TOTP code is accepted;
 *   step-up accepts a passkey. Counters must grow (a cloned authenticator is
 *   refused); backup flags are stored and kept current.
 *
 * Composed from its seams: `passkeys/Registration.ts` (registration),
 * `passkeys/ActionRegistration.ts` (registration as the required action
 * `configure_mfa`, with the sign-in's action token),
 * `passkeys/Management.ts` (list, rename, remove), `passkeys/SignIn.ts`
 * (sign-in) and `passkeys/StepUp.ts` (step-up), sharing
 * `passkeys/Kit.ts`, over the repositories `repo/Passkeys.ts`,
 * `repo/Users.ts` and `repo/Sessions.ts`.
 *
 * @module
 */
import { Effect } from "effect"
import { makeActionRegistration } from "./passkeys/ActionRegistration.js"
import { makeKit } from "./passkeys/Kit.js"
import { makeManagement } from "./passkeys/Management.js"
import { makeRegistration } from "./passkeys/Registration.js"
import { makeSignIn } from "./passkeys/SignIn.js"
import { makeStepUp } from "./passkeys/StepUp.js"
import { MfaRepo } from "./repo/Mfa.js"
import { PasskeysRepo } from "./repo/Passkeys.js"
import { SessionsRepo } from "./repo/Sessions.js"
import { UsersRepo } from "./repo/Users.js"
import { StepUp } from "./StepUp.js"

export {
  CHALLENGE_TTL_MS,
  MAX_PASSKEYS_PER_USER,
  PasskeyOrigin,
  type RelyingParty,
  relyingPartyOf
} from "./passkeys/Kit.js"

/** The passkeys service. Methods act on the `CurrentTenant` (sign-in: the tenant of the slug). */
export class Passkeys extends Effect.Service<Passkeys>()("Signet/Passkeys", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    const registration = makeRegistration(kit)
    const { registrationOptions, register } = registration
    return {
      registrationOptions,
      register,
      ...makeActionRegistration(kit, registration),
      ...makeManagement(kit),
      ...makeSignIn(kit),
      ...makeStepUp(kit)
    } as const
  }),
  dependencies: [PasskeysRepo.Default, MfaRepo.Default, UsersRepo.Default, SessionsRepo.Default, StepUp.Default]
}) {}
