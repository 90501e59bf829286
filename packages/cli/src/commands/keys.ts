/**
 * `signet keys` — JWT signing keys (`rotate`, `list`, `drop-tenant`; the
 * platform's or a tenant's own) and `rotate-master`, which rotates the master
 * key of envelope encryption and re-wraps every stored secret under it.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { Core, Crypto, Db, KeyRotation, SigningKeys, Tenancy } from "@signet/core"
import { Config, Console, Effect, Layer, Option } from "effect"
import { table } from "../Output.js"
import { local } from "../Runtime.js"
import { configLayer } from "../Settings.js"

const retire = Options.boolean("retire").pipe(
  Options.withDescription("After a successful re-wrap, remove the previous keys from the key file")
)
const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))

const rotateMaster = Command.make("rotate-master", { retire, json }, (o) =>
  Effect.gen(function* () {
    const fromEnv = yield* Config.option(Config.redacted("SIGNET_MASTER_KEY"))
    const file = yield* Config.string("SIGNET_MASTER_KEY_FILE").pipe(Config.withDefault(Crypto.DEFAULT_KEY_FILE))
    let rotated: { readonly previous: string; readonly current: string } | undefined
    if (Option.isNone(fromEnv)) rotated = yield* KeyRotation.addMasterKey(file)
    const ring = yield* Crypto.loadKeyRing
    const envelope = Crypto.makeEnvelope(ring)
    const { databaseUrl, pgAppRole } = yield* Config.all({
      databaseUrl: Db.databaseUrlConfig,
      pgAppRole: Db.pgAppRoleConfig
    })
    let report: KeyRotation.RewrapReport = { columns: 0, rewrapped: 0, alreadyCurrent: 0 }
    yield* Layer.build(
      Db.layer({
        url: databaseUrl,
        pgAppRole,
        // Runs with the owner connection on Postgres, so RLS does not hide tenant rows.
        beforeStart: Effect.map(KeyRotation.rewrapAll(envelope, Core.encryptedColumns), (r) => {
          report = r
        })
      })
    ).pipe(Effect.scoped)
    const retired = o.retire && Option.isNone(fromEnv) ? yield* KeyRotation.retireOldKeys(file) : []
    const result = {
      source: Option.isSome(fromEnv) ? "SIGNET_MASTER_KEY" : file,
      current_key_id: ring.current,
      ...report,
      retired
    }
    if (o.json) return yield* Console.log(JSON.stringify(result, null, 2))
    yield* Console.log(
      [
        rotated
          ? `new master key ${rotated.current} (previous ${rotated.previous}) in ${file}`
          : `current master key ${ring.current} (from SIGNET_MASTER_KEY)`,
        `re-wrapped ${report.rewrapped} secret(s) in ${report.columns} column(s); ${report.alreadyCurrent} already current`,
        retired.length > 0
          ? `retired ${retired.join(", ")}`
          : "previous keys kept (use --retire once backups no longer need them)"
      ].join("\n")
    )
  }).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Add a new master key and re-wrap every stored secret under it (data keys only; payloads untouched).\n" +
      "With SIGNET_MASTER_KEY set, put the new key there and the old one in SIGNET_MASTER_KEY_PREVIOUS first.\n" +
      "Examples:\n  signet keys rotate-master\n  signet keys rotate-master --retire --json"
  )
)

const tenantOption = Options.text("tenant").pipe(
  Options.withDescription("A tenant (slug): act on its own signing keys instead of the platform's"),
  Options.optional
)

/** The tenant id of a slug, when given. */
const tenantIdOf = (slug: Option.Option<string>) =>
  Option.match(slug, {
    onNone: () => Effect.succeed(null),
    onSome: (s) =>
      Effect.map(
        Tenancy.use((t) => t.get(s)),
        (t) => t.id
      )
  })

const rotate = Command.make(
  "rotate",
  {
    alg: Options.choice("alg", ["ES256", "EdDSA"] as const).pipe(
      Options.withDescription("Algorithm of the new key (default: SIGNET_JWT_ALG, else ES256)"),
      Options.optional
    ),
    tenant: tenantOption,
    json
  },
  (o) =>
    local(
      Effect.gen(function* () {
        const tenantId = yield* tenantIdOf(o.tenant)
        const kid = yield* SigningKeys.use((k) => k.rotate(Option.getOrUndefined(o.alg), undefined, tenantId))
        const alg = (yield* SigningKeys.use((k) => k.list)).find((k) => k.kid === kid)?.alg
        const jwks = yield* SigningKeys.use((k) => (tenantId === null ? k.jwks : k.jwksFor(tenantId)))
        if (o.json) return yield* Console.log(JSON.stringify({ kid, tenant_id: tenantId, jwks }, null, 2))
        yield* Console.log(
          `new signing key ${kid} (${alg})${Option.isSome(o.tenant) ? ` for tenant ${o.tenant.value}` : ""}; previous keys keep verifying until their tokens expire (${jwks.keys.length} key(s) in the ${Option.isSome(o.tenant) ? "tenant's " : ""}JWKS)`
        )
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Rotate a JWT signing key: new tokens use a new key; the old one keeps verifying until its tokens expire.\n" +
      "With --tenant, the tenant's own key (the first rotation gives the tenant keys of its own; its JWKS is\n" +
      "/api/v1/tenants/<slug>/jwks.json). A running server picks the change up within 30 s.\n" +
      "Examples:\n  signet keys rotate --alg EdDSA\n  signet keys rotate --tenant lycee-hugo"
  )
)

const dropTenant = Command.make("drop-tenant", { tenant: Options.text("tenant"), json }, (o) =>
  local(
    Effect.gen(function* () {
      const tenantId = yield* tenantIdOf(Option.some(o.tenant))
      const retired = yield* SigningKeys.use((k) => k.dropTenantKeys(tenantId!))
      if (o.json) return yield* Console.log(JSON.stringify({ tenant: o.tenant, retired }, null, 2))
      yield* Console.log(
        retired > 0
          ? `tenant ${o.tenant} is signed with the platform key again; its ${retired} key(s) keep verifying until their tokens expire`
          : `tenant ${o.tenant} had no signing key of its own`
      )
    })
  ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Return a tenant to the platform's signing key (its own keys stop signing now and verify until their tokens expire).\n" +
      "Example:\n  signet keys drop-tenant --tenant lycee-hugo"
  )
)

const list = Command.make("list", { json }, (o) =>
  local(
    Effect.gen(function* () {
      const keys = yield* SigningKeys.use((k) => k.list)
      if (o.json) return yield* Console.log(JSON.stringify(keys, null, 2))
      yield* table(
        keys.map((k) => ({
          kid: k.kid,
          tenant: k.tenant_id ?? "(platform)",
          alg: k.alg,
          created: k.created_at,
          retires: k.retire_after ?? "(signing)"
        })),
        ["kid", "tenant", "alg", "created", "retires"]
      )
    })
  ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "List the JWT signing keys (platform and tenants'), without private parts.\nExamples:\n  signet keys list\n  signet keys list --json"
  )
)

/** `signet keys`. */
export const keys = Command.make("keys").pipe(
  Command.withDescription("Key management: JWT signing keys and the master key of envelope encryption."),
  Command.withSubcommands([rotate, list, dropTenant, rotateMaster])
)
