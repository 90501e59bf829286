/**
 * `signet oidc-client …` — the relying parties of a tenant's OpenID Connect
 * provider (issue 19 §1, docs/federation.md) on the local database through
 * the same core operations as REST (`OidcClientsAdmin`): list, create
 * (prints a confidential client's secret once), delete. Runs as the system
 * actor; the registration rules (exact https or loopback redirect URIs,
 * limits) apply as over HTTP.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { OidcClientsAdmin as C, CreateOidcClient, policyUse } from "@signet/core"
import { Console, Effect, Schema } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))

const read = policyUse("oidc_clients:read")
const write = policyUse("oidc_clients:write")

const list = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const clients = yield* C.list().pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(clients), null, 2))
      yield* table(
        clients.map((c) => ({
          ...plain(c),
          redirect_uris: c.redirect_uris.join(" "),
          grant_types: c.grant_types.join(" ")
        })),
        ["client_id", "name", "public", "grant_types", "redirect_uris"]
      )
    })
  )
).pipe(
  Command.withDescription("List the tenant's OIDC clients.\nExample:\n  signet oidc-client list --tenant lycee-hugo")
)

const create = Command.make(
  "create",
  {
    tenant: tenantOpt,
    name: Options.text("name").pipe(Options.withDescription("Name shown on the consent page")),
    redirectUri: Options.text("redirect-uri").pipe(
      Options.repeated,
      Options.withDescription("Exact redirect URI (https, or http on loopback); repeatable")
    ),
    postLogoutUri: Options.text("post-logout-uri").pipe(Options.repeated, Options.withDescription("Repeatable")),
    grantType: Options.choice("grant-type", ["authorization_code", "refresh_token", "client_credentials"]).pipe(
      Options.repeated,
      Options.withDescription("Repeatable (default authorization_code refresh_token)")
    ),
    public: Options.boolean("public").pipe(Options.withDescription("A public client (no secret; PKCE required)")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* Schema.decodeUnknown(CreateOidcClient)({
          name: o.name,
          redirect_uris: o.redirectUri,
          post_logout_redirect_uris: o.postLogoutUri,
          ...(o.grantType.length > 0 ? { grant_types: o.grantType } : {}),
          public: o.public
        }).pipe(Effect.mapError((e) => new Error(`invalid client: ${e.message.split("\n").slice(-1)[0]?.trim()}`)))
        const created = yield* C.create(input).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(created), null, 2))
        yield* Console.log(
          created.client_secret === null
            ? `${created.client.client_id} ${created.client.name} (public client: no secret)`
            : `${created.client.client_id} ${created.client.name}\nclient secret (shown once): ${created.client_secret}`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Register a client; prints a confidential client's secret once.\nExample:\n  signet oidc-client create --tenant lycee-hugo --name Library --redirect-uri https://library.example.org/callback"
  )
)

const remove = Command.make(
  "delete",
  { tenant: tenantOpt, id: Args.text({ name: "client-id" }).pipe(Args.withDescription("See signet oidc-client list")) },
  (o) =>
    inTenant(
      o.tenant,
      Effect.zipRight(C.remove(o.id).pipe(write), Console.log(`deleted ${o.id} with its grants and tokens`))
    )
).pipe(Command.withDescription("Delete a client with its grants and tokens."))

/** `signet oidc-client`: list, create, delete. */
export const oidcClient = Command.make("oidc-client").pipe(
  Command.withDescription("Relying parties of a tenant's OpenID Connect provider (docs/federation.md)."),
  Command.withSubcommands([list, create, remove])
)
