/**
 * Signing in through a tenant's SSO connection (issue 19 §2, "staff sign in
 * with Google Workspace / Entra"): Signet is the OpenID Connect relying
 * party (authorization code flow with PKCE, state and nonce; OpenID Connect
 * Core 1.0 §3.1) of the school's IdP.
 *
 * - `ssoSignIn` (REST, no credentials):
 *   - `GET …/sso/login?connection=…` (browsers): a 302 to the IdP; the state
 *     is also set in a cookie bound to the callback's path, so a callback
 *     link someone else started signs nobody in (login CSRF);
 *   - `GET …/sso/callback`: where the IdP returns the browser; sets the
 *     browser session's cookies and redirects to `return_to` (or to the
 *     login page with `sso_error=<reason>`);
 *   - `POST …/sso/start` and `POST …/sso/complete` (apps with their own
 *     redirect URI, registered at the IdP): the authorization URL, then the
 *     token pair of the signed-in user.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { TokenPair } from "../identity/Domain.js"
import { SignInActionsRequired } from "../identity/RequiredActions.js"
import { Conflict, QuotaExceeded, RateLimited, TenantNotFound, ValidationError } from "../kernel/Errors.js"
import { OAuthProviderError, OAuthStateInvalid } from "./OAuthDomain.js"
import { SsoConnectionName, SsoConnectionNotFound, SsoProtocol } from "./SsoDomain.js"

/** How long a started sign-in may be completed, in ms (ten minutes). */
export const SSO_STATE_TTL_MS = 10 * 60_000
/** Started, not completed sign-ins per tenant at most (expired ones are pruned first). */
export const MAX_PENDING_SSO_SIGN_INS = 5_000

/** Why a sign-in the IdP vouched for was still refused (the `reason` of {@link SsoSignInRefused}). */
export const SsoRefusal = Schema.Literal(
  "email_missing",
  "email_unverified",
  "domain_not_served",
  "no_account",
  "account_disabled"
)
/** @see SsoRefusal */
export type SsoRefusal = typeof SsoRefusal.Type

/**
 * 403 — the IdP signed the person in, but Signet refuses the sign-in:
 * no verified e-mail (`email_missing`, `email_unverified`), an e-mail
 * outside the connection's domains, no account under a `link_only`
 * connection, or a disabled account.
 */
export class SsoSignInRefused extends Schema.TaggedError<SsoSignInRefused>()(
  "SsoSignInRefused",
  { message: Schema.String, connection: Schema.String, reason: SsoRefusal },
  HttpApiSchema.annotations({ status: 403, description: "The IdP's answer does not admit this sign-in" })
) {}

/** A path of this server to land on after signing in (`/t/school/teacher`); no scheme, no host. */
export const SsoReturnTo = Schema.String.pipe(
  Schema.maxLength(512),
  Schema.pattern(/^\/(?![/\\])[\x21-\x7e]*$/, { message: () => "must be a path of this server, starting with /" })
)

/** Body of `POST …/sso/start`. */
export class StartSsoSignIn extends Schema.Class<StartSsoSignIn>("StartSsoSignIn")({
  connection: SsoConnectionName,
  /** Where the IdP returns the browser; must be registered at the IdP (https, or http on loopback). */
  redirect_uri: Schema.String.pipe(Schema.maxLength(2048)),
  /** Passed to the IdP as `login_hint` (the address typed on the login page). */
  login_hint: Schema.optional(Schema.String.pipe(Schema.maxLength(254)))
}) {}

/** A started sign-in: send the browser to `authorization_url` before `expires_at`. */
export class SsoSignInStart extends Schema.Class<SsoSignInStart>("SsoSignInStart")({
  /** `saml`: the IdP answers with a form POST of `SAMLResponse` and `RelayState` to the callback. */
  protocol: SsoProtocol,
  authorization_url: Schema.String,
  expires_at: Schema.DateTimeUtc
}) {}

