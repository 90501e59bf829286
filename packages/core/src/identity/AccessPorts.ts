/**
 * The access module's ports (`access/Ports.ts`), provided by identity from
 * its repositories (issue 14 §5). Access must not import identity, and
 * identity's services use access (default roles, the `roles` claim,
 * escalation checks), so the ports are built from what sits below both —
 * the users and sessions repositories and the tenant settings — not from
 * the `Identity` or `Mfa` services: the layers then form no cycle.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { AccessStepUp, AccessUsers } from "../access/Ports.js"
import { tenantTx } from "../kernel/Database.js"
import { findIfId, UsersRepo } from "./repo/Users.js"
import { StepUp } from "./StepUp.js"

/** `AccessUsers.exists`: a live (not deleted) user of the `CurrentTenant`, in the caller's transaction when there is one. */
const accessUsers = Layer.effect(
  AccessUsers,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* UsersRepo
    return {
      exists: (userId: string) =>
        tenantTx(Effect.map(findIfId(userId, repo.find), Option.isSome)).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.withSpan("Identity.exists")
        )
    }
  })
)

/** `AccessStepUp.requireRecentMfa`, from {@link StepUp}. */
const accessStepUp = Layer.effect(
  AccessStepUp,
  Effect.map(StepUp, (stepUp) => ({ requireRecentMfa: stepUp.requireRecentMfa }))
)

/** Both access ports; needs the SQL client and `Tenancy` (the step-up window setting). */
export const accessPortsLayer = Layer.mergeAll(accessUsers, accessStepUp).pipe(
  Layer.provide(Layer.mergeAll(UsersRepo.Default, StepUp.Default))
)
