/**
 * Identity's e-mail verification port (`identity/Ports.ts`
 * {@link EmailVerifications}), provided by accounts from its own repository
 * (`email_verifications`): an address is verified when it equals the one the
 * user last confirmed (issue 18 required actions).
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { EmailVerifications } from "../identity/Ports.js"
import { AccountsRepo } from "./Repo.js"

/** `EmailVerifications.verified` over `AccountsRepo.verifiedRow`, in the caller's transaction. */
export const emailVerificationsLayer: Layer.Layer<EmailVerifications, never, SqlClient.SqlClient> = Layer.effect(
  EmailVerifications,
  Effect.map(AccountsRepo, (repo) => ({
    verified: (userId: string, email: string) =>
      Effect.map(repo.verifiedRow(userId), (row) => Option.isSome(row) && row.value.email === email).pipe(
        Effect.orElseSucceed(() => false)
      )
  }))
).pipe(Layer.provide(AccountsRepo.Default))
