/**
 * SSO connections (issue 19 §2): a tenant's connections to outside OpenID
 * Connect IdPs (Google Workspace, Microsoft Entra ID, any issuer with
 * discovery) through which its users sign in. Core enforces:
 *
 * - at most `MAX_SSO_CONNECTIONS` per tenant; the issuer is `https://`
 *   (plain `http` only on a loopback host when the operator allowed it:
 *   `SIGNET_OAUTH_ALLOW_HTTP_ISSUERS`, or `configure`), the rule of the
 *   OAuth bindings; scopes include `openid` and `email` (the sign-in needs
 *   a verified e-mail from the IdP);
 * - the client secret is envelope-encrypted ({@link ssoClientSecretColumn})
 *   and never answered;
 * - an e-mail domain is served by at most one connection of the tenant, so
 *   discovery and the `sso_only` password check have one answer.
 *
 * Changes are audited and published (`signet.integrations.sso_connection.*`)
 * in the same transaction. SQL: `SsoRepo.ts`.
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import type { SqlClient } from "@effect/sql"
import {
  MAX_SSO_CONNECTIONS,
  type PutSamlConnection,
  type PutSsoConnection,
  SsoConnection,
  SsoConnectionNotFound,
  SsoDiscovery
} from "@signet/contracts/integrations/SsoDomain"
import { type CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Conflict, ValidationError } from "@signet/contracts/kernel/Errors"
import { Clock, Config, type Context, DateTime, Effect, Option, Redacted, Ref } from "effect"
import { Audit } from "../audit/Audit.js"
import { Events } from "../events/Events.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTx } from "../kernel/Database.js"
import { ssoClientSecretColumn } from "./Migrations.js"
import { acceptableOAuthUrl } from "./OAuthKit.js"
import { generateSamlSpKey } from "./SamlSignIn.js"
import { checkMapping } from "./SsoMapping.js"
import { type ConnectionRow, SsoRepo } from "./SsoRepo.js"

/** A PEM X.509 certificate, or undefined when `pem` is not one. */
export const certificateOf = (pem: string): NodeCrypto.X509Certificate | undefined => {
  try {
    return new NodeCrypto.X509Certificate(pem)
  } catch {
    return undefined
  }
}

/** The public form of a stored connection (no secret). */
export const presentConnection = (row: ConnectionRow) =>
  new SsoConnection({
    name: row.name,
    protocol: row.protocol,
    saml_sso_url: row.saml_sso_url,
    saml_certificate_fingerprints: row.saml_certificates.map((pem) => certificateOf(pem)?.fingerprint256 ?? "invalid"),
    saml_encryption_certificate: row.saml_sp_certificate,
    saml_require_encrypted_assertions: row.saml_require_encrypted,
    issuer: row.issuer,
    client_id: row.client_id,
    scopes: row.scopes,
    domains: row.domains,
    provisioning: row.provisioning,
    default_user_type: row.default_user_type,
    sso_only: row.sso_only,
    attribute_mapping: row.attribute_mapping,
    created_at: row.created_at,
    updated_at: row.updated_at
  })

/** The lowercase domain of an e-mail address, or undefined when it has none. */
export const emailDomain = (email: string): string | undefined => {
  const at = email.lastIndexOf("@")
  return at < 1 || at === email.length - 1 ? undefined : email.slice(at + 1).toLowerCase()
}

/** A SAML connection's encryption key: Signet's certificate (PEM) and the envelope-encrypted private key. */
interface SpKey {
  readonly certificate: string
  readonly keyEnc: string
}

/** What the writers store through (see the service). */
type Save = (
  name: string,
  fields: Omit<ConnectionRow, "name" | "created_at" | "updated_at">
) => Effect.Effect<SsoConnection, Conflict, CurrentTenant | CurrentActor | SqlClient.SqlClient>

