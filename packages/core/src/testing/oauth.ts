/**
 * `@signet/core/testing/oauth` — a real OAuth 2.0 / OpenID Connect server on
 * loopback for the OAuth bindings' tests (issue 21 §4): `oidc-provider` with
 * one confidential client, its sign-in and consent answered at once (the
 * account `state.accountId`, "alice" unless a test says otherwise, grants
 * what the client asked, with the claims `state.claims` — e-mail and
 * profile for the SSO sign-in's tests, issue 19 §2; `groups`, `roles` and
 * `school` under the `groups` scope, for its attribute mapping), and a cookie-keeping
 * "browser" that follows its redirects. For test suites only.
 *
 * @module
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import Provider from "oidc-provider"

/** The test client's credentials at the server. */
export const OAUTH_TEST_CLIENT = { client_id: "signet", client_secret: "a-long-enough-client-secret-0123456789" }

/**
 * A loopback OAuth server accepting `redirectUris` for {@link OAUTH_TEST_CLIENT};
 * `state.accessTtl` (seconds) applies to access tokens issued from then on;
 * userinfo at `${state.issuer}/me`. Closed with the scope.
 */
export const oauthTestServer = (redirectUris: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const state = {
        accessTtl: 3600,
        issuer: "",
        provider: undefined as unknown as Provider,
        /** The account the next sign-in at the server is. */
        accountId: "alice",
        /** Claims of every account beside `sub` (e.g. `email`, `email_verified`, `name`, `amr`). */
        claims: {} as Record<string, unknown>
      }
      const srv = Http.createServer(async (req, res) => {
        const provider = state.provider
        if (req.url?.startsWith("/interaction/")) {
          // Sign-in and consent, answered at once: the account grants what the client asked.
          const details = await provider.interactionDetails(req, res)
          const accountId = state.accountId
          const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) })
          grant.addOIDCScope(String(details.params.scope))
          const grantId = await grant.save()
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId }, consent: { grantId } },
            { mergeWithLastSubmission: false }
          )
          return
        }
        provider.callback()(req, res)
      })
      await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve))
      state.issuer = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
      state.provider = new Provider(state.issuer, {
        clients: [
          {
            ...OAUTH_TEST_CLIENT,
            redirect_uris: [...redirectUris],
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"]
          }
        ],
        findAccount: async (_ctx, sub) => ({ accountId: sub, claims: () => ({ ...state.claims, sub }) }),
        claims: {
          openid: ["sub"],
          email: ["email", "email_verified", "xms_edov"],
          profile: ["name", "given_name", "family_name"],
          // Directory claims as Entra ID and Okta send them (SSO attribute mapping).
          groups: ["groups", "roles", "school"]
        },
        features: { devInteractions: { enabled: false }, revocation: { enabled: true }, userinfo: { enabled: true } },
        interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
        issueRefreshToken: async () => true,
        cookies: { keys: ["test-cookie-key"] },
        ttl: {
          AccessToken: () => state.accessTtl,
          AuthorizationCode: 60,
          Grant: 3600,
          IdToken: 3600,
          Interaction: 600,
          RefreshToken: 86_400,
          Session: 3600
        }
      })
      return { state, srv }
    }),
    ({ srv }) => Effect.sync(() => srv.close())
  )

/**
 * Follows redirects from `url` with a cookie jar (one for every host, paths
 * ignored; `jar` when given, so the caller reads and reuses it) until one
 * starts with `stop`; answers that URL.
 */
export const followRedirects = (url: string, stop: string, jar = new Map<string, string>()) =>
  Effect.promise(async () => {
    let next = url
    for (let hop = 0; hop < 10; hop++) {
      if (next.startsWith(stop)) return next
      const res = await fetch(next, {
        redirect: "manual",
        headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") }
      })
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";")
        const at = pair!.indexOf("=")
        jar.set(pair!.slice(0, at), pair!.slice(at + 1))
      }
      const location = res.headers.get("location")
      if (!location) throw new Error(`no redirect from ${next}: ${res.status} ${await res.text()}`)
      next = new URL(location, next).href
    }
    throw new Error("too many redirects")
  })
