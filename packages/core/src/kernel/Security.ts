/**
 * Authentication contracts shared by the HTTP API and RPC: the operator
 * bearer scheme for platform endpoints. Implementations live in the server.
 *
 * @module
 */
import { HttpApiMiddleware, HttpApiSecurity } from "@effect/platform"
import { CurrentActor } from "./Context.js"
import { Unauthorized } from "./Errors.js"

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
