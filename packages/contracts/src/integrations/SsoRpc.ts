/**
 * RPC contract of SSO connections (issue 19 §2): `SsoQuery` and
 * `SsoCommand`, the twins of the REST `ssoConnections` group with the same
 * payloads, results and tagged errors. Payloads name no tenant: it is the
 * one the caller authenticated for (`RpcTenantAuth`). Permissions as on
 * REST: `sso:read` for queries, `sso:write` for commands. The tenant-wide
 * "SSO only" policy and its break-glass accounts (`GetSsoPolicy`,
 * `PutSsoPolicy`, `MarkBreakGlass`, `UnmarkBreakGlass`) are the twins of
 * `…/sso/policy` and `…/sso/break-glass/{userId}`. The sign-in
 * itself goes through a browser and the IdP, so it is REST only
 * (`…/sso/login`, `…/sso/start`, `…/sso/complete`).
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { UserNotFound } from "../identity/Domain.js"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import {
  PutSsoConnection,
  PutSsoPolicy,
  SsoConnection,
  SsoConnectionName,
  SsoConnectionNotFound,
  SsoPolicy
} from "./SsoDomain.js"

const Base = [Forbidden, ValidationError] as const
const NamePayload = { connection: SsoConnectionName }
const UserPayload = { user_id: Schema.String.annotations({ description: "The user's id (UUID)" }) }

/** Read-only procedures (`sso:read`). */
export class SsoQuery extends RpcGroup.make(
  Rpc.make("ListSsoConnections", { success: Schema.Array(SsoConnection), error: Schema.Union(...Base) }),
  Rpc.make("GetSsoConnection", {
    payload: NamePayload,
    success: SsoConnection,
    error: Schema.Union(...Base, SsoConnectionNotFound)
  }),
  Rpc.make("GetSsoPolicy", { success: SsoPolicy, error: Schema.Union(...Base) })
) {}

/**
 * Registering, replacing and deleting connections; the SSO-only policy and
 * its break-glass accounts (`sso:write`; the policy calls need a fresh MFA
 * step-up for a user). `PutSsoPolicy` with `sso_only: true` fails with
 * `Conflict` without a connection or an active break-glass account;
 * `UnmarkBreakGlass` of the last one while the policy is on fails with
 * `Conflict` too (no lock-out).
 */
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
  }),
  Rpc.make("PutSsoPolicy", { payload: PutSsoPolicy, success: SsoPolicy, error: Schema.Union(...Base, Conflict) }),
  Rpc.make("MarkBreakGlass", {
    payload: UserPayload,
    success: SsoPolicy,
    error: Schema.Union(...Base, UserNotFound, Conflict)
  }),
  Rpc.make("UnmarkBreakGlass", {
    payload: UserPayload,
    success: SsoPolicy,
    error: Schema.Union(...Base, UserNotFound, Conflict)
  })
) {}
