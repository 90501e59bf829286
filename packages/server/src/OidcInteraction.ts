/**
 * The sign-in and consent steps of a tenant's OpenID Connect provider
 * (issue 19 §1), at `/t/{slug}/oidc/interaction/{uid}`:
 *
 * - `GET …/{uid}`: when the provider asks for a sign-in, a redirect to
 *   Signet's own sign-in page `/t/{slug}/login?next=…` (password, MFA and
 *   passkeys are Signet's); when it asks for consent, a small page (no
 *   script, phone-friendly) naming the client and the scopes, with Allow
 *   and Deny.
 * - `POST …/{uid}/login` with `Authorization: Bearer <access token>` of the
 *   tenant (what the sign-in page holds after login): the interaction's
 *   account becomes the token's user; answers `{ "redirect_to": … }`, where
 *   the browser continues. A token of another tenant, or an invalid one,
 *   is refused (401).
 * - `POST …/{uid}/confirm` (Allow): grants the missing scopes and claims
 *   to the client; remembered per user and client (`Provider.ts`).
 * - `POST …/{uid}/abort` (Deny): `access_denied` to the client.
 *
 * The interaction is bound to the browser by `oidc-provider`'s own
 * interaction cookie (SameSite=Lax, path of the interaction), so another
 * site cannot submit these forms for the user.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { Auth, interactionPath, type TenantProvider } from "@signet/core"
import { Effect, Runtime } from "effect"

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

/** The CSP of the interaction pages: nothing loads, nothing frames them. */
export const INTERACTION_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"

const SCOPE_TEXT: Record<string, string> = {
  openid: "Sign you in with your Signet account",
  profile: "Your name",
  email: "Your e-mail address",
  signet: "Your user type, school and roles",
  offline_access: "Stay signed in (refresh tokens)"
}

/** The consent page (server-rendered; forms only). */
const consentPage = (clientName: string, scopes: ReadonlyArray<string>, action: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Allow ${escapeHtml(clientName)}?</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem;margin:.25rem}</style></head>
<body><main><h1>${escapeHtml(clientName)} asks to:</h1><ul>${scopes.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`).join("")}</ul>
<form method="post" action="${escapeHtml(action)}/confirm"><button type="submit">Allow</button></form>
<form method="post" action="${escapeHtml(action)}/abort"><button type="submit">Deny</button></form></main></body></html>`

const send = (
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {}
) => {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "content-security-policy": INTERACTION_CSP,
    ...headers
  })
  res.end(body)
}

/**
 * Handles one interaction request (`rest` is the path after
 * `/oidc/interaction/`); the response is written to `res`.
 */
export const handleInteraction = (
  tp: TenantProvider,
  rest: string,
  req: IncomingMessage,
  res: ServerResponse,
  runtime: Runtime.Runtime<Auth>
): Promise<void> =>
  (async () => {
    const { provider, tenant } = tp
    const [uid = "", step = ""] = rest.split("/")
    const method = req.method ?? "GET"
    const details = await provider.interactionDetails(req, res)
    if (details.uid !== uid) return send(res, 400, "text/plain", "interaction mismatch")
    const prompt = details.prompt.name
    const here = interactionPath(tenant.slug, uid)
    if (method === "GET" && step === "") {
      if (prompt === "login") {
        const next = encodeURIComponent(here)
        return send(res, 303, "text/plain", "", {
          location: `/t/${encodeURIComponent(tenant.slug)}/login?next=${next}`
        })
      }
      const client = await provider.Client.find(String(details.params.client_id))
      const requested = String(details.params.scope ?? "")
        .split(" ")
        .filter(Boolean)
      return send(
        res,
        200,
        "text/html; charset=utf-8",
        consentPage(client?.clientName ?? "An application", requested, here)
      )
    }
    if (method !== "POST") return send(res, 405, "text/plain", "method not allowed")
    if (step === "login") {
      const header = req.headers.authorization ?? ""
      const token = header.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : ""
      const claims = await Runtime.runPromise(runtime)(Effect.either(Auth.use((a) => a.validateToken(token))))
      if (claims._tag === "Left" || claims.right.tid !== tenant.id)
        return send(res, 401, "application/json", JSON.stringify({ error: "invalid_token" }))
      const redirectTo = await provider.interactionResult(
        req,
        res,
        { login: { accountId: claims.right.sub } },
        { mergeWithLastSubmission: false }
      )
      return send(res, 200, "application/json", JSON.stringify({ redirect_to: redirectTo }))
    }
    if (step === "confirm" && prompt === "consent") {
      const accountId = details.session?.accountId
      if (!accountId) return send(res, 400, "text/plain", "sign in first")
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId, clientId: String(details.params.client_id) })
      if (!grant) return send(res, 400, "text/plain", "grant expired")
      const missing = details.prompt.details as {
        missingOIDCScope?: ReadonlyArray<string>
        missingOIDCClaims?: ReadonlyArray<string>
        missingResourceScopes?: Record<string, ReadonlyArray<string>>
      }
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "))
      if (missing.missingOIDCClaims) grant.addOIDCClaims([...missing.missingOIDCClaims])
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
        grant.addResourceScope(indicator, scopes.join(" "))
      const grantId = await grant.save()
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
    }
    if (step === "abort")
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "the user denied the request" },
        { mergeWithLastSubmission: false }
      )
    return send(res, 400, "text/plain", "nothing to do at this step")
  })()