/** Body of `POST …/sso/complete`: the URL (or only the query) the IdP redirected to. */
export class CompleteSsoSignIn extends Schema.Class<CompleteSsoSignIn>("CompleteSsoSignIn")({
  callback: Schema.String.pipe(Schema.maxLength(8192))
}) {}

const slug = HttpApiSchema.param("slug", Schema.String)
const connection = HttpApiSchema.param("connection", Schema.String)

/** A base64 `SAMLResponse` at most, in characters (≈ 192 KiB of XML). */
export const SAML_RESPONSE_MAX_CHARS = 262_144

/** `ssoSignIn` group: signing in through an SSO connection (no credentials). */
export class SsoSignInApi extends HttpApiGroup.make("ssoSignIn")
  .add(
    HttpApiEndpoint.get("ssoLogin")`/api/v1/tenants/${slug}/sso/login`
      .setUrlParams(
        Schema.Struct({
          connection: SsoConnectionName,
          return_to: Schema.optional(SsoReturnTo),
          login_hint: Schema.optional(Schema.String.pipe(Schema.maxLength(254)))
        })
      )
      .addSuccess(HttpApiSchema.Empty(302))
      .annotate(OpenApi.Summary, "Browsers: redirect to the connection's IdP to sign in")
  )
  .add(
    HttpApiEndpoint.get("ssoCallback")`/api/v1/tenants/${slug}/sso/callback`
      .addSuccess(HttpApiSchema.Empty(302))
      .annotate(
        OpenApi.Summary,
        "Where the IdP returns the browser: opens the browser session, then redirects to return_to (or the login page with sso_error)"
      )
  )
  .add(
    HttpApiEndpoint.post("ssoSamlCallback")`/api/v1/tenants/${slug}/sso/callback`
      .setPayload(
        HttpApiSchema.withEncoding(
          Schema.Struct({
            SAMLResponse: Schema.String.pipe(Schema.maxLength(SAML_RESPONSE_MAX_CHARS)),
            RelayState: Schema.String.pipe(Schema.maxLength(512))
          }),
          { kind: "UrlParams" }
        )
      )
      .addSuccess(HttpApiSchema.Empty(302))
      .annotate(
        OpenApi.Summary,
        "SAML assertion consumer service (HTTP-POST binding): opens the browser session, then redirects as the GET callback does"
      )
  )
  .add(
    HttpApiEndpoint.get("ssoSamlMetadata")`/api/v1/tenants/${slug}/sso/connections/${connection}/saml-metadata`
      .addSuccess(HttpApiSchema.Text({ contentType: "application/samlmetadata+xml" }))
      .annotate(OpenApi.Summary, "The service provider metadata of a SAML connection, for the IdP")
  )
  .add(
    HttpApiEndpoint.post("startSsoSignIn")`/api/v1/tenants/${slug}/sso/start`
      .setPayload(StartSsoSignIn)
      .addSuccess(SsoSignInStart)
      .annotate(OpenApi.Summary, "Apps: the IdP's authorization URL for a sign-in through a connection")
  )
  .add(
    HttpApiEndpoint.post("completeSsoSignIn")`/api/v1/tenants/${slug}/sso/complete`
      .setPayload(CompleteSsoSignIn)
      .addSuccess(TokenPair)
      .annotate(OpenApi.Summary, "Apps: complete a sign-in from the IdP's redirect; answers the session's tokens")
  )
  .addError(SsoConnectionNotFound)
  .addError(SsoSignInRefused)
  .addError(SignInActionsRequired)
  .addError(OAuthStateInvalid)
  .addError(OAuthProviderError)
  .addError(QuotaExceeded)
  .addError(Conflict)
  .addError(ValidationError)
  .addError(RateLimited)
  .addError(TenantNotFound)
  .annotate(OpenApi.Title, "SSO sign-in")
  .annotate(
    OpenApi.Description,
    "Sign in through a tenant's SSO connection (OpenID Connect code flow with PKCE; issue 19 §2)."
  ) {}
