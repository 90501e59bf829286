/**
 * RPC contract of OAuth bindings (issue 21 §4): `OAuthQuery` and
 * `OAuthCommand`, the twins of the REST `oauthProviders` group (credentials
 * and everyone's bindings) with the same payloads, results and tagged
 * errors. Payloads name no tenant: it is the one the caller authenticated
 * for (`RpcTenantAuth`). Permissions as on REST: `oauth:read` for queries,
 * `oauth:write` for commands. A user's own binding flow goes through a
 * browser, so it is REST only (`…/me/oauth-bindings`).
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import {
  OAuthBinding,
  OAuthBindingNotFound,
  OAuthProviderName,
  PlatformCredential,
  PlatformCredentialNotFound,
  PutPlatformCredential
} from "./OAuthDomain.js"

const Base = [Forbidden, ValidationError] as const
const ProviderPayload = { provider: OAuthProviderName }

/** Read-only procedures (`oauth:read`). */
export class OAuthQuery extends RpcGroup.make(
  Rpc.make("ListOAuthProviders", { success: Schema.Array(PlatformCredential), error: Schema.Union(...Base) }),
  Rpc.make("GetOAuthProvider", {
    payload: ProviderPayload,
    success: PlatformCredential,
    error: Schema.Union(...Base, PlatformCredentialNotFound)
  }),
  Rpc.make("ListOAuthBindings", {
    payload: { user_id: Schema.optional(Schema.String.pipe(Schema.maxLength(64))) },
    success: Schema.Array(OAuthBinding),
    error: Schema.Union(...Base)
  })
) {}

/** Credential registration and deletion, binding removal (`oauth:write`). */
export class OAuthCommand extends RpcGroup.make(
  Rpc.make("PutOAuthProvider", {
    payload: { provider: OAuthProviderName, credential: PutPlatformCredential },
    success: PlatformCredential,
    error: Schema.Union(...Base, Conflict)
  }),
  Rpc.make("DeleteOAuthProvider", {
    payload: ProviderPayload,
    success: Schema.Void,
    error: Schema.Union(...Base, PlatformCredentialNotFound)
  }),
  Rpc.make("DeleteOAuthBinding", {
    payload: { user_id: Schema.String.pipe(Schema.maxLength(64)), provider: OAuthProviderName },
    success: Schema.Void,
    error: Schema.Union(...Base, OAuthBindingNotFound)
  })
) {}
