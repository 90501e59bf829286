/**
 * The plan form's state and its translation to the API's body (issue 20
 * "Catalogue"): what the operator types — amounts in major units, usage
 * charges and entitlements as rows — becomes a `CreatePlan` or
 * `PlanVersionInput` in integer minor units, checked with the contracts'
 * own schema before it is sent (its messages are the server's); what only
 * the server knows (a taken code, an unknown meter) comes back as its
 * problem+json. Field paths are the server's: `fixed_amount`,
 * `charges[0].meter`, `charges[0].price.tiers[1].unit_amount`.
 *
 * @module
 */
import { CreatePlan, type Plan, PlanVersionInput, type Price } from "@signet/contracts/billing/Domain"
import { Either, ParseResult, Schema } from "effect"
import { type MoneyProblem, toMajorText, toMinor } from "../../app/money.js"

/** A usage price model. */
export type PriceModel = Price["_tag"]

/** The price models, in the order the form offers them. */
export const PRICE_MODELS: ReadonlyArray<PriceModel> = ["per_unit", "graduated", "volume", "package"]

/** One tier row: `upTo` empty on the last tier (no upper bound); amounts in major units. */
export interface TierDraft {
  readonly upTo: string
  readonly unit: string
  readonly flat: string
}

/** One usage-charge row. `key` only identifies the row on screen. */
export interface ChargeDraft {
  readonly key: number
  readonly meter: string
  readonly model: PriceModel
  /** Per unit: the unit price (major units). */
  readonly unit: string
  readonly packageSize: string
  readonly packageAmount: string
  readonly tiers: ReadonlyArray<TierDraft>
}

/** One entitlement row: a feature flag (on/off) or a numeric limit (hard or soft). */
export interface EntitlementDraft {
  readonly key: number
  readonly kind: "feature" | "limit"
  readonly name: string
  readonly on: boolean
  readonly value: string
  readonly soft: boolean
}

/** The whole form. */
export interface PlanDraft {
  readonly code: string
  readonly name: string
  readonly interval: "month" | "year"
  readonly currency: string
  readonly fixed: string
  readonly charges: ReadonlyArray<ChargeDraft>
  readonly entitlements: ReadonlyArray<EntitlementDraft>
  /** The plan code of the downgrade policy; empty for `cancel` (docs/billing.md "Downgrade policy"). */
  readonly downgradeTo: string
}

/** A problem with one field (`field` is the server's path; `form` for the whole form). */
export interface FieldProblem {
  readonly field: string
  readonly message: string
}

let rowKeys = 0
/** A fresh row key. */
export const nextKey = () => ++rowKeys

/** An empty tier row. */
export const emptyTier = (): TierDraft => ({ upTo: "", unit: "", flat: "" })

/** A new usage-charge row on `meter`. */
export const emptyCharge = (meter = ""): ChargeDraft => ({
  key: nextKey(),
  meter,
  model: "per_unit",
  unit: "",
  packageSize: "",
  packageAmount: "",
  tiers: [emptyTier(), emptyTier()]
})

/** A new entitlement row. */
export const emptyEntitlement = (): EntitlementDraft => ({
  key: nextKey(),
  kind: "limit",
  name: "",
  on: true,
  value: "",
  soft: false
})

/** An empty form (monthly, EUR). */
export const emptyDraft = (): PlanDraft => ({
  code: "",
  name: "",
  interval: "month",
  currency: "EUR",
  fixed: "",
  charges: [],
  entitlements: [],
  downgradeTo: ""
})

/** The price fields of a charge's draft (its `key` and `meter` are set by the caller, after these). */
const priceDraft = (price: Price, currency: string): ChargeDraft => {
  const base = emptyCharge()
  switch (price._tag) {
    case "per_unit":
      return { ...base, model: "per_unit", unit: toMajorText(price.unit_amount, currency) }
    case "package":
      return {
        ...base,
        model: "package",
        packageSize: String(price.package_size),
        packageAmount: toMajorText(price.package_amount, currency)
      }
    default:
      return {
        ...base,
        model: price._tag,
        tiers: price.tiers.map((t) => ({
          upTo: t.up_to === null ? "" : String(t.up_to),
          unit: toMajorText(t.unit_amount, currency),
          flat: t.flat_amount ? toMajorText(t.flat_amount, currency) : ""
        }))
      }
  }
}

