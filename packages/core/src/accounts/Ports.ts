/**
 * What accounts needs from identity, which owns users and passwords
 * (ARCHITECTURE §1 "Module rule"). Identity provides it
 * (`identity/AccountsPorts.ts`) over its services; accounts never reads
 * `users` or `sessions`.
 *
 * @module
 */
import type { UserId, UserNotFound } from "@signet/contracts/identity/Domain"
import type { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import type { ValidationError } from "@signet/contracts/kernel/Errors"
import { Context, type Effect, type Option, type Redacted } from "effect"

/** A user as accounts sees one: enough to address a mail and decide whether to. */
export interface AccountUser {
  readonly id: UserId
  readonly email: string
  /** `active` users only may reset a password. */
  readonly active: boolean
}

/** Identity's side of the accounts flows, in the `CurrentTenant`. */
export class AccountUsers extends Context.Tag("Signet/AccountUsers")<
  AccountUsers,
  {
    /** The (not deleted) user with this e-mail address or username. */
    readonly findByLogin: (login: string) => Effect.Effect<Option.Option<AccountUser>, never, CurrentTenant>
    /** The (not deleted) user with this id. */
    readonly find: (id: string) => Effect.Effect<Option.Option<AccountUser>, never, CurrentTenant>
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
     * the user, audited by identity, in the caller's transaction.
     * @errors ValidationError (field `new_password`), UserNotFound
     */
    readonly resetPassword: (
      id: UserId,
      password: Redacted.Redacted<string>
    ) => Effect.Effect<
      { readonly sessions_revoked: number },
      ValidationError | UserNotFound,
      CurrentTenant | CurrentActor
    >
  }
>() {}
