/**
 * The phones service (issue 18 "SMS through a provider interface with a
 * webhook/HTTP transport"; seed 002 "MFA by … SMS"): a user's own phone
 * number and its verification (`PhoneProfile.ts`), SMS codes as a second
 * factor (`SmsMfa.ts`) and passwordless sign-in by SMS code
 * (`SmsCodeSignIn.ts`), over the shared code rules (`SmsCodes.ts`) and
 * the {@link SmsQueue} (outbox → `SmsSender` → the tenant's `sms` channel).
 *
 * A service of its own beside {@link Accounts} because the SMS queue is
 * built above the accounts service (`Core.layer`); it shares accounts'
 * repository and identity's `AccountUsers` port. Admin operations go
 * through {@link PhonesAdmin} (permission in the type).
 *
 * @module
 */
import type { UserId } from "@signet/contracts/identity/Domain"
import { Effect } from "effect"
import { policyRequire } from "../access/Policy.js"
import { makePhoneProfile } from "./PhoneProfile.js"
import { AccountsRepo } from "./Repo.js"
import { makeSmsCodeSignIn } from "./SmsCodeSignIn.js"
import { makeSmsCodes } from "./SmsCodes.js"
import { makeSmsMfa } from "./SmsMfa.js"
import { SmsQueue } from "./SmsQueue.js"

/** The phones service; needs `SmsQueue`, `AccountUsers`, `Tenancy`, `Audit`, `RateLimiter`. */
export class Phones extends Effect.Service<Phones>()("Signet/Phones", {
  effect: Effect.gen(function* () {
    const codes = yield* makeSmsCodes(yield* SmsQueue)
    const profile = yield* makePhoneProfile(codes)
    const mfa = yield* makeSmsMfa(codes)
    const signIn = yield* makeSmsCodeSignIn(codes, mfa)
    return {
      /** The signed-in user's number and whether it is verified. */
      phoneStatus: profile.status,
      /** Sets the signed-in user's number (unverified) and texts a verification code. */
      setPhoneNumber: profile.set,
      /** Verifies the signed-in user's number with the texted code. */
      confirmPhoneNumber: profile.confirm,
      /** Removes the signed-in user's own number. */
      removePhoneNumber: profile.remove,
      /** Unguarded: call through `PhonesAdmin.clear` (permission in the type). */
      clearPhoneNumber: profile.clear,
      sendMfaSmsCode: mfa.send,
      verifyMfaSmsCode: mfa.verify,
      sendSignInSmsCode: signIn.send,
      verifySignInSmsCode: signIn.verify
    } as const
  }),
  dependencies: [AccountsRepo.Default]
}) {}

const usersWrite = policyRequire("users", "write")

/** Phone-number administration (issue 18 SMS): `users:write` in the type. */
export const PhonesAdmin = {
  /**
   * Clears a user's phone number and ends their texted codes (audited
   * `account.phone_number_cleared`); the user may set a new one.
   * @errors NotFound (no such user in the tenant; another tenant's answers the same), Forbidden
   */
  clear: (userId: UserId) => usersWrite(Phones.use((p) => p.clearPhoneNumber(userId)))
} as const
