/**
 * `signet sso-connection …` — SSO connections (OpenID Connect and SAML 2.0) (issue 19 §2,
 * docs/federation.md) on the local database through the same core
 * operations as REST (`SsoAdmin`): a tenant's connections to the school's
 * OpenID Connect IdPs (list, put, delete). Runs as the system actor; core's
 * rules (https issuers, `openid` and `email` scopes, one connection per
 * domain, the limit per tenant) apply as over HTTP. The client secret is
 * read from a file, never from the command line (shell history, `ps`).
 *
 * @module
 */
import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import { PutSamlConnection, PutSsoConnection, parseSamlIdpMetadata, policyUse, SsoAdmin as S } from "@signet/core"
import { Console, Effect, Option, Schema } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const nameArg = Args.text({ name: "name" }).pipe(Args.withDescription("The connection's name, e.g. google"))

const mappingOpt = Options.file("attribute-mapping-file", { exists: "yes" }).pipe(
  Options.optional,
  Options.withDescription(
    "A JSON file: which IdP claims set new users' type and school and give roles (docs/federation.md, Attribute mapping)"
  )
)

/** The attribute mapping in the file `path` (JSON), for the connection's `attribute_mapping`. */
const mappingOf = (path: Option.Option<string>) =>
  Option.match(path, {
    onNone: () => Effect.succeed({}),
    onSome: (file) =>
      Effect.try({
        try: () => ({ attribute_mapping: JSON.parse(Fs.readFileSync(file, "utf8")) as unknown }),
        catch: (e) => new Error(`invalid attribute mapping file: ${e instanceof Error ? e.message : String(e)}`)
      })
  })

const read = policyUse("sso:read")
const write = policyUse("sso:write")

const list = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const connections = yield* S.list().pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(connections), null, 2))
      yield* table(
        connections.map((c) => ({ ...plain(c), domains: c.domains.join(" ") })),
        ["name", "issuer", "domains", "provisioning", "default_user_type", "sso_only"]
      )
    })
  )
).pipe(Command.withDescription("List the tenant's SSO connections (never their secrets)."))

const put = Command.make(
  "put",
  {
    tenant: tenantOpt,
    name: nameArg,
    issuer: Options.text("issuer").pipe(Options.withDescription("The IdP's issuer URL (https)")),
    clientId: Options.text("client-id"),
    clientSecretFile: Options.file("client-secret-file", { exists: "yes" }).pipe(
      Options.withDescription("A file holding the client secret (read once; not stored anywhere else)")
    ),
    scope: Options.text("scope").pipe(
      Options.repeated,
      Options.withDescription("Repeatable; default: --scope openid --scope email --scope profile")
    ),
    domain: Options.text("domain").pipe(
      Options.repeated,
      Options.withDescription("Repeatable: an e-mail domain this connection signs in")
    ),
    provisioning: Options.choice("provisioning", ["link_only", "jit"]).pipe(
      Options.withDefault("link_only" as const),
      Options.withDescription("link_only: existing users only (default); jit: create unknown users")
    ),
    userType: Options.choice("default-user-type", ["teacher", "student", "admin", "dev"]).pipe(
      Options.optional,
      Options.withDescription("The type of users jit creates (default teacher)")
    ),
    ssoOnly: Options.boolean("sso-only").pipe(
      Options.withDescription("The domains' users may no longer sign in with a password")
    ),
    mapping: mappingOpt,
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const secret = Fs.readFileSync(o.clientSecretFile, "utf8").trim()
        const input = yield* Schema.decodeUnknown(PutSsoConnection)({
          issuer: o.issuer,
          client_id: o.clientId,
          client_secret: secret,
          scopes: o.scope.length > 0 ? o.scope : ["openid", "email", "profile"],
          domains: o.domain,
          provisioning: o.provisioning,
          ...Option.match(o.userType, { onNone: () => ({}), onSome: (t) => ({ default_user_type: t }) }),
          sso_only: o.ssoOnly,
          ...(yield* mappingOf(o.mapping))
        }).pipe(Effect.mapError((e) => new Error(`invalid connection: ${e.message.split("\n").slice(-1)[0]?.trim()}`)))
        const saved = yield* S.put(o.name, input).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(saved), null, 2))
        yield* Console.log(
          `${saved.name}: ${saved.issuer} for ${saved.domains.join(", ")} (${saved.provisioning}${saved.sso_only ? ", SSO only" : ""})`
        )
        yield* Console.log(
          `Register this redirect URI at the IdP: {public URL}/api/v1/tenants/${o.tenant}/sso/callback`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Register or replace an SSO connection.\nExample:\n  signet sso-connection put google --tenant lycee-hugo --issuer https://accounts.google.com --client-id … --client-secret-file ./google.secret --domain lycee-hugo.fr"
  )
)

