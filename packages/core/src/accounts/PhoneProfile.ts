/**
 * A user's own phone number (issue 18 SMS; seed 002 "MFA by … SMS"): set,
 * verified by a texted code, removed; cleared by an admin. Why each step is
 * there:
 *
 * - **Self-service only**: the signed-in user (a user token) sets, confirms
 *   and removes their own number; nobody else reads it here. An admin may
 *   only clear it (`PhonesAdmin.clear`, `users:write`): a lost phone must
 *   not keep receiving login codes.
 * - **Re-authentication before setting a number** (as passkey
 *   registration): a number can become a sign-in factor (SMS second step,
 *   sign-in by SMS), so a stolen session must not add its own. The
 *   account's password — counted in the account's login bucket, a wrong one
 *   audited `account.phone_number_set_refused` and 403 — or, without one,
 *   an MFA verification on this session within `auth.step_up_minutes`
 *   (else 403 `mfa:step-up`). Nothing is stored or texted on a refusal.
 * - **Normalized** to E.164 with libphonenumber (`SmsCodes.normalizePhone`);
 *   anything else is a 400 and nothing changes.
 * - **Setting a number un-verifies it** and ends every texted code of the
 *   user (an MFA or sign-in code must not reach a number no longer theirs),
 *   then texts a 6-digit `phone_verify` code to the new number. Only a
 *   verified number ever receives login codes.
 * - **Rate limited before anything is written** per tenant and user:
 *   texts by `SIGNET_RATE_PHONE_VERIFY` (default `5/900`), confirmation
 *   tries by `SIGNET_RATE_PHONE_VERIFY_TRIES` (default `20/900`; each code
 *   burns after 5 wrong ones anyway); `off` disables either. Past it a 429
 *   and nothing sent or checked.
 * - **Confirming** takes the code (`SmsCodes.check`, 5 wrong tries burn
 *   it) and verifies exactly the number it was texted to, if that is still
 *   the user's. A refusal is one 400 (`code`); the counted try is kept.
 * - **Audit**: `account.phone_number_set`, `account.phone_number_verified`,
 *   `account.phone_number_removed`, `account.phone_number_cleared` (by an
 *   admin), with only the number's last two digits.
 * - **Events**: `signet.user.phone_verified` when a number becomes usable
 *   as a factor and `signet.user.phone_removed` (`by`: `self` or `admin`)
 *   when a number goes, with `number_ending` (its last two digits) — the
 *   security notice mailed to the user (`SecurityNotices.ts`) reacts to them.
 *
 * @module
 */
