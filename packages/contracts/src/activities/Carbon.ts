/**
 * Carbon footprints contract (issue 22 "Carbon footprints"; seed 001
 * "Extended Tables" `carbon_footprints`): an activity quantity on a target
 * (`(target_type, target_id)`, as every activity) over a period, an
 * emission factor in kg CO₂e per unit with its source, the GHG Protocol
 * scope (1, 2 or 3) and a category; the server computes `co2e_kg` by
 * converting the quantity into the factor's unit (a library does the
 * units, never hand-written ratios). Totals per target or per tenant,
 * grouped by scope and category, optionally within a date range.
 *
 * Units: energy (`Wh`, `kWh`, `MWh`, `GWh`, `J`, `kJ`), distance (`m`,
 * `km`, `mi`, `ft`, …), volume (`l`, `m3`, `gal`, …) and mass (`g`, `kg`,
 * `t` = metric tonne, `lb`, …). A unit outside those, or a factor unit of
 * another dimension than the quantity's (kWh vs km), answers
 * {@link UnitConversionError} (400) and writes nothing.
 *
 * Permissions: `carbon:read` (lists, totals), `carbon:write` (create,
 * change, delete, restore); changing someone else's footprint also needs
 * `activities:admin`. Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { Conflict, Forbidden, ValidationError } from "../kernel/Errors.js"
import { UserAuth } from "../kernel/Security.js"
import { ActivityNotFound, ActivityPage, Target, TargetIdString, TargetNotFound, TargetType } from "./Domain.js"

/** Branded carbon footprint id (UUIDv7). */
export const FootprintId = Schema.UUID.pipe(
  Schema.brand("FootprintId"),
  Schema.annotations({ identifier: "FootprintId" })
)
/** @see FootprintId */
export type FootprintId = typeof FootprintId.Type

/** Characters of a factor source at most (`DEFRA 2024`, a URL, …). */
export const MAX_FACTOR_SOURCE_CHARS = 300
/** Live footprints per target at most. */
export const MAX_FOOTPRINTS_PER_TARGET = 10_000

/** GHG Protocol scope: 1 direct, 2 purchased energy, 3 value chain. */
export const CarbonScope = Schema.Literal(1, 2, 3).annotations({ identifier: "CarbonScope" })
/** @see CarbonScope */
export type CarbonScope = typeof CarbonScope.Type

/** A footprint category: 1–40 lowercase letters, digits, `_` or `-`, starting with a letter (`transport`, `energy`). */
export const CarbonCategory = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9_-]{0,39}$/, {
    message: () => "must be 1–40 lowercase letters, digits, _ or -, starting with a letter (transport, energy)"
  }),
  Schema.annotations({ identifier: "CarbonCategory", examples: ["transport", "energy", "heating", "waste"] })
)

/** A unit symbol as written by the caller (`kWh`, `km`, `l`, `t`); checked against the unit library by the server. */
export const UnitSymbol = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9/-]{1,16}$/, { message: () => "must be a unit symbol such as kWh, km, l or t" }),
  Schema.annotations({ identifier: "UnitSymbol", examples: ["kWh", "km", "l", "t"] })
)

/** A calendar date `YYYY-MM-DD` (a real day of the Gregorian calendar). */
export const IsoDate = Schema.String.pipe(
  Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "must be a date YYYY-MM-DD" }),
  Schema.filter((s) => {
    const d = new Date(`${s}T00:00:00Z`)
    return (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s) || "must be a real calendar date"
  }),
  Schema.annotations({ identifier: "IsoDate", examples: ["2026-01-01"] })
)

const Quantity = Schema.Number.pipe(
  Schema.finite(),
  Schema.greaterThan(0, { message: () => "must be a number > 0" }),
  Schema.lessThanOrEqualTo(1e12)
)
const Factor = Schema.Number.pipe(
  Schema.finite(),
  Schema.greaterThanOrEqualTo(0, { message: () => "must be a number ≥ 0 (kg CO₂e per unit)" }),
  Schema.lessThanOrEqualTo(1e9)
)
const Source = Schema.Trim.pipe(
  Schema.minLength(1, { message: () => "must not be blank" }),
  Schema.maxLength(MAX_FACTOR_SOURCE_CHARS)
)