/** Registering OIDC and SAML connections: their own checks, then `save`. */
const makeWriters = (
  save: Save,
  encryptSecret: (name: string, secret: string) => Effect.Effect<string, never, CurrentTenant>,
  allowHttp: Effect.Effect<boolean>,
  spKeyOf: (name: string) => Effect.Effect<SpKey, never, CurrentTenant | SqlClient.SqlClient>
) => {
  /**
   * Registers or replaces the tenant's OpenID Connect connection `name`.
   * @errors ValidationError (issuer, scopes, a role of the attribute mapping
   *   that does not exist), Conflict (MAX_SSO_CONNECTIONS
   *   reached, a domain served by another connection)
   */
  const put = (name: string, input: PutSsoConnection) =>
    Effect.gen(function* () {
      if (!acceptableOAuthUrl(input.issuer, yield* allowHttp))
        return yield* ValidationError.field("issuer", "must be an https:// URL without credentials or fragment")
      if (!input.scopes.includes("openid") || !input.scopes.includes("email"))
        return yield* ValidationError.field("scopes", "must include openid and email")
      yield* checkMapping(input.attribute_mapping)
      return yield* save(name, {
        issuer: input.issuer,
        client_id: input.client_id,
        client_secret_enc: yield* encryptSecret(name, Redacted.value(input.client_secret)),
        scopes: input.scopes,
        domains: input.domains,
        provisioning: input.provisioning,
        default_user_type: input.default_user_type,
        sso_only: input.sso_only,
        protocol: "oidc",
        saml_sso_url: null,
        saml_certificates: [],
        saml_sp_certificate: null,
        saml_require_encrypted: false,
        attribute_mapping: input.attribute_mapping
      })
    }).pipe(Effect.withSpan("SsoConnections.put"))

  /**
   * Registers or replaces the tenant's SAML 2.0 connection `name`.
   * @errors ValidationError (single sign-on URL, a certificate that is not
   *   a PEM X.509 certificate), Conflict (as {@link put})
   */
  const putSaml = (name: string, input: PutSamlConnection) =>
    Effect.gen(function* () {
      if (!acceptableOAuthUrl(input.sso_url, yield* allowHttp))
        return yield* ValidationError.field("sso_url", "must be an https:// URL without credentials or fragment")
      const certificates: Array<string> = []
      for (const pem of input.certificates) {
        const cert = certificateOf(pem)
        if (cert === undefined) return yield* ValidationError.field("certificates", "must be PEM X.509 certificates")
        certificates.push(cert.toString())
      }
      yield* checkMapping(input.attribute_mapping)
      const spKey = yield* spKeyOf(name)
      return yield* save(name, {
        issuer: input.idp_entity_id,
        client_id: "",
        client_secret_enc: spKey.keyEnc,
        scopes: [],
        domains: input.domains,
        provisioning: input.provisioning,
        default_user_type: input.default_user_type,
        sso_only: input.sso_only,
        protocol: "saml",
        saml_sso_url: input.sso_url,
        saml_certificates: certificates,
        saml_sp_certificate: spKey.certificate,
        saml_require_encrypted: input.require_encrypted_assertions,
        attribute_mapping: input.attribute_mapping
      })
    }).pipe(Effect.withSpan("SsoConnections.putSaml"))

  return { put, putSaml }
}

/** A SAML connection's encryption keys over the repository and the envelope (see {@link SsoConnections}). */
const makeSamlKeys = (
  repo: SsoRepo,
  envelope: Context.Tag.Service<Envelope>,
  encryptSecret: (name: string, secret: string) => Effect.Effect<string, never, CurrentTenant>
) => {
  /**
   * The encryption key of SAML connection `name`: the one it has (a
   * replaced connection keeps its key, so the IdP's copy of the
   * certificate stays valid), else a new one.
   */
  const spKeyOf = (name: string) =>
    Effect.gen(function* () {
      const found = Option.getOrUndefined(yield* tenantTx(repo.find(name)))
      if (found?.protocol === "saml" && found.saml_sp_certificate !== null)
        return { certificate: found.saml_sp_certificate, keyEnc: found.client_secret_enc }
      const made = yield* generateSamlSpKey(name)
      return { certificate: made.certificate, keyEnc: yield* encryptSecret(name, made.privateKey) }
    })

  /**
   * The private key (PEM) Signet decrypts `row`'s encrypted assertions
   * with; undefined for OIDC and for SAML connections saved without one.
   */
  const samlDecryptionKey = (row: ConnectionRow) =>
    row.protocol !== "saml" || row.saml_sp_certificate === null
      ? Effect.succeed(undefined)
      : Effect.flatMap(CurrentTenant, (tenant) =>
          envelope
            .decryptString(row.client_secret_enc, ssoClientSecretColumn.aad({ tenant_id: tenant.id, name: row.name }))
            .pipe(Effect.map(Redacted.value), Effect.orDie)
        )

  return { spKeyOf, samlDecryptionKey }
}