const domainOpt = Options.text("domain").pipe(
  Options.repeated,
  Options.withDescription("Repeatable: an e-mail domain this connection signs in")
)
const provisioningOpt = Options.choice("provisioning", ["link_only", "jit"]).pipe(
  Options.withDefault("link_only" as const),
  Options.withDescription("link_only: existing users only (default); jit: create unknown users")
)
const userTypeOpt = Options.choice("default-user-type", ["teacher", "student", "admin", "dev"]).pipe(
  Options.optional,
  Options.withDescription("The type of users jit creates (default teacher)")
)
const ssoOnlyOpt = Options.boolean("sso-only").pipe(
  Options.withDescription("The domains' users may no longer sign in with a password")
)

const putSaml = Command.make(
  "put-saml",
  {
    tenant: tenantOpt,
    name: nameArg,
    metadataFile: Options.file("metadata-file", { exists: "yes" }).pipe(
      Options.withDescription("The IdP's SAML metadata (XML): entity ID, single sign-on URL, signing certificates")
    ),
    domain: domainOpt,
    provisioning: provisioningOpt,
    userType: userTypeOpt,
    ssoOnly: ssoOnlyOpt,
    requireEncrypted: Options.boolean("require-encrypted-assertions").pipe(
      Options.withDescription(
        "Refuse assertions not encrypted to Signet's encryption certificate (in the SP metadata); encrypted ones are accepted either way"
      )
    ),
    mapping: mappingOpt,
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const idp = yield* parseSamlIdpMetadata(Fs.readFileSync(o.metadataFile, "utf8")).pipe(
          Effect.mapError((e) => new Error(`invalid metadata: ${e.message}`))
        )
        const input = yield* Schema.decodeUnknown(PutSamlConnection)({
          ...idp,
          domains: o.domain,
          provisioning: o.provisioning,
          ...Option.match(o.userType, { onNone: () => ({}), onSome: (t) => ({ default_user_type: t }) }),
          sso_only: o.ssoOnly,
          require_encrypted_assertions: o.requireEncrypted,
          ...(yield* mappingOf(o.mapping))
        }).pipe(Effect.mapError((e) => new Error(`invalid connection: ${e.message.split("\n").slice(-1)[0]?.trim()}`)))
        const saved = yield* S.putSaml(o.name, input).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(saved), null, 2))
        yield* Console.log(
          `${saved.name}: SAML ${saved.issuer} for ${saved.domains.join(", ")} (${saved.provisioning}${saved.sso_only ? ", SSO only" : ""}${saved.saml_require_encrypted_assertions ? ", encrypted assertions only" : ""})`
        )
        yield* Console.log(
          `Give the IdP Signet's metadata: {public URL}/api/v1/tenants/${o.tenant}/sso/connections/${o.name}/saml-metadata`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Register or replace a SAML 2.0 connection from the IdP's metadata file.\nExample:\n  signet sso-connection put-saml adfs --tenant lycee-hugo --metadata-file ./idp-metadata.xml --domain lycee-hugo.fr"
  )
)

const remove = Command.make("delete", { tenant: tenantOpt, name: nameArg }, (o) =>
  inTenant(o.tenant, Effect.zipRight(S.delete(o.name).pipe(write), Console.log(`deleted ${o.name}`)))
).pipe(Command.withDescription("Delete an SSO connection (its users keep their accounts)."))

/** `signet sso-connection`: list, put, delete. */
export const ssoConnection = Command.make("sso-connection").pipe(
  Command.withDescription("A tenant's SSO connections to its OpenID Connect IdPs (docs/federation.md)."),
  Command.withSubcommands([list, put, putSaml, remove])
)
