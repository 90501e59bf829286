/**
 * Texted one-time codes (issue 18 "SMS through a provider interface";
 * seed 002 "MFA by … SMS"; Keycloak / Zitadel "OTP SMS"; Lucia's token
 * rules): phone numbers normalized to E.164, and the issuing and checking
 * of 6-digit codes that the phone-number verification (`PhoneProfile.ts`),
 * the second factor (`SmsMfa.ts`) and passwordless sign-in
 * (`SmsCodeSignIn.ts`) share. The rules are the mailed codes'
 * (`MfaEmailCodes.ts`):
 *
 * - **Numbers** are parsed with libphonenumber's full metadata
 *   (`libphonenumber-js/max`): only a number valid for its region is
 *   accepted, and it is stored and compared as E.164 (`+33612345678`).
 * - **The code**: 6 digits from the CSPRNG (`crypto.randomInt`). Only the
 *   SHA-256 of `<row id>:<code>` is stored, compared with
 *   `timingSafeEqual`. 10 minutes, single use, 5 wrong tries burn it; a new
 *   code for the same purpose ends the earlier ones, using one ends them all.
 * - **Purposes**: a code answers only the purpose it was texted for
 *   (`phone_verify`, `mfa`, `sign_in`), and remembers the number it went to
 *   (a verification code confirms exactly that number).
 * - **Delivery** through {@link SmsQueue} (the outbox, in the caller's
 *   transaction: the text exists if and only if the code does), with the
 *   CloudEvent type a tenant's `sms` channel routes: {@link SMS_EVENT_MFA},
 *   {@link SMS_EVENT_SIGN_IN}, {@link SMS_EVENT_PHONE_VERIFY}.
 * - **Audit**: `auth.sms_code_sent`, `auth.sms_code_verified`,
 *   `auth.sms_code_failed` (with the reason), each with the `purpose`;
 *   never the number nor the code.
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import type { UserId } from "@signet/contracts/identity/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Effect, Option } from "effect"
import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max"
import { Audit } from "../audit/Audit.js"
import { instant } from "../kernel/Sql.js"
import type { SmsCodePurpose } from "./PhoneRepo.js"
import { AccountsRepo } from "./Repo.js"
import type { SmsQueue } from "./SmsQueue.js"
import type { MailLocale } from "./Templates.js"

/** How long a texted code stays valid (minutes). */
export const SMS_CODE_TTL_MINUTES = 10

/** Wrong tries after which a texted code is burned. */
export const SMS_CODE_MAX_ATTEMPTS = 5

/** The one message of every request for a login code by text. */
export const SMS_CODE_SENT_MESSAGE =
  "If the account has a verified phone number, a code is on its way to it by text message."

/** CloudEvent type of texted second-factor codes (a tenant's `sms` channel routes it). */
export const SMS_EVENT_MFA = "signet.accounts.mfa.code"

/** CloudEvent type of texted passwordless sign-in codes. */
export const SMS_EVENT_SIGN_IN = "signet.accounts.sign_in.code"

/** CloudEvent type of texted phone-number verification codes. */
export const SMS_EVENT_PHONE_VERIFY = "signet.accounts.phone.verification"

const EVENT_OF: Record<SmsCodePurpose, string> = {
  mfa: SMS_EVENT_MFA,
  sign_in: SMS_EVENT_SIGN_IN,
  phone_verify: SMS_EVENT_PHONE_VERIFY
}

/**
 * `raw` as an E.164 number (`+33612345678`): international form, or
 * national with `region` (ISO 3166-1 alpha-2). Only numbers valid for their
 * region (libphonenumber's full metadata) are accepted.
 * @errors ValidationError (field `phone_number`)
 */
export const normalizePhone = (raw: string, region?: string | undefined): Effect.Effect<string, ValidationError> => {
  const parsed = parsePhoneNumberFromString(raw.trim(), region as CountryCode | undefined)
  return parsed?.isValid()
    ? Effect.succeed(parsed.number)
    : Effect.fail(
        ValidationError.field(
          "phone_number",
          "not a valid phone number (use the international form, e.g. +33 6 12 34 56 78)"
        )
      )
}

/** A new 6-digit code (uniform, from the CSPRNG). */
const newSmsCode = (): string => NodeCrypto.randomInt(0, 1_000_000).toString().padStart(6, "0")

/** The stored hash of `code` for the row `id`: SHA-256 (hex) of `<id>:<code>`. */
const hashSmsCode = (id: string, code: string): string =>
  NodeCrypto.createHash("sha256").update(`${id}:${code}`).digest("hex")

/** Constant-time comparison of two hex digests of equal length. */
const sameHash = (a: string, b: string) =>
  a.length === b.length && NodeCrypto.timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"))

