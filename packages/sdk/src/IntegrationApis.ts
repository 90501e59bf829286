/**
 * The facade's integrations group (`client.webhooks`, issue 21 §1): one
 * factory over the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */
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
