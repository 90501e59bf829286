/**
 * What accounts needs from identity, which owns users and passwords
 * (ARCHITECTURE §1 "Module rule"). Identity provides it
 * (`identity/AccountsPorts.ts`) over its services; accounts never reads
 * `users` or `sessions`.
 *
 * @module
 */

import type { AcademicsNotFound, GroupId } from "@signet/contracts/academics/Domain"
import type {
  CreateUser,
  LoginResult,
  SsoRequired,
  TokenPair,
  UserId,
  UserNotFound,
  UserType
} from "@signet/contracts/identity/Domain"
import type { SignInActionsRequired } from "@signet/contracts/identity/RequiredActions"
import type { TenantSsoRequired } from "@signet/contracts/identity/SignInErrors"
import type { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import type {
  Conflict,
  Forbidden,
  QuotaExceeded,
  RateLimited,
  TenantNotFound,
  TenantSuspended,
  Unauthorized,
  ValidationError
} from "@signet/contracts/kernel/Errors"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Context, type Effect, type Option, type Redacted } from "effect"

/** A user as accounts sees one: enough to address a mail and decide whether to. */
export interface AccountUser {
  readonly id: UserId
  readonly email: string
  /** `active` users only may reset a password. */
  readonly active: boolean
  /** The user's own language (profile, BCP 47), or null: mails follow the tenant's `general.locale`. */
  readonly locale: string | null
}

/** A user as invitations see one: an {@link AccountUser} with its type, school and whether it has a password. */
export interface Invitee extends AccountUser {
  readonly userType: UserType
  readonly schoolId: string | null
  readonly hasPassword: boolean
  /** The name to print on a sign-in card (display name, else given and family name). */
  readonly name: string
}

/** A student group as sign-in cards need it: its name and its student members' ids. */
export interface CardGroup {
  readonly id: string
  readonly name: string
  readonly schoolId: string | null
  readonly studentIds: ReadonlyArray<UserId>
}

/**
 * What accounts needs from academics, which owns student groups: a group's
 * members for sign-in cards (issue 18). Academics provides it
 * (`academics/AccountsPorts.ts`); accounts never reads academics' tables.
 */
export class AccountGroups extends Context.Tag("Signet/AccountGroups")<
  AccountGroups,
  {
    /** The (not deleted) group of the current tenant with its student members. @errors AcademicsNotFound (also another tenant's) */
    readonly students: (groupId: GroupId) => Effect.Effect<CardGroup, AcademicsNotFound, CurrentTenant | CurrentActor>
  }
>() {}

