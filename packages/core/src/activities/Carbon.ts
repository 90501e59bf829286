/**
 * Carbon footprints on a target (issue 22 "Carbon footprints"; seed 001
 * `carbon_footprints`): scope, category, activity quantity and unit,
 * emission factor (kg CO₂e per unit) with its source, period, and the
 * computed `co2e_kg`; totals per target and per tenant by scope and
 * category. Internal to `Activities.ts`.
 *
 * - **kg CO₂e**: the quantity converted into the factor's unit by the unit
 *   library (`CarbonUnits.ts`) times the factor; computed on create and on
 *   every update, never taken from the caller. Unknown or incompatible
 *   units answer `UnitConversionError` (400) before any write.
 * - **Period**: dates, `period_end ≥ period_start` (else 400).
 * - **Rights**: reading needs the target visible (`Targets.ts`); changing
 *   or deleting needs to be the author or to hold `activities:admin` (as
 *   every activity); the facade adds `carbon:read` / `carbon:write`.
 * - **Tenant totals** sum every live footprint of the tenant (a figure, no
 *   row is shown), so they need `carbon:read` only; target totals need the
 *   target visible.
 * - Every change writes one audit row (before/after) and one event
 *   `signet.activities.footprint.created|updated|deleted` in its transaction.
 *
 * @module
 */
import {
  CarbonTotal,
  CarbonTotals,
  CarbonTotalsQuery,
  CreateFootprint,
  FootprintId,
  MAX_FOOTPRINTS_PER_TARGET,
  UpdateFootprint
} from "@signet/contracts/activities/Carbon"
import type { ActivityPaging, Target } from "@signet/contracts/activities/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, ParseResult, Schema } from "effect"
import type { FootprintFields } from "./CarbonRepo.js"
import { co2eKg } from "./CarbonUnits.js"
import {
  type ActivityDeps,
  actorRef,
  type CheckTarget,
  changeRecorder,
  paging,
  requireAuthorOrAdmin,
  toPage,
  visibleFinder
} from "./Kit.js"

/**
 * Decodes `input` with `schema` again inside core (an in-process embedder
 * or the CLI may pass values no transport decoded): the first issue as a
 * 400 on its field.
 * @errors ValidationError
 */
const validate = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Schema.decodeUnknown(schema)(input).pipe(
    Effect.mapError((e) => {
      const issue = ParseResult.ArrayFormatter.formatErrorSync(e)[0]
      return ValidationError.field(issue?.path.join(".") || "body", issue?.message ?? "is invalid")
    })
  )

/** Checks a period: end on or after start. @errors ValidationError (period_end) */
const checkPeriod = (start: string, end: string) =>
  end >= start ? Effect.void : ValidationError.field("period_end", "must be on or after period_start")

/**
 * The fields to write with their kg CO₂e computed.
 * @errors ValidationError (period_end), UnitConversionError
 */
const withCo2e = (f: Omit<FootprintFields, "co2e_kg">) =>
  Effect.gen(function* () {
    yield* checkPeriod(f.period_start, f.period_end)
    const co2e_kg = yield* co2eKg(f.quantity, f.unit, f.factor_kg_per_unit, f.factor_unit)
    return { ...f, co2e_kg } satisfies FootprintFields
  })

/** Rounds a sum of kg to the gram (sums of binary floats drift). */
const grams = (kg: number) => Math.round(kg * 1000) / 1000

