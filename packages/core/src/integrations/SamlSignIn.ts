/**
 * The SAML 2.0 half of SSO sign-in (issue 19 §2): Signet is the service
 * provider of the school's IdP, through `@node-saml/node-saml` (a
 * maintained SAML library; Web Browser SSO profile: AuthnRequest by
 * HTTP-Redirect, Response by HTTP-POST). Core enforces:
 *
 * - assertions must be signed by one of the connection's certificates
 *   (`wantAssertionsSigned`); the signature is checked on the assertion that
 *   is used (the library's defence against XML signature wrapping);
 * - `Issuer` is the connection's IdP entity ID; `Audience` is Signet's SP
 *   entity ID; `NotBefore` / `NotOnOrAfter` with at most
 *   {@link SAML_CLOCK_SKEW_MS} of skew;
 * - `InResponseTo` (Response and SubjectConfirmation) must be the ID of the
 *   AuthnRequest this sign-in sent: the request ID is kept with the state
 *   the `RelayState` names, taken once — an IdP-initiated or replayed
 *   response signs nobody in;
 * - an assertion may come encrypted (`EncryptedAssertion`, XML Encryption)
 *   to the connection's own encryption certificate
 *   ({@link generateSamlSpKey}, published in the SP metadata as
 *   `use="encryption"`); it is decrypted with the connection's private key,
 *   then checked as above. With `require_encrypted_assertions` a plain
 *   assertion is refused before anything else is read;
 * - the e-mail comes from the assertion's attributes (`email`, `mail`, the
 *   OID `0.9.2342.19200300.100.1.3`, Entra ID's `…/claims/emailaddress`) or
 *   an `emailAddress` NameID; SAML has no `email_verified`, so the IdP's
 *   word is taken, and the connection's domain check still applies.
 *
 * Then the person is admitted exactly as an OpenID Connect one
 * (`SsoSignIn.ts`).
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { SAML, ValidateInResponseTo } from "@node-saml/node-saml"
import { OAuthProviderError } from "@signet/contracts/integrations/OAuthDomain"
import { SSO_STATE_TTL_MS } from "@signet/contracts/integrations/SsoSignIn"
import { DOMParser } from "@xmldom/xmldom"
import { DateTime, Effect } from "effect"
import * as XPath from "xpath"
import type { ConnectionRow } from "./SsoRepo.js"

/** Clock skew accepted on an assertion's time conditions, in ms (one minute). */
export const SAML_CLOCK_SKEW_MS = 60_000

/** Signet's SP entity ID for connection `name` of tenant `slug` at `origin` (also its metadata URL). */
export const samlEntityId = (origin: string, slug: string, name: string) =>
  `${origin.replace(/\/$/, "")}/api/v1/tenants/${encodeURIComponent(slug)}/sso/connections/${encodeURIComponent(name)}/saml-metadata`

/** How long a connection's encryption certificate is valid, in days (ten years; replace the connection's key by deleting and re-adding it). */
export const SAML_SP_CERTIFICATE_DAYS = 3650

/**
 * A new RSA-2048 key pair and self-signed certificate (SHA-256, valid
 * {@link SAML_SP_CERTIFICATE_DAYS} days) for SAML connection `name`: IdPs
 * encrypt assertions to the certificate; the private key (PEM) is stored
 * envelope-encrypted as the connection's secret. Made with `selfsigned`.
 */
export const generateSamlSpKey = (name: string) =>
  Effect.promise(async () => {
    const { generate } = await import("selfsigned")
    const now = Date.now()
    const pems = await generate([{ name: "commonName", value: `Signet SAML SP ${name}` }], {
      keySize: 2048,
      algorithm: "sha256",
      notBeforeDate: new Date(now - 60_000),
      notAfterDate: new Date(now + SAML_SP_CERTIFICATE_DAYS * 86_400_000)
    })
    return { certificate: pems.cert, privateKey: pems.private }
  })

/** The request ID a sign-in expects back, with when it was made (ISO), or a hook capturing a new one. */
type RequestIds = { readonly expect: string; readonly createdAt: string } | { readonly capture: (id: string) => void }

/**
 * A node-saml SP for `row` whose assertion consumer service is `acsUrl`
 * (the callback) and whose entity ID is {@link samlEntityId}; request IDs
 * live with the sign-in's state, not in the library's cache (`ids`).
 */
export const samlSp = (
  row: ConnectionRow,
  slug: string,
  acsUrl: string,
  ids: RequestIds,
  decryptionKey?: string | undefined
) => {
  const entityId = samlEntityId(new URL(acsUrl).origin, slug, row.name)
  return new SAML({
    callbackUrl: acsUrl,
    ...(decryptionKey === undefined ? {} : { decryptionPvk: decryptionKey }),
    ...(row.saml_sso_url === null ? {} : { entryPoint: row.saml_sso_url }),
    issuer: entityId,
    audience: entityId,
    idpIssuer: row.issuer,
    idpCert: [...row.saml_certificates],
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: SSO_STATE_TTL_MS,
    generateUniqueId: () => `_${Crypto.randomBytes(20).toString("hex")}`,
    cacheProvider: {
      saveAsync: async (key, value) => {
        if ("capture" in ids) ids.capture(key)
        return { value, createdAt: Date.now() }
      },
      getAsync: async (key) => ("expect" in ids && key === ids.expect ? ids.createdAt : null),
      removeAsync: async (key) => key
    }
  })
}

