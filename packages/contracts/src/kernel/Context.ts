/**
 * Request-scoped context: the verified tenant and the acting principal.
 *
 * Repositories take the tenant from `CurrentTenant` — never from a header or a
 * caller-supplied argument (ARCHITECTURE §2 "Tenancy"). The server provides
 * both tags after authenticating the request; the CLI provides them for local
 * administration with a `system` actor.
 *
 * @module
 */
import { Context, Schema } from "effect"

/** Branded tenant id (UUIDv7). Declared here because every module needs it. */
export const TenantId = Schema.UUID.pipe(Schema.brand("TenantId"), Schema.annotations({ identifier: "TenantId" }))
/** @see TenantId */
export type TenantId = typeof TenantId.Type

/**
 * The tenant a unit of work runs for, resolved from verified credentials.
 */
export class CurrentTenant extends Context.Tag("Signet/CurrentTenant")<
  CurrentTenant,
  { readonly id: TenantId; readonly slug: string }
>() {}

/**
 * Who is acting. `kind` follows the audit log's actor kinds:
 * - `user`: a tenant user (id = user id)
 * - `apiKey`: an API key (id = key id)
 * - `operator`: a platform operator or the bootstrap operator token
 * - `system`: Signet itself (jobs, CLI on the server's own database)
 * - `beacon`: a classroom beacon device
 */
export const ActorKind = Schema.Literal("user", "apiKey", "operator", "system", "beacon")
/** @see ActorKind */
export type ActorKind = typeof ActorKind.Type

/** The principal acting in the current unit of work, plus request metadata for the audit log. */
export interface Actor {
  readonly kind: ActorKind
  readonly id: string | null
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
  readonly requestId?: string | undefined
  /** For `apiKey` actors: the permissions the key is scoped to. */
  readonly permissions?: ReadonlyArray<string> | undefined
  /**
   * For `user` actors authenticated by an access token: the token's session
   * (`sid`), so core can ask for a recent MFA verification (step-up) on it.
   */
  readonly sessionId?: string | undefined
  /** For `user` actors: the verified `user_type` claim (`student | teacher | admin | dev`). */
  readonly userType?: string | undefined
  /** For `user` actors: the verified `school_id` claim, when the token carries one. */
  readonly schoolId?: string | undefined
}

/** Context tag for the acting principal; see {@link Actor}. */
export class CurrentActor extends Context.Tag("Signet/CurrentActor")<CurrentActor, Actor>() {}

/** The actor used by background jobs and local CLI administration. */
export const systemActor: Actor = { kind: "system", id: null }