/** Identity's side of the accounts flows, in the `CurrentTenant`. */
export class AccountUsers extends Context.Tag("Signet/AccountUsers")<
  AccountUsers,
  {
    /** The (not deleted) user with this e-mail address or username. */
    readonly findByLogin: (login: string) => Effect.Effect<Option.Option<AccountUser>, never, CurrentTenant>
    /** The (not deleted) user with this id. */
    readonly find: (id: string) => Effect.Effect<Option.Option<AccountUser>, never, CurrentTenant>
    /** The (not deleted) user with this id, e-mail address or username, as an invitation needs it. */
    readonly invitee: (login: string) => Effect.Effect<Option.Option<Invitee>, never, CurrentTenant>
    /**
     * Creates a user through identity (its validation, default role of the
     * type, audit row and event), in the caller's transaction.
     * @errors ValidationError, Conflict (address taken), Forbidden, QuotaExceeded (the plan's `users.max`)
     */
    readonly create: (
      input: CreateUser
    ) => Effect.Effect<Invitee, ValidationError | Conflict | Forbidden | QuotaExceeded, CurrentTenant | CurrentActor>
    /**
     * The tenant's live users (not deleted), ordered by id after `after`, at
     * most `limit`, optionally of one type or school: a bulk invitation's candidates.
     */
    readonly page: (filter: {
      readonly after?: string | undefined
      readonly userType?: UserType | undefined
      readonly schoolId?: string | undefined
      readonly limit: number
    }) => Effect.Effect<ReadonlyArray<Invitee>, never, CurrentTenant>
    /**
     * Signs in with the password just set, as `POST …/auth/login` does
     * (session, tokens, audit row, `signet.auth.login`).
     * @errors RateLimited
     */
    readonly signIn: (
      slug: string,
      login: string,
      password: Redacted.Redacted<string>,
      client: { readonly ip?: string | undefined; readonly userAgent?: string | undefined }
    ) => Effect.Effect<LoginResult, RateLimited>
    /**
     * Re-authentication of the signed-in user `id` by their password (before
     * a new sign-in factor is bound, e.g. a phone number): counted in the
     * account's login bucket first (`SIGNET_RATE_LOGIN_ACCOUNT`), then
     * `"ok"`, `"wrong_password"` or `"no_password"` (none set, or no such user).
     * @errors RateLimited (the account's login budget is spent)
     */
    readonly ownPassword: (
      id: UserId,
      password: Redacted.Redacted<string>
    ) => Effect.Effect<"ok" | "wrong_password" | "no_password", RateLimited, CurrentTenant>
    /**
     * Succeeds when session `sessionId` has an MFA verification within
     * `auth.step_up_minutes` (the other way to re-authenticate).
     * @errors Forbidden (`permission: "mfa:step-up"`)
     */
    readonly requireRecentMfa: (sessionId: string) => Effect.Effect<void, Forbidden, CurrentTenant>
    /**
     * Checks `password` against the tenant's password policy for this user.
     * @errors ValidationError (field `new_password`), UserNotFound
     */
    readonly checkPassword: (
      id: UserId,
      password: Redacted.Redacted<string>
    ) => Effect.Effect<void, ValidationError | UserNotFound, CurrentTenant>
    /**
     * Sets the password (policy checked again) and revokes every session of
     * the user, audited by identity, in the caller's transaction; `by` goes
     * into the `signet.user.password_changed` event (a reset link's or an
     * invitation's password).
     * @errors ValidationError (field `new_password`), UserNotFound
     */
    readonly resetPassword: (
      id: UserId,
      password: Redacted.Redacted<string>,
      by: "reset_link" | "invitation"
    ) => Effect.Effect<
      { readonly sessions_revoked: number },
      ValidationError | UserNotFound,
      CurrentTenant | CurrentActor
    >
    /**
     * The user an MFA challenge token (`typ: signet-mfa+jwt`, from a password
     * login) names, if it is valid and of tenant `tenantId` and its first
     * factor was not a code of `factor`'s kind (default `email_code`; issue
     * 18 SMS: `sms_code`); else `None`.
     */
    readonly mfaChallengeUser: (
      tenantId: string,
      mfaToken: string,
      factor?: "email_code" | "sms_code"
    ) => Effect.Effect<Option.Option<UserId>>
    /**
     * Whether the account `userId` with address `email` signs in only through
     * SSO in `tenant` — its domain's connection or the tenant-wide policy
     * (issue 19 §2): no code is mailed then.
     */
    readonly ssoOnly: (tenant: Tenant, email: string, userId: UserId) => Effect.Effect<boolean>
    /**
     * Resolves a sign-in's action token (identity's `auth/RequiredActions.ts`,
     * issue 18) for a step that satisfies `action`: the tenant and the user,
     * only while `action` is pending.
     * @errors Unauthorized (bad, expired or replayed token; `action` not pending), TenantNotFound, TenantSuspended
     */
    readonly actionUser: (
      slug: string,
      actionToken: string,
      action: "verify_email" | "update_password" | "configure_mfa"
    ) => Effect.Effect<
      { readonly tenant: Tenant; readonly userId: UserId },
      Unauthorized | TenantNotFound | TenantSuspended
    >
    /**
     * Passwordless sign-in (identity's `auth/CodeLogin.ts`): `check` runs in
     * the transaction that opens the session; false refuses (what `check`
     * wrote is kept). An account with MFA answers `mfa_required`. `factor`
     * (default `email_code`) names the proof in the audit and the challenge.
     * @errors Unauthorized (refused proof, account gone, disabled or locked), SsoRequired,
     *   TenantSsoRequired
     */
    readonly codeLogin: (
      tenant: Tenant,
      userId: UserId,
      client: {
        readonly ip?: string | undefined
        readonly userAgent?: string | undefined
        readonly deviceLabel?: string | undefined
      },
      check: (userId: UserId) => Effect.Effect<boolean, never, CurrentTenant | CurrentActor>,
      factor?: "email_code" | "sms_code"
    ) => Effect.Effect<LoginResult, Unauthorized | SsoRequired | TenantSsoRequired>
    /**
     * Completes the login's second step with a factor accounts checks
     * (`Mfa.completeLoginWith`): `check` runs in the transaction that opens
     * the session; false refuses (audited `auth.mfa_failed`, what `check`
     * wrote is kept). Same session and tokens as the TOTP step. `factor`
     * (default `email_code`; `sms_code` for texted codes) is refused on a
     * challenge whose first factor was a code of the same kind.
     * @errors Unauthorized, RateLimited (`SIGNET_RATE_MFA`), TenantNotFound, TenantSuspended
     */
    readonly completeMfaLogin: (
      slug: string,
      mfaToken: string,
      client: {
        readonly ip?: string | undefined
        readonly userAgent?: string | undefined
        readonly deviceLabel?: string | undefined
      },
      check: (userId: UserId) => Effect.Effect<boolean, never, CurrentTenant | CurrentActor>,
      factor?: "email_code" | "sms_code"
    ) => Effect.Effect<TokenPair, Unauthorized | SignInActionsRequired | RateLimited | TenantNotFound | TenantSuspended>
  }
>() {}
