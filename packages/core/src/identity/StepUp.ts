/**
 * The step-up guard (seed 003 "MFA required for sensitive actions"): a
 * sensitive operation needs an MFA verification on the current session
 * within the tenant's `auth.step_up_minutes`. Used by `Mfa` and, through the
 * `AccessStepUp` port, by access (issue 14 §5: built from the sessions
 * repository and the tenant settings only, so access can use it without a
 * layer cycle).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import { Clock, DateTime, Effect, Option } from "effect"
import { tenantTx } from "../kernel/Database.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { SessionsRepo } from "./repo/Sessions.js"

/** The step-up guard; see the module comment. */
export class StepUp extends Effect.Service<StepUp>()("Signet/StepUp", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const sessions = yield* SessionsRepo
    const tenancy = yield* Tenancy

    /**
     * Succeeds when session `sessionId` of the `CurrentTenant` has an MFA
     * verification within `auth.step_up_minutes` (in the caller's
     * transaction when there is one).
     * @errors Forbidden (`permission: "mfa:step-up"`)
     */
    const requireRecentMfa = (sessionId: string): Effect.Effect<void, Forbidden, CurrentTenant> =>
      tenantTx(
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const minutes = yield* tenancy.settingValue<number>(tenant.id, "auth.step_up_minutes")
          const at = Option.getOrNull(yield* sessions.mfaVerifiedAt(sessionId))
          const nowMs = yield* Clock.currentTimeMillis
          if (!at || nowMs - DateTime.toEpochMillis(at) > minutes * 60_000) {
            return yield* new Forbidden({
              message: `this operation needs an MFA verification in the last ${minutes} minutes (POST …/auth/step-up)`,
              permission: "mfa:step-up"
            })
          }
        })
      ).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.withSpan("StepUp.requireRecentMfa"))

    return { requireRecentMfa } as const
  }),
  dependencies: [SessionsRepo.Default]
}) {}