/**
 * A carbon footprint: `quantity` `unit` of activity over
 * [`period_start`, `period_end`] (dates, inclusive), the emission factor
 * `factor_kg_per_unit` kg CO₂e per `factor_unit` from `factor_source`, and
 * `co2e_kg` = quantity converted into `factor_unit` × factor (kg CO₂e).
 */
export class CarbonFootprint extends Schema.Class<CarbonFootprint>("CarbonFootprint")({
  id: FootprintId,
  target_type: Schema.String,
  target_id: Schema.String,
  /** The writer (a user id, or the actor kind for API keys and the system). */
  author_id: Schema.String,
  scope: CarbonScope,
  category: Schema.String,
  quantity: Schema.Number,
  unit: Schema.String,
  factor_kg_per_unit: Schema.Number,
  factor_unit: Schema.String,
  factor_source: Schema.String,
  period_start: Schema.String,
  period_end: Schema.String,
  /** kg CO₂e, computed by the server. */
  co2e_kg: Schema.Number,
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** Body of a footprint's creation; `co2e_kg` is computed, never given. */
export class CreateFootprint extends Schema.Class<CreateFootprint>("CreateFootprint")({
  ...Target.fields,
  scope: CarbonScope,
  category: CarbonCategory,
  quantity: Quantity,
  unit: UnitSymbol,
  factor_kg_per_unit: Factor,
  factor_unit: UnitSymbol,
  factor_source: Source,
  period_start: IsoDate,
  period_end: IsoDate
}) {}

/** Changes to a footprint (absent fields keep their value); `co2e_kg` is computed again. */
export class UpdateFootprint extends Schema.Class<UpdateFootprint>("UpdateFootprint")({
  scope: Schema.optional(CarbonScope),
  category: Schema.optional(CarbonCategory),
  quantity: Schema.optional(Quantity),
  unit: Schema.optional(UnitSymbol),
  factor_kg_per_unit: Schema.optional(Factor),
  factor_unit: Schema.optional(UnitSymbol),
  factor_source: Schema.optional(Source),
  period_start: Schema.optional(IsoDate),
  period_end: Schema.optional(IsoDate)
}) {}

/** A page of footprints, newest first. */
export const FootprintPage = ActivityPage(CarbonFootprint).annotations({ identifier: "FootprintPage" })

/**
 * Query of the totals: one target (both fields) or the whole tenant (none);
 * `from`/`to` keep the footprints whose period lies within [from, to].
 */
export const CarbonTotalsQuery = Schema.Struct({
  target_type: Schema.optional(TargetType),
  target_id: Schema.optional(TargetIdString),
  from: Schema.optional(IsoDate),
  to: Schema.optional(IsoDate)
})
/** @see CarbonTotalsQuery */
export type CarbonTotalsQuery = typeof CarbonTotalsQuery.Type

/** One group of the totals: kg CO₂e and number of footprints of a scope and category. */
export class CarbonTotal extends Schema.Class<CarbonTotal>("CarbonTotal")({
  scope: CarbonScope,
  category: Schema.String,
  co2e_kg: Schema.Number,
  count: Schema.Number
}) {}

/** Totals of live footprints (kg CO₂e): overall, per scope, and per scope and category. */
export class CarbonTotals extends Schema.Class<CarbonTotals>("CarbonTotals")({
  /** The target, or null for the tenant's totals. */
  target: Schema.NullOr(Target),
  from: Schema.NullOr(Schema.String),
  to: Schema.NullOr(Schema.String),
  total_kg: Schema.Number,
  by_scope: Schema.Struct({ "1": Schema.Number, "2": Schema.Number, "3": Schema.Number }),
  groups: Schema.Array(CarbonTotal)
}) {}

/**
 * 400 — a unit the server does not know, or a factor unit of another
 * dimension than the activity unit (kWh vs km). Nothing is written.
 */
export class UnitConversionError extends Schema.TaggedError<UnitConversionError>()(
  "UnitConversionError",
  {
    message: Schema.String,
    reason: Schema.Literal("unknown_unit", "incompatible_units"),
    unit: Schema.String,
    factor_unit: Schema.String
  },
  HttpApiSchema.annotations({ status: 400, description: "Unknown or incompatible units" })
) {}

const slug = HttpApiSchema.param("slug", Schema.String)
const id = HttpApiSchema.param("id", Schema.String)

/** Query of a per-target footprint list: the target and paging. */
export const FootprintListQuery = Schema.Struct({
  target_type: TargetType,
  target_id: TargetIdString,
  cursor: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100)))
})

