/**
 * The plan catalogue (issue 20 "Catalogue"; seed 002 "plans Free/Pro/
 * Enterprise"): platform-level plans and platform meters, managed by
 * platform operators only. Internal to `Billing.ts`.
 *
 * - A plan has a code, a name, an interval (month/year), an ISO 4217
 *   currency, a fixed charge in integer minor units, usage charges (each on
 *   a platform meter, priced per unit, graduated, volume or package) and
 *   entitlements (feature flags and numeric limits).
 * - Plans are versioned: `createPlan` stores version 1, `updatePlan` stores
 *   version n + 1 and never touches earlier versions, so a subscription
 *   keeps the version it was made on.
 * - Every operation here checks, in core, that the actor is a platform
 *   operator (or Signet itself, `system`); anyone else gets `Forbidden`
 *   before anything is read or written.
 * - A plan version carries a downgrade policy (`cancel` or `downgrade` to
 *   `downgrade_to`, issue 20 payments): checked here — the target must be
 *   another existing plan with the same currency and interval.
 * - Changes publish `signet.billing.plan.created` / `…plan.versioned` /
 *   `…meter.created` (platform events, no tenant).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import {
  type CreateMeter,
  type CreatePlan,
  MAX_METERS,
  MAX_PLAN_VERSIONS,
  MAX_PLANS,
  Meter,
  MeterNotFound,
  Plan,
  PlanId,
  PlanNotFound,
  type PlanVersionInput
} from "@signet/contracts/billing/Domain"
import { CurrentActor } from "@signet/contracts/kernel/Context"
import { Conflict, Forbidden, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Events } from "../events/Events.js"
import { isUniqueViolation, tx } from "../kernel/Database.js"
import type { BillingRepo, MeterRow, PlanRow } from "./Repo.js"

/** What the catalogue is built from. */
export interface CatalogueDeps {
  readonly repo: BillingRepo
  readonly events: Events
  readonly sql: SqlClient.SqlClient
}

/** A plan row as the public shape. */
export const presentPlan = (row: PlanRow): Plan =>
  new Plan({
    id: row.id as PlanId,
    code: row.code,
    version: row.version,
    name: row.name,
    interval: row.billing_interval,
    currency: row.currency,
    fixed_amount: row.fixed_amount,
    charges: row.charges,
    entitlements: row.entitlements,
    downgrade_policy: row.downgrade_policy,
    downgrade_to: row.downgrade_to,
    created_at: row.created_at
  })

/** A meter row as the public shape. */
export const presentMeter = (row: MeterRow, scope: "platform" | "tenant"): Meter => new Meter({ ...row, scope })

/** Refuses every actor but a platform operator or the system. @errors Forbidden */
export const requireOperator = Effect.flatMap(CurrentActor, (actor) =>
  actor.kind === "operator" || actor.kind === "system"
    ? Effect.void
    : Effect.fail(
        new Forbidden({
          message: "the plan catalogue is managed by platform operators",
          permission: "platform:billing"
        })
      )
)

/** Runs `self` in a plain transaction on the service's database (platform tables). */
const inTxOf =
  (sql: SqlClient.SqlClient) =>
  <A, E, R>(self: Effect.Effect<A, E, R>) =>
    tx(self).pipe(Effect.provideService(SqlClient.SqlClient, sql))

