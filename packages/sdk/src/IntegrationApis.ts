/**
 * The facade's integrations groups (`client.webhooks`, issue 21 §1;
 * `client.oauth`, issue 21 §4; `client.sso`, issue 19 §2): factories over
 * the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */
import type { PutSamlConnection, PutSsoConnection } from "@signet/contracts/integrations/SsoDomain"
import type { Session } from "./Session.js"
import type { PlainOf } from "./Transport.js"

/**
 * `client.webhooks`: the tenant's webhook endpoints (docs/webhooks.md).
 * `create` and `rotateSecret` answer the signing secret — the only time it
 * is shown. Made from the client's {@link Session}.
 */
export const webhooksApi = ({ call, callWith, path }: Session) => {
  const at = (id: string) => ({ path: { ...path, id } })
  const atDelivery = (id: string, deliveryId: string) => ({ path: { ...path, id, deliveryId } })
  return {
    /** Creates an endpoint: `{ url, event_types?, description?, enabled? }` → `{ endpoint, secret }`. */
    create: (input: PlainOf<"webhooks", "createWebhookEndpoint">) =>
      callWith("webhooks", "createWebhookEndpoint", input, (r, payload) =>
        r.webhooks.createWebhookEndpoint({ path, payload })
      ),
    /** The tenant's endpoints, oldest first. */
    list: () => call((r) => r.webhooks.listWebhookEndpoints({ path })),
    get: (id: string) => call((r) => r.webhooks.getWebhookEndpoint(at(id))),
    /** Changes `url`, `event_types`, `description` or `enabled`. */
    update: (id: string, input: PlainOf<"webhooks", "updateWebhookEndpoint">) =>
      callWith("webhooks", "updateWebhookEndpoint", input, (r, payload) =>
        r.webhooks.updateWebhookEndpoint({ ...at(id), payload })
      ),
    remove: (id: string) => call((r) => r.webhooks.deleteWebhookEndpoint(at(id))),
    /** A new secret (`{ endpoint, secret }`); the old one still signs for 24 h. */
    rotateSecret: (id: string) => call((r) => r.webhooks.rotateWebhookSecret(at(id))),
    /** The endpoint's latest deliveries, newest first. */
    deliveries: (id: string) => call((r) => r.webhooks.listWebhookDeliveries(at(id))),
    /** A delivery with its attempts. */
    delivery: (id: string, deliveryId: string) =>
      call((r) => r.webhooks.getWebhookDelivery(atDelivery(id, deliveryId))),
    /** Sends a ping event now; answers the delivery and its attempt. */
    ping: (id: string) => call((r) => r.webhooks.pingWebhookEndpoint(at(id))),
    /** Sends one delivery again now. */
    replay: (id: string, deliveryId: string) =>
      call((r) => r.webhooks.replayWebhookDelivery(atDelivery(id, deliveryId))),
    /** Queues again the deliveries created in `[since, until)`: `{ since, until?, include?: "failed" | "all" }` → `{ requeued, more }`. */
    recover: (id: string, input: PlainOf<"webhooks", "recoverWebhookDeliveries">) =>
      callWith("webhooks", "recoverWebhookDeliveries", input, (r, payload) =>
        r.webhooks.recoverWebhookDeliveries({ ...at(id), payload })
      )
  }
}

/**
 * `client.oauth`: OAuth bindings (issue 21 §4, docs/integrations.md): the
 * tenant's credentials at outside providers (`oauth:write` / `oauth:read`;
 * the client secret is sent, never answered), everyone's bindings, and the
 * signed-in user's own. Tokens are never answered over HTTP. Made from the
 * client's {@link Session}.
 */
export const oauthApi = ({ call, callWith, path }: Session) => {
  const at = (provider: string) => ({ path: { ...path, provider } })
  return {
    /** Registers or replaces the credential at `provider`: `{ issuer, client_id, client_secret, scopes }`. */
    putProvider: (provider: string, input: PlainOf<"oauthProviders", "putOAuthProvider">) =>
      callWith("oauthProviders", "putOAuthProvider", input, (r, payload) =>
        r.oauthProviders.putOAuthProvider({ ...at(provider), payload })
      ),
    providers: () => call((r) => r.oauthProviders.listOAuthProviders({ path })),
    provider: (provider: string) => call((r) => r.oauthProviders.getOAuthProvider(at(provider))),
    /** Deletes the credential and every binding to it. */
    removeProvider: (provider: string) => call((r) => r.oauthProviders.deleteOAuthProvider(at(provider))),
    /** The tenant's bindings, or one user's. */
    bindings: (userId?: string) =>
      call((r) =>
        r.oauthProviders.listOAuthBindings({ path, urlParams: userId === undefined ? {} : { user_id: userId } })
      ),
    /** Removes a user's binding (revoked at the provider when it can). */
    removeBinding: (userId: string, provider: string) =>
      call((r) => r.oauthProviders.deleteOAuthBinding({ path: { ...path, userId, provider } })),
    /** Starts binding the signed-in user: `{ authorization_url, expires_at }` — send the browser there. */
    startBinding: (provider: string) => call((r) => r.oauthSelf.startOAuthBinding(at(provider))),
    /** The signed-in user's bindings. */
    myBindings: () => call((r) => r.oauthSelf.listMyOAuthBindings({ path })),
    /** Removes the signed-in user's binding to `provider`. */
    removeMyBinding: (provider: string) => call((r) => r.oauthSelf.deleteMyOAuthBinding(at(provider)))
  }
}