/**
 * `carbon` group under `/api/v1/tenants/{slug}/activities/carbon/…`
 * (`carbon:read` / `carbon:write`). Restore goes through the activities
 * group's `POST …/activities/footprints/{id}/restore` (`carbon:write`).
 */
export class CarbonApi extends HttpApiGroup.make("carbon")
  .add(
    HttpApiEndpoint.post("createFootprint")`/api/v1/tenants/${slug}/activities/carbon/footprints`
      .setPayload(CreateFootprint)
      .addSuccess(CarbonFootprint, { status: 201 })
      .annotate(OpenApi.Summary, "Record a footprint on a target; co2e_kg computed from the converted quantity")
  )
  .add(
    HttpApiEndpoint.get("listFootprints")`/api/v1/tenants/${slug}/activities/carbon/footprints`
      .setUrlParams(FootprintListQuery)
      .addSuccess(FootprintPage)
  )
  .add(
    HttpApiEndpoint.get("carbonTotals")`/api/v1/tenants/${slug}/activities/carbon/totals`
      .setUrlParams(CarbonTotalsQuery)
      .addSuccess(CarbonTotals)
      .annotate(OpenApi.Summary, "kg CO₂e per scope and category of a target (or the tenant), optionally in [from, to]")
  )
  .add(
    HttpApiEndpoint.get("getFootprint")`/api/v1/tenants/${slug}/activities/carbon/footprints/${id}`.addSuccess(
      CarbonFootprint
    )
  )
  .add(
    HttpApiEndpoint.patch("updateFootprint")`/api/v1/tenants/${slug}/activities/carbon/footprints/${id}`
      .setPayload(UpdateFootprint)
      .addSuccess(CarbonFootprint)
  )
  .add(
    HttpApiEndpoint.del("deleteFootprint")`/api/v1/tenants/${slug}/activities/carbon/footprints/${id}`.addSuccess(
      HttpApiSchema.NoContent
    )
  )
  .addError(ActivityNotFound)
  .addError(TargetNotFound)
  .addError(ValidationError)
  .addError(UnitConversionError)
  .addError(Forbidden)
  .middleware(UserAuth)
  .annotate(OpenApi.Title, "Carbon footprints")
  .annotate(
    OpenApi.Description,
    "Carbon footprints of any entity (kg CO₂e) and their totals per scope and category."
  ) {}

const Errors = Schema.Union(ActivityNotFound, TargetNotFound, Forbidden, ValidationError, UnitConversionError, Conflict)
const ById = { id: Schema.String }

/** Carbon reads (`carbon:read`); same semantics and errors as the REST twins. */
export class CarbonQuery extends RpcGroup.make(
  Rpc.make("ListFootprints", { payload: FootprintListQuery, success: FootprintPage, error: Errors }),
  Rpc.make("GetFootprint", { payload: ById, success: CarbonFootprint, error: Errors }),
  Rpc.make("GetCarbonTotals", { payload: CarbonTotalsQuery, success: CarbonTotals, error: Errors })
).middleware(RpcTenantAuth) {}

/** Carbon changes (`carbon:write`); same semantics and errors as the REST twins. */
export class CarbonCommand extends RpcGroup.make(
  Rpc.make("CreateFootprint", { payload: CreateFootprint, success: CarbonFootprint, error: Errors }),
  Rpc.make("UpdateFootprint", {
    payload: { id: Schema.String, patch: UpdateFootprint },
    success: CarbonFootprint,
    error: Errors
  }),
  Rpc.make("DeleteFootprint", { payload: ById, error: Errors })
).middleware(RpcTenantAuth) {}