/** A version of a plan as the form (to publish the next version from it). */
export const draftOf = (plan: Plan): PlanDraft => ({
  code: plan.code,
  name: plan.name,
  interval: plan.interval,
  currency: plan.currency,
  fixed: toMajorText(plan.fixed_amount, plan.currency),
  charges: plan.charges.map((c) => ({ ...priceDraft(c.price, plan.currency), key: nextKey(), meter: c.meter })),
  entitlements: [
    ...Object.entries(plan.entitlements.features).map(([name, on]) => ({
      ...emptyEntitlement(),
      kind: "feature" as const,
      name,
      on
    })),
    ...Object.entries(plan.entitlements.limits).map(([name, value]) => ({
      ...emptyEntitlement(),
      name,
      value: String(value),
      soft: plan.entitlements.soft_limits.includes(name)
    }))
  ],
  downgradeTo: plan.downgrade_policy === "downgrade" ? (plan.downgrade_to ?? "") : ""
})

/** Translates a money problem (`t` of the `platform` namespace). */
type T = (key: string, values?: Record<string, unknown>) => string

/** Builds the encoded body from the draft, collecting the money and integer fields it cannot read. */
const bodyOf = (draft: PlanDraft, t: T, problems: Array<FieldProblem>) => {
  const currency = draft.currency.trim().toUpperCase()
  const money = (text: string, field: string, empty?: number): number => {
    if (text.trim() === "" && empty !== undefined) return empty
    const m: number | MoneyProblem = toMinor(text, currency)
    if (typeof m === "number") return m
    problems.push({ field, message: t(m.key, { decimals: m.decimals }) })
    return 0
  }
  const int = (text: string, field: string): number | null => {
    if (text.trim() === "") return null
    if (/^\d+$/.test(text.trim())) return Number(text.trim())
    problems.push({ field, message: t("form.wholeNumber") })
    return 0
  }
  const priceOf = (c: ChargeDraft, i: number) => {
    const at = `charges[${i}].price`
    if (c.model === "per_unit") return { _tag: "per_unit", unit_amount: money(c.unit, `${at}.unit_amount`) }
    if (c.model === "package")
      return {
        _tag: "package",
        package_size: int(c.packageSize, `${at}.package_size`) ?? 0,
        package_amount: money(c.packageAmount, `${at}.package_amount`)
      }
    return {
      _tag: c.model,
      tiers: c.tiers.map((tier, j) => ({
        up_to: int(tier.upTo, `${at}.tiers[${j}].up_to`),
        unit_amount: money(tier.unit, `${at}.tiers[${j}].unit_amount`),
        flat_amount: money(tier.flat, `${at}.tiers[${j}].flat_amount`, 0)
      }))
    }
  }
  const features: Record<string, boolean> = {}
  const limits: Record<string, number> = {}
  const soft: Array<string> = []
  draft.entitlements.forEach((e, i) => {
    const name = e.name.trim()
    if (name in features || name in limits)
      problems.push({ field: `entitlements[${i}]`, message: t("form.duplicateKey", { key: name }) })
    if (e.kind === "feature") features[name] = e.on
    else {
      limits[name] = int(e.value, `entitlements[${i}].value`) ?? -1
      if (e.soft) soft.push(name)
    }
  })
  return {
    name: draft.name.trim(),
    interval: draft.interval,
    currency,
    fixed_amount: money(draft.fixed, "fixed_amount"),
    charges: draft.charges.map((c, i) => ({ meter: c.meter, price: priceOf(c, i) })),
    entitlements: { features, limits, soft_limits: soft },
    ...(draft.downgradeTo.trim() === ""
      ? { downgrade_policy: "cancel", downgrade_to: null }
      : { downgrade_policy: "downgrade", downgrade_to: draft.downgradeTo.trim() })
  }
}

/** A schema failure as field problems, with the server's path notation (`charges[0].meter`; `form` for the whole body). */
export const problemsOf = (error: ParseResult.ParseError): Array<FieldProblem> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
    field:
      i.path.length === 0
        ? "form"
        : i.path.map((p, n) => (typeof p === "number" ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`)).join(""),
    message: i.message
  }))

/** The draft as a new plan's body, or the problems that keep it from being one. */
export const toCreatePlan = (draft: PlanDraft, t: T): Either.Either<CreatePlan, Array<FieldProblem>> => {
  const problems: Array<FieldProblem> = []
  const body = { code: draft.code.trim(), ...bodyOf(draft, t, problems) }
  if (problems.length > 0) return Either.left(problems)
  return Either.mapLeft(Schema.decodeUnknownEither(CreatePlan, { errors: "all" })(body), problemsOf)
}

/** The draft as a plan's next version, or the problems that keep it from being one. */
export const toPlanVersion = (draft: PlanDraft, t: T): Either.Either<PlanVersionInput, Array<FieldProblem>> => {
  const problems: Array<FieldProblem> = []
  const body = bodyOf(draft, t, problems)
  if (problems.length > 0) return Either.left(problems)
  return Either.mapLeft(Schema.decodeUnknownEither(PlanVersionInput, { errors: "all" })(body), problemsOf)
}
