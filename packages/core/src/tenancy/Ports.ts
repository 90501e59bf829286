/**
 * What onboarding needs from the modules above tenancy, as a port (issue 14
 * §5): tenancy sits below identity and access, so it cannot call them; the
 * work they do when a tenant is created (access seeds the default roles,
 * identity creates the first admin) reaches `Tenancy.create` through
 * {@link TenantOnboarding}, a requirement of that one operation rather than
 * of the service (so no layer cycle). `Core.ts` provides it; an embedder
 * composing its own layers provides it the same way, or {@link noOnboarding}.
 *
 * @module
 */

import type { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import type { CreateTenant, Tenant } from "@signet/contracts/tenancy/Domain"
import { Context, Effect, Layer } from "effect"

/**
 * The onboarding work of other modules, run inside `Tenancy.create`'s
 * transaction after the tenant row and its default settings exist
 * (`CurrentTenant` is the new tenant). A failure rolls the whole onboarding
 * back and is returned to the caller.
 */
export class TenantOnboarding extends Context.Tag("Signet/TenantOnboarding")<
  TenantOnboarding,
  {
    readonly run: (
      tenant: Tenant,
      input: CreateTenant
    ) => Effect.Effect<void, ValidationError | Conflict, CurrentTenant | CurrentActor>
  }
>() {}

/** {@link TenantOnboarding} that does nothing (a tenant with no default roles and no first admin). */
export const noOnboarding: Layer.Layer<TenantOnboarding> = Layer.succeed(TenantOnboarding, { run: () => Effect.void })
