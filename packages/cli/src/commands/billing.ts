/**
 * `signet plan …`, `signet subscription …` and `signet usage …` — billing
 * (issue 20, docs/billing.md) on the local database through the same core
 * operations as REST (`BillingPlatform`, `BillingAdmin`), as the system
 * actor: the platform's plan catalogue (list, show, create and edit from a
 * JSON file), a tenant's subscription (show, create, change, cancel,
 * reactivate, a Stripe Customer Portal link with `portal`) and what its
 * plan allows with its usage (`usage`). Core's
 * rules apply as over HTTP: a downgrade below what the tenant holds is
 * refused with the numbers.
 *
 * @module
 */
import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import {
  BillingAdmin as B,
  ChangePlan,
  CreatePlan,
  CreateSubscription,
  type EntitlementStatus,
  BillingPlatform as P,
  type Plan,
  PlanVersionInput,
  policyUse,
  type Subscription
} from "@signet/core"
import { Console, DateTime, Effect, Option, Schema } from "effect"
import { plain, table } from "../Output.js"
import { local, localRead } from "../Runtime.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const codeArg = Args.text({ name: "code" }).pipe(Args.withDescription("The plan's code, e.g. pro"))
const fileOpt = Options.file("file", { exists: "yes" }).pipe(
  Options.withDescription('A JSON file with the plan (docs/billing.md "Plans")')
)

const policyOpt = Options.choice("downgrade-policy", ["cancel", "downgrade"]).pipe(
  Options.withDescription("What a subscription still past due after the grace period gets (overrides the file)"),
  Options.optional
)
const downgradeToOpt = Options.text("downgrade-to").pipe(
  Options.withDescription("The plan code the downgrade policy moves to (same currency and interval)"),
  Options.optional
)

/** The downgrade options given on the command line, as plan fields (overriding the file's). */
const downgradeFields = (o: {
  readonly policy: Option.Option<"cancel" | "downgrade">
  readonly to: Option.Option<string>
}): Record<string, unknown> => ({
  ...Option.match(o.policy, { onNone: () => ({}), onSome: (v) => ({ downgrade_policy: v }) }),
  ...Option.match(o.to, { onNone: () => ({}), onSome: (v) => ({ downgrade_to: v }) })
})

const read = policyUse("billing:read")
const write = policyUse("billing:write")

/** Decodes `file` as `schema`, failing with one line naming the first problem. */
const fromFile = <A, I>(schema: Schema.Schema<A, I>, file: string, extra: Record<string, unknown> = {}) =>
  Effect.try({
    try: () => JSON.parse(Fs.readFileSync(file, "utf8")) as Record<string, unknown>,
    catch: (e) => new Error(`${file}: not JSON (${(e as Error).message})`)
  }).pipe(
    Effect.flatMap((body) =>
      Schema.decodeUnknown(schema)({ ...body, ...extra }).pipe(
        Effect.mapError((e) => new Error(`${file}: ${e.message.split("\n").slice(-1)[0]?.trim()}`))
      )
    )
  )

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`

const planLine = (p: Plan) => ({
  code: p.code,
  version: String(p.version),
  name: p.name,
  price: `${money(p.fixed_amount, p.currency)}/${p.interval}`,
  limits: Object.entries(p.entitlements.limits)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ")
})

const listPlans = Command.make("list", { json }, (o) =>
  localRead(
    Effect.gen(function* () {
      const plans = yield* P.listPlans()
      if (o.json) return yield* Console.log(JSON.stringify(plain(plans), null, 2))
      yield* table(plans.map(planLine), ["code", "version", "name", "price", "limits"])
    })
  )
).pipe(Command.withDescription("List the plan catalogue (latest version of each plan)."))

const showPlan = Command.make("show", { code: codeArg }, (o) =>
  localRead(Effect.flatMap(P.getPlan(o.code), (p) => Console.log(JSON.stringify(plain(p), null, 2))))
).pipe(Command.withDescription("Print a plan's latest version as JSON."))

const createPlan = Command.make("create", { file: fileOpt, policy: policyOpt, to: downgradeToOpt }, (o) =>
  local(
    Effect.gen(function* () {
      const plan = yield* P.createPlan(yield* fromFile(CreatePlan, o.file, downgradeFields(o)))
      yield* Console.log(`created ${plan.code} version ${plan.version}`)
    })
  )
).pipe(
  Command.withDescription(
    'Create a plan from a JSON file.\nExample file:\n  {"code":"pro","name":"Pro","interval":"month","currency":"EUR","fixed_amount":4900,\n   "entitlements":{"features":{},"limits":{"users.max":500,"beacons.max":20}}}\n' +
      "--downgrade-policy downgrade --downgrade-to free: past due beyond the grace period, move to plan free (default: cancel)."
  )
)

const updatePlan = Command.make(
  "update",
  { code: codeArg, file: fileOpt, policy: policyOpt, to: downgradeToOpt },
  (o) =>
    local(
      Effect.gen(function* () {
        const plan = yield* P.updatePlan(o.code, yield* fromFile(PlanVersionInput, o.file, downgradeFields(o)))
        yield* Console.log(`stored ${plan.code} version ${plan.version} (subscriptions keep theirs)`)
      })
    )
).pipe(Command.withDescription("Store the next version of a plan from a JSON file (the whole plan, without its code)."))

/** `signet plan`: list, show, create, update. */
export const plan = Command.make("plan").pipe(
  Command.withDescription("The platform's plan catalogue (docs/billing.md)."),
  Command.withSubcommands([listPlans, showPlan, createPlan, updatePlan])
)

const subscriptionLine = (s: Subscription) =>
  [
    `${s.plan.code} version ${s.plan.version}: ${s.status}`,
    `period ${DateTime.formatIso(s.current_period_start)} → ${DateTime.formatIso(s.current_period_end)}`,
    ...(s.scheduled_plan ? [`then ${s.scheduled_plan.code} at the period's end`] : []),
    ...(s.cancel_at_period_end ? ["cancels at the period's end"] : [])
  ].join("\n")