/** The carbon footprint operations over `deps`; `check` is the target check of `Targets.ts`. */
export const makeCarbon = ({ access, audit, events, inTx, repo }: ActivityDeps, check: CheckTarget) => {
  /** A live footprint whose target the caller can see. @errors ActivityNotFound */
  const findVisible = visibleFinder(inTx, check, "footprint", Schema.is(FootprintId), repo.findFootprint)

  const changed = changeRecorder({ audit, events }, "footprint")

  /**
   * Records a footprint on a visible target.
   * @errors TargetNotFound, UnitConversionError, ValidationError (period_end, `MAX_FOOTPRINTS_PER_TARGET`)
   */
  const create = (raw: CreateFootprint) =>
    Effect.gen(function* () {
      const input = yield* validate(CreateFootprint, raw)
      const target = { target_type: input.target_type, target_id: input.target_id }
      yield* check(target)
      const fields = yield* withCo2e({
        scope: input.scope,
        category: input.category,
        quantity: input.quantity,
        unit: input.unit,
        factor_kg_per_unit: input.factor_kg_per_unit,
        factor_unit: input.factor_unit,
        factor_source: input.factor_source,
        period_start: input.period_start,
        period_end: input.period_end
      })
      const author = yield* actorRef
      return yield* inTx(
        Effect.gen(function* () {
          if ((yield* repo.countFootprints(target)) >= MAX_FOOTPRINTS_PER_TARGET)
            return yield* ValidationError.field(
              "target_id",
              `a target has at most ${MAX_FOOTPRINTS_PER_TARGET} footprints`
            )
          const id = yield* newId(FootprintId)
          yield* repo.insertFootprint(id, target, author, fields, yield* DateTime.now)
          const row = Option.getOrThrow(yield* repo.findFootprint(id))
          yield* changed("created", row)
          return row
        })
      )
    }).pipe(Effect.withSpan("Activities.createFootprint"))

  /** One footprint. @errors ActivityNotFound (also when its target is not visible) */
  const get = (id: string) => findVisible(id)

  /** A visible target's footprints, newest first. @errors TargetNotFound, ValidationError (cursor, limit) */
  const list = (target: Target, page: ActivityPaging) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(page)
      yield* check(target)
      return toPage(yield* inTx(repo.listFootprints(target, after, limit + 1)), limit)
    })

  /**
   * Changes a footprint (its author or `activities:admin`); kg CO₂e is computed again.
   * @errors ActivityNotFound, Forbidden, UnitConversionError, ValidationError (period_end)
   */
  const update = (id: string, raw: UpdateFootprint) =>
    Effect.gen(function* () {
      const patch = yield* validate(UpdateFootprint, raw)
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      const fields = yield* withCo2e({
        scope: patch.scope ?? row.scope,
        category: patch.category ?? row.category,
        quantity: patch.quantity ?? row.quantity,
        unit: patch.unit ?? row.unit,
        factor_kg_per_unit: patch.factor_kg_per_unit ?? row.factor_kg_per_unit,
        factor_unit: patch.factor_unit ?? row.factor_unit,
        factor_source: patch.factor_source ?? row.factor_source,
        period_start: patch.period_start ?? row.period_start,
        period_end: patch.period_end ?? row.period_end
      })
      return yield* inTx(
        Effect.gen(function* () {
          yield* repo.updateFootprint(row.id, fields, yield* DateTime.now)
          const after = Option.getOrThrow(yield* repo.findFootprint(row.id))
          yield* changed("updated", after, row)
          return after
        })
      )
    }).pipe(Effect.withSpan("Activities.updateFootprint"))

  /** Soft-deletes a footprint (its author or `activities:admin`). @errors ActivityNotFound, Forbidden */
  const remove = (id: string) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      yield* inTx(
        Effect.gen(function* () {
          yield* repo.deleteFootprint(row.id, yield* DateTime.now)
          yield* changed("deleted", row)
        })
      )
    }).pipe(Effect.withSpan("Activities.deleteFootprint"))

  /**
   * kg CO₂e of live footprints by scope and category: of one visible target
   * (`target_type` and `target_id` both given) or of the tenant (neither),
   * keeping periods within [`from`, `to`] when given.
   * @errors TargetNotFound, ValidationError (target_type/target_id alone, to before from)
   */
  const totals = (raw: CarbonTotalsQuery) =>
    Effect.gen(function* () {
      const query = yield* validate(CarbonTotalsQuery, raw)
      if ((query.target_type === undefined) !== (query.target_id === undefined))
        return yield* ValidationError.field("target_id", "give target_type and target_id together, or neither")
      const target =
        query.target_type !== undefined && query.target_id !== undefined
          ? { target_type: query.target_type, target_id: query.target_id }
          : null
      const from = query.from ?? null
      const to = query.to ?? null
      if (from !== null && to !== null && to < from)
        return yield* ValidationError.field("to", "must be on or after from")
      if (target !== null) yield* check(target)
      const rows = yield* inTx(repo.footprintTotals({ target, from, to }))
      const by_scope = { "1": 0, "2": 0, "3": 0 }
      for (const r of rows) by_scope[`${r.scope}`] += r.kg
      return new CarbonTotals({
        target,
        from,
        to,
        total_kg: grams(rows.reduce((s, r) => s + r.kg, 0)),
        by_scope: { "1": grams(by_scope["1"]), "2": grams(by_scope["2"]), "3": grams(by_scope["3"]) },
        groups: rows.map(
          (r) => new CarbonTotal({ scope: r.scope, category: r.category, co2e_kg: grams(r.kg), count: r.n })
        )
      })
    }).pipe(Effect.withSpan("Activities.carbonTotals"))

  return { create, get, list, update, remove, totals } as const
}
