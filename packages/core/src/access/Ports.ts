/**
 * What the access module needs from identity, as ports: identity imports
 * access (default roles, escalation checks), so access must not import
 * identity (ARCHITECTURE §1 "modules form no cycle"). `Core.ts` provides
 * both from the identity services (`Identity.exists`, `Mfa.requireRecentMfa`);
 * an embedder composing its own layers provides them the same way.
 *
 * @module
 */

import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Forbidden } from "@signet/contracts/kernel/Errors"
import type { UserId } from "@signet/contracts/kernel/Ids"
import { Context, type Effect } from "effect"

/**
 * "Is this a live user of the current tenant?" (seed 004 `IdentityQuery.Exists`):
 * true only for a user of the `CurrentTenant` that is not deleted; false for
 * another tenant's user, a deleted one, or an id that names nobody. Runs in
 * the caller's transaction when there is one, so a user created earlier in
 * the same transaction exists.
 */
export class AccessUsers extends Context.Tag("Signet/AccessUsers")<
  AccessUsers,
  { readonly exists: (userId: UserId) => Effect.Effect<boolean, never, CurrentTenant> }
>() {}

/**
 * Step-up (seed 003 "MFA required for sensitive actions"): succeeds when the
 * session `sessionId` of the current tenant has an MFA verification within
 * the tenant's `auth.step_up_minutes`.
 * @errors Forbidden (`permission: "mfa:step-up"`) otherwise
 */
export class AccessStepUp extends Context.Tag("Signet/AccessStepUp")<
  AccessStepUp,
  { readonly requireRecentMfa: (sessionId: string) => Effect.Effect<void, Forbidden, CurrentTenant> }
>() {}
