/**
 * `signet audit verify` — walk a tenant's hash chain.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { Audit, CurrentTenant, Db, Tenancy, type TenantId } from "@signet/core"
import { Console, Data, Effect } from "effect"
import { plain } from "../Output.js"
import { local } from "../Runtime.js"
import { configLayer } from "../Settings.js"

/** The chain is broken (exit code 3). */
export class IntegrityFailure extends Data.TaggedError("IntegrityFailure")<{ readonly message: string }> {}

const verify = Command.make(
  "verify",
  {
    tenant: Options.text("tenant").pipe(Options.withDescription("Tenant slug")),
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON"))
  },
  (o) =>
    local(
      Effect.gen(function* () {
        const t = yield* Tenancy.use((s) => s.get(o.tenant))
        const result = yield* Db.tenantTx(Audit.use((a) => a.verify)).pipe(
          Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug })
        )
        if (o.json) yield* Console.log(JSON.stringify(plain(result), null, 2))
        else if (result.ok) yield* Console.log(`audit chain of ${t.slug}: OK (${result.checked} rows)`)
        if (!result.ok) {
          return yield* new IntegrityFailure({
            message: `audit chain of ${t.slug} is broken at seq ${result.broken?.seq} (${result.broken?.reason})`
          })
        }
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Verify a tenant's audit hash chain (exit code 3 when broken).\nExample:\n  signet audit verify --tenant lycee-hugo"
  )
)

/** `signet audit`. */
export const audit = Command.make("audit").pipe(
  Command.withDescription("Audit log tools."),
  Command.withSubcommands([verify])
)
