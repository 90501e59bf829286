/**
 * Authentication contracts shared by the HTTP API and RPC: the operator
 * bearer scheme for platform endpoints. Implementations live in the server.
 *
 * @module
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { Context, Schema } from "effect"
import { type Actor, CurrentActor, type TenantId } from "./Context.js"
import { Forbidden, RateLimited, TenantNotFound, TenantSuspended, Unauthorized } from "./Errors.js"

/**
 * Platform-operator authentication (`Authorization: Bearer <token>`). Until
 * the identity module issues operator tokens, the token is
 * `SIGNET_BOOTSTRAP_TOKEN` from configuration, compared in constant time.
 * Failure: 401 {@link Unauthorized}. Provides the `CurrentActor` (kind `operator`).
 */
export class OperatorAuth extends HttpApiMiddleware.Tag<OperatorAuth>()("Signet/OperatorAuth", {
  failure: Unauthorized,
  provides: CurrentActor,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/**
 * What a verified request stands for: its tenant (from the verified token —
 * never from a header), the acting principal, and for users the token's
 * session and claims.
 */
export class Authenticated extends Context.Tag("Signet/Authenticated")<
  Authenticated,
  {
    readonly tenant: { readonly id: TenantId; readonly slug: string }
    readonly actor: Actor
    readonly sessionId: string | null
    readonly userType: string | null
    /** The `school_id` claim of a user token (null for tokens without one and for non-users). */
    readonly schoolId: string | null
    readonly roles: ReadonlyArray<string>
  }
>() {}

/**
 * Tenant-scoped authentication for `/api/v1/tenants/{slug}/…`: a user access
 * token (`at+jwt`) of that tenant, or the operator token (the operator acts
 * on the tenant named in the path). A token of another tenant answers 404
 * (`TenantNotFound`), as if the path named nothing — tenant resolution and
 * the verified token must agree (ARCHITECTURE §5).
 * A token marked `mfa_enroll` (tenant policy requires MFA and the user has
 * none) reaches only `…/me` and `…/me/mfa/…`; anything else is 403.
 * The caller's API rate limits (per user, API key and tenant; issue 21 §5)
 * are counted here too: over a limit → 429 {@link RateLimited}.
 * Failure: 401 {@link Unauthorized}, 403 `Forbidden` / `TenantSuspended`, 404 `TenantNotFound`, 429 `RateLimited`.
 */
export class UserAuth extends HttpApiMiddleware.Tag<UserAuth>()("Signet/UserAuth", {
  failure: Schema.Union(Unauthorized, Forbidden, TenantNotFound, TenantSuspended, RateLimited),
  provides: Authenticated,
  security: { bearer: HttpApiSecurity.bearer }
}) {}
