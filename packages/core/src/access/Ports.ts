/**
 * What the access module needs from identity, as explicit services (ports)
 * that identity provides (wired in Core.ts): access imports nothing from
 * identity — identity depends on access — so the modules form no cycle
 * (issue 14 "Module graph"; ARCHITECTURE §1 "Module rule").
 *
 * @module
 */
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Forbidden } from "@signet/contracts/kernel/Errors"
import { Context, type Effect } from "effect"

/** Whether a user id names a live user of the current tenant (identity's `Identity.exists`). */
export class AccessUsers extends Context.Tag("Signet/AccessUsers")<
  AccessUsers,
  { readonly exists: (userId: string) => Effect.Effect<boolean, never, CurrentTenant> }
>() {}

/**
 * Step-up (seed 003 "MFA required for sensitive actions"): fails unless the
 * session verified its second factor within `auth.step_up_minutes`
 * (identity's `Mfa.requireRecentMfa`).
 * @errors Forbidden (`permission: "mfa:step-up"`)
 */
export class StepUp extends Context.Tag("Signet/StepUp")<
  StepUp,
  { readonly requireRecent: (sessionId: string) => Effect.Effect<void, Forbidden, CurrentTenant> }
>() {}