/** SSO connections of the current tenant; see the module comment. */
export class SsoConnections extends Effect.Service<SsoConnections>()("Signet/SsoConnections", {
  effect: Effect.gen(function* () {
    const repo = yield* SsoRepo
    const envelope = yield* Envelope
    const audit = yield* Audit
    const events = yield* Events
    const allowHttpLoopback = yield* Config.boolean("SIGNET_OAUTH_ALLOW_HTTP_ISSUERS").pipe(
      Config.withDefault(false),
      Effect.orElseSucceed(() => false)
    )
    const options = yield* Ref.make({ allowHttpLoopback })
    const now = Effect.map(Clock.currentTimeMillis, (ms) => DateTime.unsafeMake(ms))

    /** The stored connection `name`. @errors SsoConnectionNotFound */
    const rowOf = (name: string) =>
      Effect.flatMap(tenantTx(repo.find(name)), (found) =>
        Option.match(found, {
          onNone: () => Effect.fail(new SsoConnectionNotFound({ message: "no such SSO connection", connection: name })),
          onSome: Effect.succeed
        })
      )

    /**
     * Stores connection `name` (new or replacing), audited and published.
     * @errors Conflict (MAX_SSO_CONNECTIONS reached, a domain served by another connection)
     */
    const save = (name: string, fields: Omit<ConnectionRow, "name" | "created_at" | "updated_at">) =>
      Effect.gen(function* () {
        const at = yield* now
        const domains = [...new Set(fields.domains)]
        return yield* tenantTx(
          Effect.gen(function* () {
            const all = yield* repo.list
            const before = Option.fromNullable(all.find((c) => c.name === name))
            if (Option.isNone(before) && all.length >= MAX_SSO_CONNECTIONS)
              return yield* new Conflict({
                message: `at most ${MAX_SSO_CONNECTIONS} SSO connections per tenant`,
                field: "name"
              })
            const taken = all.find((c) => c.name !== name && c.domains.some((d) => domains.includes(d)))
            if (taken !== undefined)
              return yield* new Conflict({
                message: `a domain is already served by the SSO connection "${taken.name}"`,
                field: "domains"
              })
            yield* repo.upsert({ ...fields, name, domains }, at)
            const after = presentConnection(Option.getOrThrow(yield* repo.find(name)))
            yield* audit.record({
              action: Option.isNone(before) ? "sso.connection.created" : "sso.connection.updated",
              targetType: "sso_connection",
              targetId: name,
              before: Option.getOrUndefined(Option.map(before, presentConnection)),
              after
            })
            yield* events.publish({
              type: "signet.integrations.sso_connection.updated",
              subject: name,
              data: {
                name,
                protocol: after.protocol,
                issuer: after.issuer,
                domains: after.domains,
                sso_only: after.sso_only
              }
            })
            return after
          })
        )
      })

    /** The secret column's ciphertext of `secret` for connection `name`. */
    const encryptSecret = (name: string, secret: string) =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        envelope.encrypt(secret, ssoClientSecretColumn.aad({ tenant_id: tenant.id, name }))
      )

    const { spKeyOf, samlDecryptionKey } = makeSamlKeys(repo, envelope, encryptSecret)

    const { put, putSaml } = makeWriters(
      save,
      encryptSecret,
      Effect.map(Ref.get(options), (o) => o.allowHttpLoopback),
      spKeyOf
    )

    /** Deletes a connection. @errors SsoConnectionNotFound */
    const remove = (name: string) =>
      tenantTx(
        Effect.gen(function* () {
          if (!(yield* repo.delete(name)))
            return yield* new SsoConnectionNotFound({ message: "no such SSO connection", connection: name })
          yield* audit.record({ action: "sso.connection.deleted", targetType: "sso_connection", targetId: name })
          yield* events.publish({
            type: "signet.integrations.sso_connection.deleted",
            subject: name,
            data: { name }
          })
        })
      ).pipe(Effect.withSpan("SsoConnections.delete"))

    /** The stored connection serving `email`'s domain, if any. */
    const serving = (email: string) =>
      Effect.map(tenantTx(repo.list), (all) => {
        const domain = emailDomain(email)
        return Option.fromNullable(domain === undefined ? undefined : all.find((c) => c.domains.includes(domain)))
      })

    return {
      /** Sets service options (tests, development): plain-http loopback issuers. */
      configure: (o: { readonly allowHttpLoopback: boolean }) => Ref.set(options, o),
      /** The service options in force (the sign-in's discovery reads `allowHttpLoopback`). */
      options: Ref.get(options),
      put,
      putSaml,
      delete: remove,
      get: (name: string) => Effect.map(rowOf(name), presentConnection),
      list: Effect.map(tenantTx(repo.list), (rows) => rows.map(presentConnection)),
      /** The stored connection `name` (with its encrypted secret), for the sign-in flow. */
      rowOf,
      samlDecryptionKey,
      serving,
      /** Which connection, if any, serves `email` (the login page's "Sign in with SSO"). */
      discover: (email: string) =>
        Effect.map(
          serving(email),
          Option.match({
            onNone: () => new SsoDiscovery({ connection: null, sso_only: false }),
            onSome: (c) => new SsoDiscovery({ connection: c.name, sso_only: c.sso_only })
          })
        )
    } as const
  })
}) {}
