/**
 * `signet carbon …` — a tenant's carbon footprints (issue 22 "Carbon
 * footprints", docs/activities.md) on the local database through the same
 * core operations as REST (`ActivitiesAdmin`), as the system actor:
 *
 * - `add --tenant … --target-type … --target-id … --scope 2 --category
 *   energy --quantity 12.5 --unit MWh --factor 0.207 --factor-unit kWh
 *   --source "DEFRA 2024" --from 2026-01-01 --to 2026-01-31`: records a
 *   footprint; kg CO₂e is computed by the server (units converted by a
 *   library); unknown or incompatible units are refused.
 * - `list --tenant … --target-type … --target-id …`: a target's footprints
 *   (the first 100), newest first.
 * - `totals --tenant … [--target-type … --target-id …] [--from …] [--to …]`:
 *   kg CO₂e by scope and category of a target or the tenant.
 *
 * Refusals answer as over REST: `signet: <message>`, exit code 1.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { ActivitiesAdmin as A, type CarbonFootprint, policyUse } from "@signet/core"
import { Console, Effect, Option } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const targetType = Options.text("target-type").pipe(
  Options.withDescription("The target's type (user, school, classroom, group, course, beacon, tenant or x-…)")
)
const targetId = Options.text("target-id").pipe(Options.withDescription("The target's id"))

const read = policyUse("carbon:read")
const write = policyUse("carbon:write")

const row = (f: CarbonFootprint) => ({
  id: f.id,
  scope: String(f.scope),
  category: f.category,
  quantity: `${f.quantity} ${f.unit}`,
  factor: `${f.factor_kg_per_unit} kg/${f.factor_unit}`,
  period: `${f.period_start}..${f.period_end}`,
  co2e_kg: String(f.co2e_kg)
})
const COLUMNS = ["id", "scope", "category", "quantity", "factor", "period", "co2e_kg"] as const

const add = Command.make(
  "add",
  {
    tenant: tenantOpt,
    targetType,
    targetId,
    scope: Options.choice("scope", ["1", "2", "3"]).pipe(Options.withDescription("GHG Protocol scope")),
    category: Options.text("category").pipe(Options.withDescription("transport, energy, heating, waste, …")),
    quantity: Options.float("quantity").pipe(Options.withDescription("Activity quantity (> 0)")),
    unit: Options.text("unit").pipe(Options.withDescription("Its unit: kWh, MWh, km, mi, l, gal, kg, t, …")),
    factor: Options.float("factor").pipe(Options.withDescription("Emission factor, kg CO₂e per --factor-unit")),
    factorUnit: Options.text("factor-unit").pipe(Options.withDescription("The factor's unit (same dimension)")),
    source: Options.text("source").pipe(Options.withDescription("The factor's source (DEFRA 2024, …)")),
    from: Options.text("from").pipe(Options.withDescription("Period start, YYYY-MM-DD")),
    to: Options.text("to").pipe(Options.withDescription("Period end, YYYY-MM-DD")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const created = yield* A.createFootprint({
          target_type: o.targetType,
          target_id: o.targetId,
          scope: Number(o.scope) as 1 | 2 | 3,
          category: o.category,
          quantity: o.quantity,
          unit: o.unit,
          factor_kg_per_unit: o.factor,
          factor_unit: o.factorUnit,
          factor_source: o.source,
          period_start: o.from,
          period_end: o.to
        }).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(created), null, 2))
        yield* table([row(created)], [...COLUMNS])
      })
    )
).pipe(Command.withDescription("Record a carbon footprint on a target; kg CO₂e is computed from the converted units."))

const list = Command.make("list", { tenant: tenantOpt, targetType, targetId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const page = yield* A.listFootprints({ target_type: o.targetType, target_id: o.targetId }, { limit: 100 }).pipe(
        read
      )
      if (o.json) return yield* Console.log(JSON.stringify(plain(page.items), null, 2))
      yield* table(page.items.map(row), [...COLUMNS])
    }),
    true
  )
).pipe(Command.withDescription("A target's carbon footprints, newest first (the first 100)."))

const totals = Command.make(
  "totals",
  {
    tenant: tenantOpt,
    targetType: targetType.pipe(Options.optional),
    targetId: targetId.pipe(Options.optional),
    from: Options.text("from").pipe(
      Options.withDescription("Periods starting on or after (YYYY-MM-DD)"),
      Options.optional
    ),
    to: Options.text("to").pipe(Options.withDescription("Periods ending on or before (YYYY-MM-DD)"), Options.optional),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const t = yield* A.carbonTotals({
          ...Option.match(o.targetType, { onNone: () => ({}), onSome: (v) => ({ target_type: v }) }),
          ...Option.match(o.targetId, { onNone: () => ({}), onSome: (v) => ({ target_id: v }) }),
          ...Option.match(o.from, { onNone: () => ({}), onSome: (v) => ({ from: v }) }),
          ...Option.match(o.to, { onNone: () => ({}), onSome: (v) => ({ to: v }) })
        }).pipe(read)
        if (o.json) return yield* Console.log(JSON.stringify(plain(t), null, 2))
        yield* table(
          t.groups.map((g) => ({
            scope: String(g.scope),
            category: g.category,
            footprints: String(g.count),
            co2e_kg: String(g.co2e_kg)
          })),
          ["scope", "category", "footprints", "co2e_kg"]
        )
        yield* Console.log(`total: ${t.total_kg} kg CO₂e`)
      }),
      true
    )
).pipe(Command.withDescription("kg CO₂e by scope and category of a target (or the whole tenant), by period."))

/** `signet carbon`: add, list, totals. */
export const carbon = Command.make("carbon").pipe(
  Command.withDescription("A tenant's carbon footprints (docs/activities.md)."),
  Command.withSubcommands([add, list, totals])
)
