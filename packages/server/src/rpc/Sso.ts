/**
 * RPC handlers of `SsoQuery` and `SsoCommand` (`/rpc`, issue 19 §2:
 * connections, the SSO-only policy and its break-glass accounts): one
 * line each, the same core operations as the REST handlers (`SsoAdmin`,
 * which carries the permission in its types).
 *
 * @module
 */
import { policyUse, RpcTenantAuth, SsoAdmin as S, SsoCommand, SsoQuery } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal } from "../Auth.js"

const read = policyUse("sso:read")
const write = policyUse("sso:write")

/** The SSO connection procedures over `SsoAdmin`. */
export const SsoRpc = SsoQuery.merge(SsoCommand)
  .middleware(RpcTenantAuth)
  .toLayer(
    Effect.succeed({
      ListSsoConnections: () => asPrincipal(S.list().pipe(read)),
      GetSsoConnection: ({ connection }) => asPrincipal(S.get(connection).pipe(read)),
      PutSsoConnection: ({ connection, input }) => asPrincipal(S.put(connection, input).pipe(write)),
      DeleteSsoConnection: ({ connection }) => asPrincipal(S.delete(connection).pipe(write)),
      GetSsoPolicy: () => asPrincipal(S.policy().pipe(read)),
      PutSsoPolicy: ({ sso_only }) => asPrincipal(S.setPolicy(sso_only).pipe(write)),
      MarkBreakGlass: ({ user_id }) => asPrincipal(S.markBreakGlass(user_id).pipe(write)),
      UnmarkBreakGlass: ({ user_id }) => asPrincipal(S.unmarkBreakGlass(user_id).pipe(write))
    })
  )