/**
 * `client.sso`: SSO with the school's OpenID Connect IdP (issue 19 §2,
 * docs/federation.md). Connections are the tenant admin's (`sso:write` /
 * `sso:read`; the client secret is sent, never answered). Discovery and the
 * two sign-in steps need no credentials: `startSignIn` answers the IdP's
 * URL for your user's browser (your `redirect_uri` must be registered at
 * the IdP); `completeSignIn` takes the URL the IdP redirected to, makes the
 * signed-in user's tokens this client's session, and answers the user.
 * Errors: `SsoSignInRefused` (403, with `reason`), `OAuthStateInvalid`,
 * `OAuthProviderError`, `QuotaExceeded`, `RateLimited`.
 */
export const ssoApi = ({ call, callWith, anonymous, adopt, path }: Session) => {
  const at = (connection: string) => ({ path: { ...path, connection } })
  return {
    /** Registers or replaces a connection: `{ issuer, client_id, client_secret, scopes, domains, provisioning, default_user_type?, sso_only? }`. */
    putConnection: (name: string, input: typeof PutSsoConnection.Encoded) =>
      callWith("ssoConnections", "putSsoConnection", input, (r, payload) =>
        r.ssoConnections.putSsoConnection({ ...at(name), payload })
      ),
    /** Registers or replaces a SAML 2.0 connection: `{ idp_entity_id, sso_url, certificates, domains, provisioning, … }`. */
    putSamlConnection: (name: string, input: typeof PutSamlConnection.Encoded) =>
      callWith("ssoConnections", "putSamlConnection", input, (r, payload) =>
        r.ssoConnections.putSamlConnection({ ...at(name), payload })
      ),
    connections: () => call((r) => r.ssoConnections.listSsoConnections({ path })),
    connection: (name: string) => call((r) => r.ssoConnections.getSsoConnection(at(name))),
    removeConnection: (name: string) => call((r) => r.ssoConnections.deleteSsoConnection(at(name))),
    /** The tenant-wide "SSO only" policy: `{ sso_only, break_glass: [{ user_id, marked_by, marked_at }], updated_at }` (`sso:read`). */
    policy: () => call((r) => r.ssoConnections.getSsoPolicy({ path })),
    /**
     * Turns the SSO-only policy on or off (`sso:write`, fresh MFA step-up for a user); answers the policy.
     * Turning it on without a connection or an active break-glass account fails with `Conflict` (409).
     */
    setPolicy: (ssoOnly: boolean) =>
      callWith("ssoConnections", "putSsoPolicy", { sso_only: ssoOnly }, (r, payload) =>
        r.ssoConnections.putSsoPolicy({ path, payload })
      ),
    /** Marks an active user as a break-glass account, exempt from the policy (`sso:write`, step-up); answers the policy. */
    markBreakGlass: (userId: string) => call((r) => r.ssoConnections.putBreakGlass({ path: { ...path, userId } })),
    /** Unmarks a break-glass account; the last one while the policy is on fails with `Conflict` (`sso:write`, step-up). */
    unmarkBreakGlass: (userId: string) => call((r) => r.ssoConnections.deleteBreakGlass({ path: { ...path, userId } })),
    /** Which connection serves `email`'s domain (`{ connection, sso_only }`); no credentials. */
    discover: (email: string) =>
      anonymous("ssoDiscovery", "discoverSso", { email }, (r, payload) =>
        r.ssoDiscovery.discoverSso({ path, payload })
      ),
    /** `{ connection, redirect_uri, login_hint? }` → `{ authorization_url, expires_at }` (ten minutes). */
    startSignIn: (input: PlainOf<"ssoSignIn", "startSsoSignIn">) =>
      anonymous("ssoSignIn", "startSsoSignIn", input, (r, payload) => r.ssoSignIn.startSsoSignIn({ path, payload })),
    /** The IdP's redirect (URL or query) → the signed-in user; the tokens become this client's session. */
    completeSignIn: async (callback: string) => {
      const tokens = await anonymous("ssoSignIn", "completeSsoSignIn", { callback }, (r, payload) =>
        r.ssoSignIn.completeSsoSignIn({ path, payload })
      )
      await adopt(tokens)
      return tokens.user
    }
  }
}