const printSubscription = (s: Subscription, asJson: boolean) =>
  Console.log(asJson ? JSON.stringify(plain(s), null, 2) : subscriptionLine(s))

const showSubscription = Command.make("show", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(B.getSubscription().pipe(read), (s) => printSubscription(s, o.json)),
    true
  )
).pipe(Command.withDescription("The tenant's live subscription."))

const subscribe = Command.make(
  "create",
  {
    tenant: tenantOpt,
    plan: Options.text("plan").pipe(Options.withDescription("The plan's code")),
    trialDays: Options.integer("trial-days").pipe(Options.optional, Options.withDescription("A trial first (days)")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* Schema.decodeUnknown(CreateSubscription)({
          plan_code: o.plan,
          ...(o.trialDays._tag === "Some" ? { trial_days: o.trialDays.value } : {})
        })
        yield* printSubscription(yield* B.createSubscription(input).pipe(write), o.json)
      })
    )
).pipe(Command.withDescription("Subscribe the tenant to a plan (a trial with --trial-days)."))

const change = Command.make(
  "change",
  {
    tenant: tenantOpt,
    plan: Options.text("plan").pipe(Options.withDescription("The new plan's code")),
    atPeriodEnd: Options.boolean("at-period-end").pipe(Options.withDescription("Change at renewal, not now")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* Schema.decodeUnknown(ChangePlan)({
          plan_code: o.plan,
          when: o.atPeriodEnd ? "period_end" : "now"
        })
        const result = yield* B.changePlan(input).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(result), null, 2))
        yield* Console.log(subscriptionLine(result.subscription))
        if (result.proration) yield* Console.log(`proration: ${result.proration.computation}`)
      })
    )
).pipe(Command.withDescription("Change plan now (prorated) or --at-period-end; a plan below current usage is refused."))

const cancel = Command.make("cancel", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(B.cancel().pipe(write), (s) => printSubscription(s, o.json))
  )
).pipe(Command.withDescription("Cancel at the period's end."))

const reactivate = Command.make("reactivate", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(B.reactivate().pipe(write), (s) => printSubscription(s, o.json))
  )
).pipe(Command.withDescription("Undo a scheduled cancellation."))

const portal = Command.make("portal", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(B.portal().pipe(write), (link) =>
      Console.log(o.json ? JSON.stringify(plain(link), null, 2) : link.url)
    )
  )
).pipe(
  Command.withDescription(
    "Print a Stripe Customer Portal link (payment methods, receipts) for the tenant; fails when payments are manual."
  )
)

/** `signet subscription`: show, create, change, cancel, reactivate, portal. */
export const subscription = Command.make("subscription").pipe(
  Command.withDescription("A tenant's subscription (docs/billing.md)."),
  Command.withSubcommands([showSubscription, subscribe, change, cancel, reactivate, portal])
)

const usageLine = (s: EntitlementStatus) => ({
  plan: s.plan === null ? "none (nothing is limited)" : `${s.plan} version ${s.version}`,
  features_off: s.features_off.join(" ") || "-"
})

/** `signet usage`: the tenant's plan limits with what it uses of each. */
export const usage = Command.make("usage", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const status = yield* B.getEntitlements().pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(status), null, 2))
      const head = usageLine(status)
      yield* Console.log(`plan: ${head.plan}\nfeatures off: ${head.features_off}`)
      yield* table(
        status.limits.map((l) => ({
          limit: l.limit,
          used: l.used === null ? "-" : String(l.used),
          value: String(l.value),
          kind: l.soft ? "soft" : "hard",
          period: l.period ?? ""
        })),
        ["limit", "used", "value", "kind", "period"]
      )
    }),
    true
  )
).pipe(
  Command.withDescription("What the tenant's plan allows and what it uses (users, beacons, signatures this month).")
)
