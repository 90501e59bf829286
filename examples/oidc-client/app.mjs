/**
 * A second application that signs its users in with Signet (issue 19 §1,
 * docs/federation.md): plain `node:http` and `openid-client` 6 (a certified
 * relying-party library), authorization code + PKCE, the id_token's claims
 * shown on the home page, RP-initiated logout.
 *
 *   import { startApp } from "./app.mjs"
 *   const app = await startApp({ issuer: "https://signet.example.org/t/lycee-hugo",
 *     clientId: "oc_…", clientSecret: "…", port: 3000 })
 *
 * Register it first (`signet oidc-client create --tenant lycee-hugo --name Library
 * --redirect-uri http://127.0.0.1:3000/callback --post-logout-uri http://127.0.0.1:3000/`).
 * Sessions live in memory here; a real application keeps them in its own store.
 */
import { randomBytes } from "node:crypto"
import * as Http from "node:http"
import * as oidc from "openid-client"

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** Starts the application; answers its URL and a `close` function. */
export const startApp = async ({ issuer, clientId, clientSecret, port = 0, allowHttp = false }) => {
  const config = await oidc.discovery(
    new URL(issuer),
    clientId,
    undefined,
    oidc.ClientSecretBasic(clientSecret),
    allowHttp ? { execute: [oidc.allowInsecureRequests] } : undefined
  )
  const sessions = new Map() // session id → { verifier, state } before sign-in, { claims, idToken } after
  const server = Http.createServer(async (req, res) => {
    const url = new URL(req.url, base)
    const sid = /(?:^|; )app_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1]
    const session = sid ? sessions.get(sid) : undefined
    try {
      if (url.pathname === "/login") {
        const verifier = oidc.randomPKCECodeVerifier()
        const state = oidc.randomState()
        const id = randomBytes(16).toString("base64url")
        sessions.set(id, { verifier, state })
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${base}/callback`,
          scope: "openid email profile signet",
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state
        })
        res.writeHead(302, { location: target.href, "set-cookie": `app_session=${id}; HttpOnly; SameSite=Lax; Path=/` })
        return res.end()
      }
      if (url.pathname === "/callback" && session?.verifier) {
        const tokens = await oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: session.verifier,
          expectedState: session.state
        })
        sessions.set(sid, { claims: tokens.claims(), idToken: tokens.id_token })
        res.writeHead(302, { location: "/" })
        return res.end()
      }
      if (url.pathname === "/logout" && session?.idToken) {
        sessions.delete(sid)
        const target = oidc.buildEndSessionUrl(config, {
          id_token_hint: session.idToken,
          post_logout_redirect_uri: `${base}/`
        })
        res.writeHead(302, { location: target.href })
        return res.end()
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
      res.end(
        session?.claims
          ? `<p>Signed in as ${escapeHtml(session.claims.name)} &lt;${escapeHtml(session.claims.email)}&gt;, ${escapeHtml(session.claims.user_type)}, roles ${escapeHtml(session.claims.roles?.join(", ") ?? "")}</p><a href="/logout">Sign out</a>`
          : `<a href="/login">Sign in with Signet</a>`
      )
    } catch (e) {
      res.writeHead(400, { "content-type": "text/plain" })
      res.end(`sign-in failed: ${e.error ?? e.message}`)
    }
  })
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  return { url: base, close: () => server.close() }
}