/** The texts of codes per language: `{code}`, `{tenant}` and `{minutes}` are filled in. */
const SMS_TEXTS: Record<MailLocale, Record<"phone_verify" | "code", string>> = {
  en: {
    phone_verify: "{code} is your {tenant} code to verify this phone number. It expires in {minutes} minutes.",
    code: "{code} is your {tenant} sign-in code. It expires in {minutes} minutes. Never share it."
  },
  fr: {
    phone_verify: "{code} est votre code {tenant} pour vérifier ce numéro. Il expire dans {minutes} minutes.",
    code: "{code} est votre code de connexion {tenant}. Il expire dans {minutes} minutes. Ne le partagez jamais."
  }
}

/**
 * The text of a code for `purpose` in `locale` (the code first, so phones
 * can offer to fill it in). Languages as mails (`Templates.ts` `mailLocale`).
 */
const smsText = (purpose: SmsCodePurpose, code: string, tenantName: string, locale: MailLocale) => {
  const values: Record<string, string> = { code, tenant: tenantName, minutes: String(SMS_CODE_TTL_MINUTES) }
  return SMS_TEXTS[locale][purpose === "phone_verify" ? "phone_verify" : "code"].replace(
    /\{(code|tenant|minutes)\}/g,
    (_, key: string) => values[key] as string
  )
}

/** The texted-code seam shared by the SMS flows; see the module comment. */
export const makeSmsCodes = (queue: SmsQueue["Type"]) =>
  Effect.gen(function* () {
    const repo = yield* AccountsRepo
    const audit = yield* Audit

    /**
     * Stores a new code for `purpose` to `phoneNumber` and queues its text,
     * ending the user's earlier codes of that purpose; audited. In the
     * caller's transaction (`CurrentTenant`, `CurrentActor`).
     */
    const issue = (
      tenant: { readonly name: string },
      userId: UserId,
      purpose: SmsCodePurpose,
      phoneNumber: string,
      locale: MailLocale
    ) =>
      Effect.gen(function* () {
        const nowMs = yield* Clock.currentTimeMillis
        const id = yield* newUuid
        const code = newSmsCode()
        yield* repo.voidSmsCodes(userId, purpose, instant(nowMs))
        yield* repo.insertSmsCode({
          id,
          userId,
          purpose,
          phoneNumber,
          codeHash: hashSmsCode(id, code),
          createdAt: instant(nowMs),
          expiresAt: instant(nowMs + SMS_CODE_TTL_MINUTES * 60_000)
        })
        yield* queue.enqueue({
          to: phoneNumber,
          body: smsText(purpose, code, tenant.name, locale),
          eventType: EVENT_OF[purpose]
        })
        yield* audit.record({ action: "auth.sms_code_sent", targetType: "user", targetId: userId, after: { purpose } })
      })

    /**
     * The number the user's live `purpose` code went to when `code` is it
     * (the code then used and the user's other codes of that purpose
     * ended); `None` otherwise, a wrong code counting a try (the fifth
     * burns it). Audited either way. In the caller's transaction.
     */
    const check = (userId: UserId, code: string, purpose: SmsCodePurpose) =>
      Effect.gen(function* () {
        const now = instant(yield* Clock.currentTimeMillis)
        const fail = (reason: string) =>
          Effect.as(
            audit.record({
              action: "auth.sms_code_failed",
              targetType: "user",
              targetId: userId,
              after: { reason, purpose }
            }),
            Option.none<string>()
          )
        const live = yield* repo.findLiveSmsCode(userId, purpose, now)
        if (Option.isNone(live)) return yield* fail("no_live_code")
        const row = live.value
        const candidate = /^\d{6}$/.test(code) ? code : ""
        if (!sameHash(hashSmsCode(row.id, candidate), row.code_hash)) {
          yield* repo.failSmsCode(row.id, SMS_CODE_MAX_ATTEMPTS, now)
          return yield* fail(row.attempts + 1 >= SMS_CODE_MAX_ATTEMPTS ? "wrong_code_burned" : "wrong_code")
        }
        if (!(yield* repo.useSmsCode(row.id, now))) return yield* fail("already_used")
        yield* repo.voidSmsCodes(userId, purpose, now)
        yield* audit.record({
          action: "auth.sms_code_verified",
          targetType: "user",
          targetId: userId,
          after: { purpose }
        })
        return Option.some(row.phone_number)
      })

    /**
     * The user's verified number, if they have one (only a verified number
     * receives login codes). In the caller's transaction.
     */
    const verifiedNumber = (userId: UserId) =>
      Effect.map(
        repo.findPhone(userId),
        Option.flatMap((p) => (p.verified_at === null ? Option.none() : Option.some(p.phone_number)))
      )

    return { issue, check, verifiedNumber } as const
  })
