/**
 * The facade's SCIM token group (`client.scimTokens`, issue 19 §3): one
 * factory over the client's {@link Session}, composed by `Client.ts`. The
 * SCIM endpoints themselves (`/t/{slug}/scim/v2`) are for identity
 * providers and are not wrapped here (docs/scim.md).
 *
 * @module
 */
import type { Session } from "./Session.js"
import type { PlainOf } from "./Transport.js"

/**
 * `client.scimTokens`: mint (`apikeys:write`, `roles:read`, MFA step-up for
 * a signed-in user; the `token` is in the answer only), list and revoke the
 * tenant's SCIM bearer tokens.
 */
export const scimTokensApi = ({ call, callWith, path, withId }: Session) => ({
  /** Mints a token: `{ name }`; answers `{ scim_token, token, base_url }`. */
  create: (input: PlainOf<"scimTokens", "createScimToken">) =>
    callWith("scimTokens", "createScimToken", input, (r, payload) => r.scimTokens.createScimToken({ path, payload })),
  /** The tenant's tokens (never their secrets). */
  list: () => call((r) => r.scimTokens.listScimTokens({ path })),
  /** Revokes a token by id (rejects `ScimTokenNotFound`). */
  revoke: (id: string) => call((r) => r.scimTokens.revokeScimToken(withId(id)))
})
