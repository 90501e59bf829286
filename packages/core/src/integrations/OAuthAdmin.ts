/**
 * The OAuth bindings facade (issue 21 §4). Tenant and actor come from
 * context; permissions:
 *
 * - `oauth:read` lists the tenant's provider credentials and everyone's
 *   bindings; `oauth:write` registers and deletes credentials and removes
 *   anyone's binding;
 * - a signed-in user starts, lists and removes their own bindings (no
 *   permission: the actor must be that user);
 * - a user's access token at a provider goes to that user, or to an actor
 *   holding `oauth:use` (an integration acting for the user) — checked here,
 *   in core, for every caller;
 * - completing a binding needs no actor: the single-use state is the
 *   capability, and it binds the user who started it.
 *
 * @module
 */
import type { PutPlatformCredential } from "@signet/contracts/integrations/OAuthDomain"
import { CurrentActor, CurrentTenant, systemActor } from "@signet/contracts/kernel/Context"
import { Forbidden, TenantNotFound } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { policyRequire } from "../access/Policy.js"
import { selfOrPermission } from "../access/SelfOr.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { OAuthBindings } from "./OAuthBindings.js"

const read = policyRequire("oauth", "read")
const write = policyRequire("oauth", "write")

/** The acting user's id. @errors Forbidden (the actor is not a signed-in user) */
const actingUser = Effect.flatMap(CurrentActor, (actor) =>
  actor.kind === "user" && actor.id !== null
    ? Effect.succeed(actor.id)
    : Effect.fail(new Forbidden({ message: "only a signed-in user has OAuth bindings of their own" }))
)

/** OAuth bindings; see the module comment for who may do what. */
export const OAuthAdmin = {
  /** Registers or replaces the credential at `provider` (the secret is never answered). */
  putCredential: (provider: string, input: PutPlatformCredential) =>
    write(OAuthBindings.use((o) => o.putCredential(provider, input))),
  listCredentials: () => read(OAuthBindings.use((o) => o.listCredentials)),
  getCredential: (provider: string) => read(OAuthBindings.use((o) => o.getCredential(provider))),
  /** Deletes the credential with every binding to it. */
  deleteCredential: (provider: string) => write(OAuthBindings.use((o) => o.deleteCredential(provider))),
  /** Bindings of the tenant, or of one user. */
  listBindings: (userId?: string) => read(OAuthBindings.use((o) => o.listBindings(userId))),
  /** Removes a user's binding (revoked at the provider when it can). */
  removeBinding: (userId: string, provider: string) => write(OAuthBindings.use((o) => o.unbind(userId, provider))),

  /** Starts binding the acting user to `provider`; the provider returns to `redirectUri`. */
  startMine: (provider: string, redirectUri: string) =>
    Effect.flatMap(actingUser, (userId) => OAuthBindings.use((o) => o.start(userId, provider, redirectUri))),
  listMine: () => Effect.flatMap(actingUser, (userId) => OAuthBindings.use((o) => o.listBindings(userId))),
  removeMine: (provider: string) =>
    Effect.flatMap(actingUser, (userId) => OAuthBindings.use((o) => o.unbind(userId, provider))),
  /** Completes a binding from the provider's redirect, in the current tenant (see the module comment). */
  complete: (callback: string) => OAuthBindings.use((o) => o.complete(callback)),
  /**
   * Completes a binding in the active tenant `slug`, as Signet itself (the
   * HTTP callback: no credentials). @errors TenantNotFound (unknown or
   * suspended tenant), OAuthStateInvalid, OAuthProviderError
   */
  completeIn: (slug: string, callback: string) =>
    Tenancy.use((t) => t.resolveActive(slug)).pipe(
      Effect.catchTag("TenantSuspended", () =>
        Effect.fail(new TenantNotFound({ message: `no tenant "${slug}"`, tenant: slug }))
      ),
      Effect.flatMap((tenant) =>
        OAuthBindings.use((o) => o.complete(callback)).pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.provideService(CurrentActor, systemActor)
        )
      )
    ),

  /** The user's access token at `provider` (Redacted), refreshed when due; the user or an `oauth:use` holder. */
  accessToken: (userId: string, provider: string) =>
    selfOrPermission(
      userId,
      "oauth:use",
      OAuthBindings.use((o) => o.accessToken(userId, provider))
    )
} as const
