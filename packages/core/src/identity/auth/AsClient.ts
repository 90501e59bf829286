/**
 * Running a step of a sign-in that has no session yet (passkey sign-in,
 * required actions with the action token) in its tenant and as its
 * client: the `CurrentTenant` of the resolved tenant and a user
 * `CurrentActor` carrying the client's address and agent, so the audit rows
 * and rate limits of the step see who asked.
 *
 * @module
 */
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Effect } from "effect"
import type { ClientInfo } from "../Auth.js"

/**
 * Provides `tenant` and the actor `userId` (null while the user is not known
 * yet, e.g. before a passwordless assertion is verified) from `client`.
 */
export const asClient =
  (tenant: Tenant, client: ClientInfo, userId: string | null) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    self.pipe(
      Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
      Effect.provideService(CurrentActor, { kind: "user", id: userId, ip: client.ip, userAgent: client.userAgent })
    )
