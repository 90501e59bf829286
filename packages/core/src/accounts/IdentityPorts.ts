/**
 * What accounts answers identity about verified addresses (issue 18
 * required actions: the tenant setting `auth.require_verified_email` makes
 * an unverified address a pending `verify_email` at sign-in). Accounts owns
 * the verified state (`email_verifications`); identity sits above accounts
 * (it provides accounts' `AccountUsers` port), so it asks through
 * {@link EmailVerifications}, which `Core.ts` composes from
 * {@link emailVerificationsLayer}. An embedder without accounts provides
 * {@link noEmailVerifications}.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Context, Effect, Layer, Option } from "effect"
import { AccountsRepo } from "./Repo.js"

/**
 * "Has `userId` verified `email`?" in the `CurrentTenant`: true when `email`
 * equals the address the user last confirmed. Runs in the caller's transaction.
 */
export class EmailVerifications extends Context.Tag("Signet/EmailVerifications")<
  EmailVerifications,
  { readonly verified: (userId: string, email: string) => Effect.Effect<boolean, never, CurrentTenant> }
>() {}

/** {@link EmailVerifications} for an installation without accounts: no address is verified. */
export const noEmailVerifications: Layer.Layer<EmailVerifications> = Layer.succeed(EmailVerifications, {
  verified: () => Effect.succeed(false)
})

/** {@link EmailVerifications} over `AccountsRepo.verifiedRow`, in the caller's transaction. */
export const emailVerificationsLayer: Layer.Layer<EmailVerifications, never, SqlClient.SqlClient> = Layer.effect(
  EmailVerifications,
  Effect.map(AccountsRepo, (repo) => ({
    verified: (userId: string, email: string) =>
      Effect.map(repo.verifiedRow(userId), (row) => Option.isSome(row) && row.value.email === email).pipe(
        Effect.orElseSucceed(() => false)
      )
  }))
).pipe(Layer.provide(AccountsRepo.Default))
