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
 * Composed from its seams (issue 14 §3): `mfa/Enrolment.ts` (enrolment),
 * `mfa/ActionEnrolment.ts` (TOTP enrolment as a required action at sign-in, issue 18),
 * `mfa/Removal.ts` (disabling, reset) and `mfa/Verification.ts` (second login step, step-up,
 * recovery codes left), sharing `mfa/Kit.ts`, over the repositories
 * `repo/Mfa.ts`, `repo/Users.ts` and `repo/Sessions.ts`.
 *
 * @module
 */
import { Effect } from "effect"
import { makeActionEnrolment } from "./mfa/ActionEnrolment.js"
import { makeEnrolment } from "./mfa/Enrolment.js"
import { makeKit } from "./mfa/Kit.js"
import { makeRemoval } from "./mfa/Removal.js"
import { makeVerification } from "./mfa/Verification.js"
import { MfaRepo } from "./repo/Mfa.js"
import { PasskeysRepo } from "./repo/Passkeys.js"
import { SessionsRepo } from "./repo/Sessions.js"
import { UsersRepo } from "./repo/Users.js"
import { StepUp } from "./StepUp.js"

export { mfaSecretColumn, newRecoveryCodes, TOTP } from "./mfa/Kit.js"

/** The MFA service. Methods act on the `CurrentTenant`. */
export class Mfa extends Effect.Service<Mfa>()("Signet/Mfa", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    const enrolment = makeEnrolment(kit)
    return {
      ...enrolment,
      ...makeActionEnrolment(kit, enrolment),
      ...makeRemoval(kit),
      ...makeVerification(kit)
    } as const
  }),
  dependencies: [MfaRepo.Default, UsersRepo.Default, SessionsRepo.Default, PasskeysRepo.Default, StepUp.Default]
}) {}
