/**
 * `signet migrate` — apply pending migrations, or show their status.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { Core, Db, Migrations } from "@signet/core"
import { Config, Console, Effect, Layer } from "effect"
import { table } from "../Output.js"
import { configLayer } from "../Settings.js"

const status = Options.boolean("status").pipe(Options.withDescription("Only show which migrations are applied"))
const json = Options.boolean("json").pipe(Options.withDescription("Print the result as JSON"))

/** `signet migrate`. */
export const migrate = Command.make("migrate", { status, json }, (opts) =>
  Effect.gen(function* () {
    const { databaseUrl, pgAppRole } = yield* Config.all({
      databaseUrl: Db.databaseUrlConfig,
      pgAppRole: Db.pgAppRoleConfig
    })
    const sets = Core.allMigrations(pgAppRole)
    const applied: Array<string> = []
    const run = opts.status
      ? Effect.void
      : Effect.flatMap(Migrations.runAll(sets), (done) => Effect.sync(() => applied.push(...done)))
    const statuses = yield* Effect.scoped(
      Effect.gen(function* () {
        // --status only reads: it must not create a database where there is none.
        const ctx = yield* Layer.build(
          Db.layer({ url: databaseUrl, pgAppRole, beforeStart: run, create: !opts.status })
        )
        return yield* Migrations.status(sets).pipe(Effect.provide(ctx))
      })
    )
    if (opts.json) return yield* Console.log(JSON.stringify({ applied, modules: statuses }, null, 2))
    for (const m of applied) yield* Console.log(`applied ${m}`)
    if (!opts.status)
      yield* Console.log(applied.length === 0 ? "database is up to date" : `${applied.length} migration(s) applied`)
    yield* table(
      statuses.map((s) => ({ ...s, state: s.applied >= s.latest ? "current" : "pending" })),
      ["module", "applied", "latest", "state"]
    )
  }).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Apply pending database migrations (also done by `signet serve` unless --no-migrate).\nExamples:\n  signet migrate\n  signet migrate --status --json"
  )
)
