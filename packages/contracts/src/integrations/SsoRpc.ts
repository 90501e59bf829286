/**
 * RPC contract of SSO connections (issue 19 §2): `SsoQuery` and
 * `SsoCommand`, the twins of the REST `ssoConnections` group with the same
 * payloads, results and tagged errors. Payloads name no tenant: it is the
 * one the caller authenticated for (`RpcTenantAuth`). Permissions as on
 * REST: `sso:read` for queries, `sso:write` for commands. The sign-in
 * itself goes through a browser and the IdP, so it is REST only
 * (`…/sso/login`, `…/sso/start`, `…/sso/complete`).
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import { PutSsoConnection, SsoConnection, SsoConnectionName, SsoConnectionNotFound } from "./SsoDomain.js"

const Base = [Forbidden, ValidationError] as const
const NamePayload = { connection: SsoConnectionName }

/** Read-only procedures (`sso:read`). */
export class SsoQuery extends RpcGroup.make(
  Rpc.make("ListSsoConnections", { success: Schema.Array(SsoConnection), error: Schema.Union(...Base) }),
  Rpc.make("GetSsoConnection", {
    payload: NamePayload,
    success: SsoConnection,
    error: Schema.Union(...Base, SsoConnectionNotFound)
  })
) {}

/** Registering, replacing and deleting connections (`sso:write`). */
export class SsoCommand extends RpcGroup.make(
  Rpc.make("PutSsoConnection", {
    payload: { connection: SsoConnectionName, input: PutSsoConnection },
    success: SsoConnection,
    error: Schema.Union(...Base, Conflict)
  }),
  Rpc.make("DeleteSsoConnection", {
    payload: NamePayload,
    success: Schema.Void,
    error: Schema.Union(...Base, SsoConnectionNotFound)
  })
) {}