import { type ConfirmPhoneNumber, PhoneNumberStatus, type SetPhoneNumber } from "@signet/contracts/accounts/Phones"
import type { UserId } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden, NotFound, ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, Config, type Context, DateTime, Effect, Option, type Redacted } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { currentUser } from "../kernel/Principal.js"
import { parseRule, RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import type { PhoneRow } from "./PhoneRepo.js"
import { AccountUsers } from "./Ports.js"
import { AccountsRepo } from "./Repo.js"
import { enforceLimit } from "./Shared.js"
import { type makeSmsCodes, normalizePhone } from "./SmsCodes.js"
import { mailLocale } from "./Templates.js"

/** The last two digits of a number, for audit rows (never the whole number). */
const tail = (phoneNumber: string) => `…${phoneNumber.slice(-2)}`

/** A phone row as its owner sees it. */
const statusOf = (row: Option.Option<PhoneRow>) =>
  Option.match(row, {
    onNone: () => new PhoneNumberStatus({ phone_number: null, verified: false }),
    onSome: (p) =>
      new PhoneNumberStatus({
        phone_number: p.phone_number,
        verified: p.verified_at !== null,
        ...(p.verified_at !== null ? { verified_at: DateTime.unsafeMake(p.verified_at) } : {})
      })
  })

/**
 * The caller proves who they are before binding a number; see the module comment.
 * @errors Forbidden (no password and no recent MFA, or a wrong password), RateLimited
 */
const reauthenticate = (
  users: Context.Tag.Service<AccountUsers>,
  audit: Audit,
  userId: UserId,
  sessionId: string | null,
  password: Redacted.Redacted<string> | undefined
) =>
  Effect.gen(function* () {
    if (password === undefined) {
      if (sessionId === null)
        return yield* new Forbidden({ message: "a password is required", permission: "mfa:step-up" })
      return yield* users.requireRecentMfa(sessionId)
    }
    const verdict = yield* users.ownPassword(userId, password)
    if (verdict === "ok") return
    yield* tenantTx(
      audit.record({
        action: "account.phone_number_set_refused",
        targetType: "user",
        targetId: userId,
        after: { reason: verdict }
      })
    )
    return yield* new Forbidden({ message: "the password is incorrect" })
  })

/** The phone-number seam of the phones service; see the module comment. */
export const makePhoneProfile = (codes: Effect.Effect.Success<ReturnType<typeof makeSmsCodes>>) =>
  Effect.gen(function* () {
    const repo = yield* AccountsRepo
    const users = yield* AccountUsers
    const tenancy = yield* Tenancy
    const limiter = yield* RateLimiter
    const audit = yield* Audit
    const events = yield* Events
    // Verification texts and tries per tenant + user, "count/seconds" or "off".
    const rule = parseRule(
      yield* Effect.orDie(Config.string("SIGNET_RATE_PHONE_VERIFY").pipe(Config.withDefault("5/900")))
    )
    const tryRule = parseRule(
      yield* Effect.orDie(Config.string("SIGNET_RATE_PHONE_VERIFY_TRIES").pipe(Config.withDefault("20/900")))
    )
    const wrongCode = ValidationError.field("code", "invalid or expired code")

    /** The signed-in, active user of the `CurrentTenant`. @errors Forbidden, NotFound */
    const me = Effect.gen(function* () {
      const { userId } = yield* currentUser
      const user = yield* users.find(userId)
      if (Option.isNone(user) || !user.value.active)
        return yield* new NotFound({ message: "no such user", resource: "user", id: userId })
      return user.value
    })

    /**
     * The signed-in user's number and whether it is verified.
     * @errors Forbidden (not a user token), NotFound
     */
    const status = Effect.gen(function* () {
      const user = yield* me
      return statusOf(yield* tenantTx(repo.findPhone(user.id)))
    }).pipe(Effect.withSpan("Accounts.phoneStatus"))

    /**
     * Sets the signed-in user's number (unverified) and texts it a
     * verification code; see the module comment.
     * @errors ValidationError (`phone_number`), Forbidden (not a user token; no
     *   password and no recent MFA; a wrong password), NotFound, RateLimited
     */
    const set = (input: SetPhoneNumber) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const user = yield* me
        const phoneNumber = yield* normalizePhone(input.phone_number, input.region)
        yield* reauthenticate(users, audit, user.id, (yield* currentUser).sessionId, input.password)
        yield* enforceLimit(limiter, `phone-verify:${tenant.id}:${user.id}`, rule, "phone verification texts")
        const { name } = yield* tenancy.getById(tenant.id).pipe(Effect.orDie)
        const locale = mailLocale(user.locale ?? (yield* tenancy.settingValue<string>(tenant.id, "general.locale")))
        return yield* tenantTx(
          Effect.gen(function* () {
            const now = instant(yield* Clock.currentTimeMillis)
            yield* repo.setPhone(user.id, phoneNumber, now)
            yield* repo.voidSmsCodes(user.id, null, now)
            yield* codes.issue({ name }, user.id, "phone_verify", phoneNumber, locale)
            yield* audit.record({
              action: "account.phone_number_set",
              targetType: "user",
              targetId: user.id,
              after: { phone_number: tail(phoneNumber), verified: false }
            })
            return statusOf(yield* repo.findPhone(user.id))
          })
        )
      }).pipe(Effect.withSpan("Accounts.setPhoneNumber"))

    /**
     * Verifies the signed-in user's number with the texted code.
     * @errors ValidationError (`code`: wrong, expired, used or burned code, or
     *   the number changed since), Forbidden, NotFound, RateLimited
     */
    const confirm = (input: ConfirmPhoneNumber) =>
      Effect.gen(function* () {
        const tenant = yield* CurrentTenant
        const user = yield* me
        yield* enforceLimit(limiter, `phone-verify-try:${tenant.id}:${user.id}`, tryRule, "phone verification tries")
        // Committed either way: a wrong try must count even though the answer is an error.
        const verified = yield* tenantTx(
          Effect.gen(function* () {
            const number = yield* codes.check(user.id, input.code, "phone_verify")
            if (Option.isNone(number)) return Option.none<PhoneNumberStatus>()
            const now = instant(yield* Clock.currentTimeMillis)
            if (!(yield* repo.verifyPhone(user.id, number.value, now))) return Option.none<PhoneNumberStatus>()
            yield* audit.record({
              action: "account.phone_number_verified",
              targetType: "user",
              targetId: user.id,
              after: { phone_number: tail(number.value) }
            })
            yield* events.publish({
              type: "signet.user.phone_verified",
              subject: user.id,
              data: { user_id: user.id, number_ending: number.value.slice(-2) }
            })
            return Option.some(statusOf(yield* repo.findPhone(user.id)))
          })
        )
        if (Option.isNone(verified)) return yield* wrongCode
        return verified.value
      }).pipe(Effect.withSpan("Accounts.confirmPhoneNumber"))

    /** Removes `userId`'s number and ends their texted codes, audited as `action`; `signet.user.phone_removed` when there was one. */
    const drop = (userId: UserId, action: string, by: "self" | "admin") =>
      tenantTx(
        Effect.gen(function* () {
          const now = instant(yield* Clock.currentTimeMillis)
          const had = yield* repo.findPhone(userId)
          yield* repo.clearPhone(userId)
          yield* repo.voidSmsCodes(userId, null, now)
          yield* audit.record({
            action,
            targetType: "user",
            targetId: userId,
            before: Option.isSome(had) ? { phone_number: tail(had.value.phone_number) } : null
          })
          if (Option.isSome(had))
            yield* events.publish({
              type: "signet.user.phone_removed",
              subject: userId,
              data: { user_id: userId, by, number_ending: had.value.phone_number.slice(-2) }
            })
          return statusOf(Option.none())
        })
      )

    /**
     * Removes the signed-in user's own number.
     * @errors Forbidden (not a user token), NotFound
     */
    const remove = Effect.flatMap(me, (user) => drop(user.id, "account.phone_number_removed", "self")).pipe(
      Effect.withSpan("Accounts.removePhoneNumber")
    )

    /**
     * Clears a user's number (an admin's act; the permission is the facade's).
     * @errors NotFound (no such user in the `CurrentTenant`: another tenant's answers the same)
     */
    const clear = (userId: UserId) =>
      Effect.gen(function* () {
        const user = yield* users.find(userId)
        if (Option.isNone(user)) return yield* new NotFound({ message: "no such user", resource: "user", id: userId })
        return yield* drop(user.value.id, "account.phone_number_cleared", "admin")
      }).pipe(Effect.withSpan("Accounts.clearPhoneNumber"))

    return { status, set, confirm, remove, clear } as const
  })
