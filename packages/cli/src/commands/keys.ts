/**
 * `signet keys rotate-master` — rotate the master key of envelope
 * encryption and re-wrap every stored secret under it.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { Core, Crypto, Db, KeyRotation, SigningKeys } from "@signet/core"
import { Config, Console, Effect, Layer, Option } from "effect"
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

const rotate = Command.make(
  "rotate",
  {
    alg: Options.choice("alg", ["ES256", "EdDSA"] as const).pipe(Options.withDefault("ES256" as const)),
    json
  },
  (o) =>
    local(
      Effect.gen(function* () {
        const kid = yield* SigningKeys.use((k) => k.rotate(o.alg))
        const jwks = yield* SigningKeys.use((k) => k.jwks)
        if (o.json) return yield* Console.log(JSON.stringify({ kid, jwks }, null, 2))
        yield* Console.log(
          `new signing key ${kid} (${o.alg}); previous keys keep verifying until their tokens expire (${jwks.keys.length} key(s) in the JWKS)`
        )
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Rotate the JWT signing key: new tokens use a new key; the old one keeps verifying until its tokens expire.\nExample:\n  signet keys rotate --alg EdDSA"
  )
)

/** `signet keys`. */
export const keys = Command.make("keys").pipe(
  Command.withDescription("Key management: JWT signing keys and the master key of envelope encryption."),
  Command.withSubcommands([rotate, rotateMaster])
)