/** The plan operations over `deps`. */
const makePlans = ({ events, repo, sql }: CatalogueDeps) => {
  const inTx = inTxOf(sql)

  /** Every charge names an existing platform meter, each at most once. @errors ValidationError */
  const checkCharges = (input: PlanVersionInput | CreatePlan) =>
    Effect.forEach(
      input.charges,
      (c, i) =>
        Effect.gen(function* () {
          if (input.charges.findIndex((d) => d.meter === c.meter) !== i)
            return yield* ValidationError.field(`charges[${i}].meter`, `${c.meter} is charged twice`)
          if (Option.isNone(yield* repo.findPlatformMeter(c.meter)))
            return yield* ValidationError.field(`charges[${i}].meter`, `no platform meter ${c.meter}`)
        }),
      { discard: true }
    )

  /**
   * The downgrade policy of plan `code` is coherent: `downgrade_to` is given
   * iff the policy is `downgrade`, and names another existing plan with the
   * same currency and interval. @errors ValidationError
   */
  const checkDowngrade = (code: string, input: PlanVersionInput | CreatePlan) =>
    Effect.gen(function* () {
      const to = input.downgrade_to
      if (input.downgrade_policy === "cancel") {
        if (to !== null) return yield* ValidationError.field("downgrade_to", "only a downgrade policy names a plan")
        return
      }
      if (to === null) return yield* ValidationError.field("downgrade_to", "a downgrade policy needs downgrade_to")
      if (to === code) return yield* ValidationError.field("downgrade_to", "a plan cannot downgrade to itself")
      const target = yield* repo.latestPlan(to)
      if (Option.isNone(target)) return yield* ValidationError.field("downgrade_to", `no plan ${to}`)
      if (target.value.currency !== input.currency)
        return yield* ValidationError.field("downgrade_to", `plan ${to} is billed in ${target.value.currency}`)
      if (target.value.billing_interval !== input.interval)
        return yield* ValidationError.field(
          "downgrade_to",
          `plan ${to} is billed every ${target.value.billing_interval}`
        )
    })

  const storeVersion = (code: string, version: number, input: PlanVersionInput | CreatePlan) =>
    Effect.gen(function* () {
      const id = yield* newId(PlanId)
      yield* repo
        .insertPlan({
          id,
          code,
          version,
          name: input.name,
          interval: input.interval,
          currency: input.currency,
          fixed_amount: input.fixed_amount,
          charges: input.charges,
          entitlements: input.entitlements,
          downgrade_policy: input.downgrade_policy,
          downgrade_to: input.downgrade_policy === "downgrade" ? input.downgrade_to : null,
          at: yield* DateTime.now
        })
        .pipe(
          Effect.catchAllDefect((d) =>
            isUniqueViolation(d)
              ? Effect.fail(new Conflict({ message: `plan ${code} version ${version} exists`, field: "code" }))
              : Effect.die(d)
          )
        )
      const plan = presentPlan(Option.getOrThrow(yield* repo.planById(id)))
      yield* events.publish({
        type: version === 1 ? "signet.billing.plan.created" : "signet.billing.plan.versioned",
        subject: plan.id,
        data: Schema.encodeSync(Plan)(plan)
      })
      return plan
    })

  /**
   * Stores version 1 of a new plan.
   * @errors Forbidden (not an operator), Conflict (code taken), ValidationError (unknown or repeated meter, MAX_PLANS, incoherent downgrade policy)
   */
  const createPlan = (input: CreatePlan) =>
    Effect.zipRight(
      requireOperator,
      inTx(
        Effect.gen(function* () {
          if (Option.isSome(yield* repo.latestPlan(input.code)))
            return yield* new Conflict({ message: `plan ${input.code} exists; edit it instead`, field: "code" })
          if ((yield* repo.countPlanCodes) >= MAX_PLANS)
            return yield* ValidationError.field("code", `the catalogue holds at most ${MAX_PLANS} plans`)
          yield* checkCharges(input)
          yield* checkDowngrade(input.code, input)
          return yield* storeVersion(input.code, 1, input)
        })
      )
    ).pipe(Effect.withSpan("Billing.createPlan"))

  /**
   * Stores the next version of plan `code` (the complete plan as given);
   * subscriptions on earlier versions keep theirs.
   * @errors Forbidden (not an operator), PlanNotFound, ValidationError (unknown or repeated meter, MAX_PLAN_VERSIONS, incoherent downgrade policy)
   */
  const updatePlan = (code: string, input: PlanVersionInput) =>
    Effect.zipRight(
      requireOperator,
      inTx(
        Effect.gen(function* () {
          const latest = yield* findLatest(code)
          if (latest.version >= MAX_PLAN_VERSIONS)
            return yield* ValidationError.field("code", `a plan has at most ${MAX_PLAN_VERSIONS} versions`)
          yield* checkCharges(input)
          yield* checkDowngrade(code, input)
          return yield* storeVersion(code, latest.version + 1, input)
        })
      )
    ).pipe(Effect.withSpan("Billing.updatePlan"))

  /** The latest version of plan `code` (no actor check: subscriptions use it). @errors PlanNotFound */
  const findLatest = (code: string) =>
    Effect.flatMap(repo.latestPlan(code), (row) =>
      Option.match(row, {
        onNone: () => Effect.fail(new PlanNotFound({ message: `no plan ${code}`, code })),
        onSome: (r) => Effect.succeed(presentPlan(r))
      })
    )

  /** The latest version of every plan, by code (any authenticated caller may read the catalogue). */
  const listPlans = Effect.map(repo.listLatestPlans, (rows) => rows.map(presentPlan))

  /** Every version of plan `code`, oldest first. @errors Forbidden (not an operator), PlanNotFound */
  const listPlanVersions = (code: string) =>
    Effect.zipRight(
      requireOperator,
      Effect.flatMap(repo.listPlanVersions(code), (rows) =>
        rows.length === 0
          ? Effect.fail(new PlanNotFound({ message: `no plan ${code}`, code }))
          : Effect.succeed(rows.map(presentPlan))
      )
    )

  return { createPlan, updatePlan, findLatest, getPlan: findLatest, listPlans, listPlanVersions } as const
}

