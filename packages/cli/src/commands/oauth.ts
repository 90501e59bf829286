/**
 * `signet oauth-provider …` and `signet oauth-binding …` — OAuth bindings
 * (issue 21 §4, docs/integrations.md) on the local database through the same
 * core operations as REST (`OAuthAdmin`): the tenant's credentials at
 * outside providers (list, put, delete) and its users' bindings (list,
 * delete). Runs as the system actor; core's rules (https issuers, limits)
 * apply as over HTTP. The client secret is read from a file, never from
 * the command line (shell history, `ps`).
 *
 * @module
 */
import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import { OAuthAdmin as O, PutPlatformCredential, policyUse } from "@signet/core"
import { Console, Effect, Schema } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const providerArg = Args.text({ name: "provider" }).pipe(Args.withDescription("The provider's name, e.g. google"))

const read = policyUse("oauth:read")
const write = policyUse("oauth:write")

const listProviders = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const providers = yield* O.listCredentials().pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(providers), null, 2))
      yield* table(
        providers.map((p) => ({ ...plain(p), scopes: p.scopes.join(" ") })),
        ["provider", "issuer", "client_id", "scopes"]
      )
    })
  )
).pipe(Command.withDescription("List the tenant's OAuth provider credentials (never their secrets)."))

const put = Command.make(
  "put",
  {
    tenant: tenantOpt,
    provider: providerArg,
    issuer: Options.text("issuer").pipe(Options.withDescription("The provider's issuer URL (https)")),
    clientId: Options.text("client-id"),
    clientSecretFile: Options.file("client-secret-file", { exists: "yes" }).pipe(
      Options.withDescription("A file holding the client secret (read once; not stored anywhere else)")
    ),
    scope: Options.text("scope").pipe(Options.repeated, Options.withDescription("Repeatable, e.g. --scope openid")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const secret = Fs.readFileSync(o.clientSecretFile, "utf8").trim()
        const input = yield* Schema.decodeUnknown(PutPlatformCredential)({
          issuer: o.issuer,
          client_id: o.clientId,
          client_secret: secret,
          scopes: o.scope
        }).pipe(Effect.mapError((e) => new Error(`invalid credential: ${e.message.split("\n").slice(-1)[0]?.trim()}`)))
        const saved = yield* O.putCredential(o.provider, input).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(saved), null, 2))
        yield* Console.log(`${saved.provider}: ${saved.issuer} (client ${saved.client_id})`)
      })
    )
).pipe(
  Command.withDescription(
    "Register or replace the credential at a provider.\nExample:\n  signet oauth-provider put google --tenant lycee-hugo --issuer https://accounts.google.com --client-id … --client-secret-file ./google.secret --scope openid --scope email"
  )
)

const removeProvider = Command.make("delete", { tenant: tenantOpt, provider: providerArg }, (o) =>
  inTenant(
    o.tenant,
    Effect.zipRight(O.deleteCredential(o.provider).pipe(write), Console.log(`deleted ${o.provider} with its bindings`))
  )
).pipe(Command.withDescription("Delete a provider's credential and every binding to it."))

/** `signet oauth-provider`: list, put, delete. */
export const oauthProvider = Command.make("oauth-provider").pipe(
  Command.withDescription("A tenant's credentials at outside OAuth providers (docs/integrations.md)."),
  Command.withSubcommands([listProviders, put, removeProvider])
)

const listBindings = Command.make(
  "list",
  { tenant: tenantOpt, user: Options.text("user").pipe(Options.optional, Options.withDescription("A user id")), json },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const bindings = yield* O.listBindings(o.user._tag === "Some" ? o.user.value : undefined).pipe(read)
        if (o.json) return yield* Console.log(JSON.stringify(plain(bindings), null, 2))
        yield* table(
          bindings.map((b) => plain(b)),
          ["user_id", "provider", "status", "expires_at", "has_refresh_token"]
        )
      })
    )
).pipe(Command.withDescription("List the tenant's OAuth bindings (never their tokens)."))

const removeBinding = Command.make(
  "delete",
  { tenant: tenantOpt, user: Args.text({ name: "user-id" }), provider: providerArg },
  (o) =>
    inTenant(
      o.tenant,
      Effect.zipRight(
        O.removeBinding(o.user, o.provider).pipe(write),
        Console.log(`removed ${o.user}'s binding to ${o.provider}`)
      )
    )
).pipe(Command.withDescription("Remove a user's binding (revoked at the provider when it can)."))

/** `signet oauth-binding`: list, delete. */
export const oauthBinding = Command.make("oauth-binding").pipe(
  Command.withDescription("Users' bindings to OAuth providers (docs/integrations.md)."),
  Command.withSubcommands([listBindings, removeBinding])
)
