/**
 * `signet scim-token create|list|revoke` (issue 19 §3): the bearer tokens a
 * tenant's identity provider (Microsoft Entra ID, Okta) uses on
 * `/t/{slug}/scim/v2`, on the local database as the system actor (core's
 * `ScimTokensAdmin`, the same checks as `POST …/scim/tokens`). The secret is
 * printed once. `--student-groups` mints a token that may also provision
 * student groups (`student_groups: true` on the REST body).
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { policyUse, ScimTokenId, ScimTokensAdmin } from "@signet/core"
import { Console, Effect } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))

const create = Command.make(
  "create",
  {
    tenant: tenantOpt,
    name: Options.text("name").pipe(Options.withDefault("SCIM")),
    studentGroups: Options.boolean("student-groups").pipe(
      Options.withDescription(
        "Also let the token provision academics student groups (Signet's SCIM Group extension): adds academics:read and academics:write to its scope"
      )
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const name = o.name.trim()
        if (name.length < 1 || name.length > 100)
          return yield* Effect.fail(new Error("--name must be 1–100 characters"))
        const created = yield* ScimTokensAdmin.create({
          name,
          ...(o.studentGroups ? { student_groups: true } : {})
        }).pipe(policyUse("apikeys:write"), policyUse("roles:read"))
        if (o.json) return yield* Console.log(JSON.stringify(plain(created), null, 2))
        yield* Console.log(
          `${created.token}\n(store it now: it is not shown again; id ${created.scim_token.id})\n` +
            `SCIM base URL: <public URL>${created.base_url}`
        )
      })
    )
).pipe(
  Command.withDescription(
    'Mint a SCIM bearer token for an identity provider.\nExample:\n  signet scim-token create --tenant lycee-hugo --name "Entra ID"\n  signet scim-token create --tenant lycee-hugo --name "Entra ID groups" --student-groups'
  )
)

const list = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(ScimTokensAdmin.list().pipe(policyUse("apikeys:read")), (tokens) =>
      o.json
        ? Console.log(JSON.stringify(plain(tokens), null, 2))
        : table(plain(tokens), ["id", "name", "prefix", "active", "created_at", "last_used_at"])
    ),
    true
  )
).pipe(
  Command.withDescription(
    "List SCIM tokens (never their secrets).\nExample:\n  signet scim-token list --tenant lycee-hugo"
  )
)

const revoke = Command.make(
  "revoke",
  { tenant: tenantOpt, id: Args.text({ name: "token-id" }).pipe(Args.withSchema(ScimTokenId)) },
  (o) =>
    inTenant(
      o.tenant,
      Effect.zipRight(ScimTokensAdmin.revoke(o.id).pipe(policyUse("apikeys:write")), Console.log(`${o.id}: revoked`))
    )
).pipe(Command.withDescription("Revoke a SCIM token.\nExample:\n  signet scim-token revoke --tenant lycee-hugo 0193…"))

/** `signet scim-token`. */
export const scimToken = Command.make("scim-token").pipe(
  Command.withDescription("Manage SCIM 2.0 provisioning tokens (Entra ID, Okta; docs/scim.md)."),
  Command.withSubcommands([create, list, revoke])
)