/** The platform meter operations over `deps`. */
const makePlatformMeters = ({ events, repo, sql }: CatalogueDeps) => {
  const inTx = inTxOf(sql)

  /**
   * Defines a platform meter (its code is what plan charges name).
   * @errors Forbidden (not an operator), Conflict (code taken), ValidationError (MAX_METERS)
   */
  const createPlatformMeter = (input: CreateMeter) =>
    Effect.zipRight(
      requireOperator,
      inTx(
        Effect.gen(function* () {
          if ((yield* repo.countPlatformMeters) >= MAX_METERS)
            return yield* ValidationError.field("code", `at most ${MAX_METERS} platform meters`)
          if (Option.isSome(yield* repo.findPlatformMeter(input.code)))
            return yield* new Conflict({ message: `platform meter ${input.code} exists`, field: "code" })
          yield* repo.insertPlatformMeter({
            code: input.code,
            name: input.name,
            event_type: input.event_type,
            aggregation: input.aggregation,
            value_path: input.value_path ?? null,
            dimensions: input.dimensions,
            at: yield* DateTime.now
          })
          const meter = presentMeter(Option.getOrThrow(yield* repo.findPlatformMeter(input.code)), "platform")
          yield* events.publish({
            type: "signet.billing.meter.created",
            subject: meter.code,
            data: Schema.encodeSync(Meter)(meter)
          })
          return meter
        })
      )
    ).pipe(Effect.withSpan("Billing.createPlatformMeter"))

  /** Every platform meter, by code. */
  const listPlatformMeters = Effect.map(repo.listPlatformMeters, (rows) => rows.map((r) => presentMeter(r, "platform")))

  /** One platform meter. @errors MeterNotFound */
  const getPlatformMeter = (code: string) =>
    Effect.flatMap(repo.findPlatformMeter(code), (row) =>
      Option.match(row, {
        onNone: () => Effect.fail(new MeterNotFound({ message: `no platform meter ${code}`, code })),
        onSome: (r) => Effect.succeed(presentMeter(r, "platform"))
      })
    )

  return { createPlatformMeter, listPlatformMeters, getPlatformMeter } as const
}

/** The catalogue operations over `deps`; see the module comment. */
export const makeCatalogue = (deps: CatalogueDeps) => ({ ...makePlans(deps), ...makePlatformMeters(deps) }) as const