/** The IdP's refusal or a response Signet refuses, as the sign-in's provider error. */
export const samlError = (row: ConnectionRow) => (e: unknown) =>
  new OAuthProviderError({
    message: "the SAML response was refused",
    provider: row.name,
    reason: `saml: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`
  })

/**
 * The AuthnRequest URL (HTTP-Redirect binding) of a sign-in with state
 * `relayState`, and the request's ID to keep with the state.
 * @errors OAuthProviderError (the request could not be built)
 */
export const samlAuthorize = (row: ConnectionRow, slug: string, acsUrl: string, relayState: string) =>
  Effect.gen(function* () {
    let requestId = ""
    const sp = samlSp(row, slug, acsUrl, {
      capture: (id) => {
        requestId = id
      }
    })
    const url = yield* Effect.tryPromise({
      try: () => sp.getAuthorizeUrlAsync(relayState, undefined, {}),
      catch: samlError(row)
    })
    return { url, requestId }
  })

const first = (v: unknown): string | undefined => {
  const x = Array.isArray(v) ? v[0] : v
  return typeof x === "string" && x.trim() !== "" ? x.trim() : undefined
}

const CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"
const EMAIL_NAMEID = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

/** Claim names the sign-in reads itself, never taken from an assertion's attributes. */
const RESERVED_CLAIMS = new Set([
  "sub",
  "email",
  "email_verified",
  "xms_edov",
  "amr",
  "name",
  "given_name",
  "family_name"
])

const ASSERTION =
  "/*[local-name()='Response' and namespace-uri()='urn:oasis:names:tc:SAML:2.0:protocol']//*[local-name()='Assertion' and namespace-uri()='urn:oasis:names:tc:SAML:2.0:assertion']"

/**
 * Whether the base64 `samlResponse` holds a plain (not encrypted)
 * `Assertion` anywhere in its `Response` — refused when the connection
 * requires encrypted assertions. Parsed with `@xmldom/xmldom`; an
 * unparsable response counts as plain (it is refused either way).
 */
const hasPlainAssertion = (samlResponse: string): boolean => {
  const errors: Array<string> = []
  const doc = new DOMParser({
    errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) }
  }).parseFromString(Buffer.from(samlResponse, "base64").toString("utf8"), "text/xml")
  if (errors.length > 0 || doc.documentElement === null) return true
  return (XPath.select(ASSERTION, doc) as Array<Node>).length > 0
}

/**
 * Validates a posted `SAMLResponse` (base64) for the sign-in that sent
 * request `requestId` at `createdAt`, and answers the person as claims
 * (`sub` = NameID, `email`, names; `email_verified` as the IdP's word;
 * every other attribute by its Name, for the attribute mapping).
 * @errors OAuthProviderError (signature, issuer, audience, time, InResponseTo…)
 */
export const samlPerson = (
  row: ConnectionRow,
  slug: string,
  acsUrl: string,
  samlResponse: string,
  requestId: string,
  createdAt: DateTime.Utc,
  decryptionKey?: string | undefined
) =>
  Effect.gen(function* () {
    if (row.saml_require_encrypted && hasPlainAssertion(samlResponse))
      return yield* Effect.fail(samlError(row)(new Error("the connection accepts encrypted assertions only")))
    const sp = samlSp(row, slug, acsUrl, { expect: requestId, createdAt: DateTime.formatIso(createdAt) }, decryptionKey)
    const { profile } = yield* Effect.tryPromise({
      try: () => sp.validatePostResponseAsync({ SAMLResponse: samlResponse }),
      catch: samlError(row)
    })
    if (profile === null || typeof profile.nameID !== "string" || profile.nameID === "")
      return yield* Effect.fail(samlError(row)(new Error("no NameID in the assertion")))
    const email =
      first(profile.email) ??
      first(profile.mail) ??
      first(profile["urn:oid:0.9.2342.19200300.100.1.3"]) ??
      first(profile[`${CLAIMS}/emailaddress`]) ??
      (profile.nameIDFormat === EMAIL_NAMEID ? profile.nameID : undefined)
    // Every attribute of the assertion (by its Name) is a claim the attribute mapping may read,
    // except the names the sign-in itself decides on (an attribute named `amr` is not an MFA proof).
    const attributes = Object.entries(
      typeof profile.attributes === "object" && profile.attributes !== null ? profile.attributes : {}
    ).filter(([name]) => !RESERVED_CLAIMS.has(name))
    return {
      ...Object.fromEntries(attributes),
      sub: profile.nameID,
      email,
      email_verified: email !== undefined,
      given_name: first(profile.givenName) ?? first(profile[`${CLAIMS}/givenname`]) ?? first(profile.firstName),
      family_name:
        first(profile.sn) ?? first(profile.surname) ?? first(profile[`${CLAIMS}/surname`]) ?? first(profile.lastName)
    }
  })

/**
 * Signet's SP metadata for `row` (entity ID, assertion consumer service,
 * and — when the connection has a key, `decryptionKey` — its encryption
 * certificate as `KeyDescriptor use="encryption"`), for the IdP's
 * administrator.
 */
export const samlMetadata = (row: ConnectionRow, slug: string, acsUrl: string, decryptionKey?: string | undefined) =>
  samlSp(row, slug, acsUrl, { capture: () => {} }, decryptionKey).generateServiceProviderMetadata(
    decryptionKey === undefined ? null : row.saml_sp_certificate,
    null
  )
