/**
 * A tenant's subscription (issue 20 "Subscriptions"; seed 003 "subscription
 * tiers"; Stripe Billing's lifecycle). Internal to `Billing.ts`; every
 * operation runs in the current tenant's transaction, writes an audit row
 * and publishes `signet.billing.subscription.*` through the outbox in that
 * transaction.
 *
 * - **create**: on the latest version of a plan; a trial of `trial_days`
 *   (status `trial`, the trial is the first period, nothing is charged) or
 *   `active` at once with a first period of the plan's interval. At most one
 *   live (not canceled) subscription per tenant (409 otherwise).
 * - **changePlan now**: to the latest version of another plan with the same
 *   currency and interval; the fixed charge is prorated by the seconds left
 *   in the period (`Pricing.prorate`), answered with the figures; in a trial
 *   nothing is prorated (nothing was charged). **At period end**: the new
 *   version is scheduled (`scheduled_plan`) and takes over at renewal (the
 *   interval may then differ). A different currency is refused (400).
 * - **cancel**: at the period's end (`cancel_at_period_end`); **reactivate**
 *   undoes a scheduled cancellation (409 when none is scheduled). A canceled
 *   subscription is over: the tenant creates a new one.
 * - **advance** (the period-end step for the current tenant; the
 *   period-close job of a later slice calls it): while the period has
 *   ended, cancels (when scheduled) or renews into the next period, applying
 *   a scheduled plan and ending a trial (`trial` → `active`).
 *
 * - **markPastDue** / **recover** (payments, `Payments.ts`): a failed
 *   payment moves an `active` (or `trial`) subscription to `past_due`,
 *   stamping `past_due_at` (the grace period runs from it); a paid invoice
 *   moves a `past_due` one back to `active` (events
 *   `signet.billing.subscription.past_due` / `.recovered`).
 * - **endGrace** (the period close, `PeriodClose.ts`): a subscription
 *   `past_due` for longer than the grace period
 *   (`SIGNET_BILLING_PAST_DUE_GRACE_DAYS`, default 7, counted from
 *   `past_due_at`) gets its plan version's downgrade policy. `cancel` (the
 *   default): canceled at once (`signet.billing.subscription.canceled` with
 *   `reason: "past_due_grace_expired"`); the tenant then has no plan
 *   (entitlements of no plan) until it subscribes again. `downgrade`: moved
 *   at once to the current version of `downgrade_to`, `active`,
 *   `past_due_at` cleared, the period unchanged and nothing prorated
 *   (`signet.billing.subscription.downgraded` with the same reason and
 *   `from_plan` / `to_plan`). The move is forced: unlike `changePlan` it is
 *   not refused when the tenant holds more than the target's limits; hard
 *   limits then refuse new writes over them. When the target plan no
 *   longer exists or no longer has the same currency and interval, the
 *   subscription is canceled instead and the event says so
 *   (`downgrade_fallback`). Unpaid invoices stay finalized either way.
 *
 * @module
 */
import {
  type ChangePlan,
  type CreateSubscription,
  type Plan,
  PlanChangeResult,
  Proration,
  Subscription,
  SubscriptionId,
  SubscriptionNotFound
} from "@signet/contracts/billing/Domain"
import { Conflict, QuotaExceeded, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Schema } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import { isUniqueViolation } from "../kernel/Database.js"
import type { QuotaUsage } from "../kernel/Quotas.js"
import type { makeCatalogue } from "./Catalogue.js"
import { presentPlan } from "./Catalogue.js"
import { prorate } from "./Pricing.js"
import type { BillingRepo, SubscriptionRow, SubscriptionState } from "./Repo.js"

/** What the subscription operations are built from. */
export interface SubscriptionDeps {
  readonly repo: BillingRepo
  readonly audit: Audit
  readonly events: Events
  readonly catalogue: ReturnType<typeof makeCatalogue>
  /** What the tenant holds under counted limits (a downgrade below it is refused). */
  readonly usage: QuotaUsage["Type"]
}

/** Periods `advance` rolls over in one call at most (a subscription idle for longer catches up in several calls). */
const MAX_RENEWALS = 120

/** `start` plus one billing interval. */
const addInterval = (start: DateTime.Utc, interval: Plan["interval"]) =>
  DateTime.add(start, interval === "month" ? { months: 1 } : { years: 1 })

const seconds = (d: DateTime.Utc) => Math.floor(DateTime.toEpochMillis(d) / 1000)

const encodeSubscription = Schema.encodeSync(Subscription)

/** The proration of an immediate change from `current` to `target` at `now` (see `Pricing.prorate`). */
const prorationOf = (row: SubscriptionRow, current: Plan, target: Plan, now: DateTime.Utc): Proration => {
  const f = prorate({
    periodStart: seconds(row.current_period_start),
    periodEnd: seconds(row.current_period_end),
    at: seconds(now),
    oldAmount: current.fixed_amount,
    newAmount: target.fixed_amount
  })
  return new Proration({
    currency: current.currency,
    changed_at: now,
    period_start: row.current_period_start,
    period_end: row.current_period_end,
    seconds_in_period: f.secondsInPeriod,
    seconds_remaining: f.secondsRemaining,
    old_fixed_amount: current.fixed_amount,
    new_fixed_amount: target.fixed_amount,
    credit: f.credit,
    charge: f.charge,
    net: f.net,
    rounding: "half_up",
    computation: f.computation
  })
}

const noSubscription = new SubscriptionNotFound({ message: "the tenant has no live subscription" })

/** Reading, presenting and saving the live subscription (audit row and event with every save). */
const makeStore = ({ audit, events, repo }: SubscriptionDeps) => {
  const planOf = (id: string) => Effect.map(repo.planById(id), (row) => presentPlan(Option.getOrThrow(row)))

  const present = (id: SubscriptionId, s: SubscriptionState, created: DateTime.Utc, updated: DateTime.Utc) =>
    Effect.gen(function* () {
      return new Subscription({
        id,
        status: s.status,
        plan: yield* planOf(s.plan_id),
        current_period_start: s.current_period_start,
        current_period_end: s.current_period_end,
        trial_end: s.trial_end,
        cancel_at_period_end: s.cancel_at_period_end,
        scheduled_plan: s.scheduled_plan_id === null ? null : yield* planOf(s.scheduled_plan_id),
        canceled_at: s.canceled_at,
        created_at: created,
        updated_at: updated
      })
    })

  const live = Effect.flatMap(repo.liveSubscription, (row) =>
    Option.match(row, { onNone: () => Effect.fail(noSubscription), onSome: Effect.succeed })
  )

  const stateOf = (row: SubscriptionRow): SubscriptionState => ({
    plan_id: row.plan_id,
    scheduled_plan_id: row.scheduled_plan_id,
    status: row.status,
    current_period_start: row.current_period_start,
    current_period_end: row.current_period_end,
    trial_end: row.trial_end,
    cancel_at_period_end: row.cancel_at_period_end,
    canceled_at: row.canceled_at
  })

  /** Stores `next`, records the audit row and publishes `signet.billing.subscription.<action>`. */
  const save = (row: SubscriptionRow, next: SubscriptionState, action: string, extra: Record<string, unknown> = {}) =>
    Effect.gen(function* () {
      const now = yield* DateTime.now
      yield* repo.updateSubscription(row.id, next, now)
      const before = yield* present(row.id, stateOf(row), row.created_at, row.updated_at)
      const after = yield* present(row.id, next, row.created_at, now)
      yield* audit.record({
        action: `billing.subscription.${action}`,
        targetType: "subscription",
        targetId: row.id,
        before,
        after
      })
      yield* events.publish({
        type: `signet.billing.subscription.${action}`,
        subject: row.id,
        data: { subscription: encodeSubscription(after), ...extra }
      })
      return after
    })

  /** The live subscription. @errors SubscriptionNotFound */
  const get = Effect.flatMap(live, (row) => present(row.id, stateOf(row), row.created_at, row.updated_at))

  return { planOf, present, live, stateOf, save, get } as const
}
type Store = ReturnType<typeof makeStore>

/** Creation and plan changes. */
const makeChanges = (
  { audit, catalogue, events, repo, usage }: SubscriptionDeps,
  { live, planOf, present, save, stateOf }: Store
) => {
  /**
   * Subscribes the current tenant to the latest version of `plan_code`.
   * @errors PlanNotFound, Conflict (a live subscription exists)
   */
  const create = (input: CreateSubscription) =>
    Effect.gen(function* () {
      if (Option.isSome(yield* repo.liveSubscription))
        return yield* new Conflict({ message: "the tenant has a live subscription; change its plan instead" })
      const plan = yield* catalogue.findLatest(input.plan_code)
      const now = yield* DateTime.now
      const trialDays = input.trial_days ?? 0
      const trialEnd = trialDays > 0 ? DateTime.add(now, { days: trialDays }) : null
      const state: SubscriptionState = {
        plan_id: plan.id,
        scheduled_plan_id: null,
        status: trialEnd ? "trial" : "active",
        current_period_start: now,
        current_period_end: trialEnd ?? addInterval(now, plan.interval),
        trial_end: trialEnd,
        cancel_at_period_end: false,
        canceled_at: null
      }
      const id = yield* newId(SubscriptionId)
      yield* repo.insertSubscription(id, state, now).pipe(
        // Another request subscribed meanwhile (the partial unique index on live subscriptions).
        Effect.catchAllDefect((d) =>
          isUniqueViolation(d)
            ? Effect.fail(new Conflict({ message: "the tenant has a live subscription" }))
            : Effect.die(d)
        )
      )
      const subscription = yield* present(id, state, now, now)
      yield* audit.record({
        action: "billing.subscription.created",
        targetType: "subscription",
        targetId: id,
        after: subscription
      })
      yield* events.publish({
        type: "signet.billing.subscription.created",
        subject: id,
        data: { subscription: encodeSubscription(subscription) }
      })
      return subscription
    }).pipe(Effect.withSpan("Billing.createSubscription"))

  /**
   * Refuses a plan whose hard limits are below what the tenant holds now
   * (`QuotaUsage`; periodic limits are not compared), naming the first
   * such limit with the numbers. @errors QuotaExceeded
   */
  const fitsUsage = (target: Plan) =>
    Effect.forEach(
      Object.entries(target.entitlements.limits).filter(
        ([key]) => !target.entitlements.soft_limits.includes(key) && !key.endsWith(".monthly")
      ),
      ([limit, value]) =>
        Effect.flatMap(usage.count(limit), (used) =>
          used === undefined || used <= value
            ? Effect.void
            : Effect.fail(
                new QuotaExceeded({
                  message: `the ${target.code} plan allows ${value} for ${limit}; the tenant has ${used}: remove ${used - value} first`,
                  limit,
                  value,
                  used,
                  adding: 0,
                  plan: target.code
                })
              )
        ),
      { discard: true }
    )

  /**
   * Moves the live subscription to the latest version of `plan_code`, now
   * (prorated) or at the period's end. A plan whose hard limits are below
   * the tenant's current usage is refused, now or scheduled.
   * @errors SubscriptionNotFound, PlanNotFound, Conflict (already on that version), ValidationError (currency or, now, interval differs), QuotaExceeded (402, a downgrade below usage)
   */
  const changePlan = (input: ChangePlan) =>
    Effect.gen(function* () {
      const row = yield* live
      const current = yield* planOf(row.plan_id)
      const target = yield* catalogue.findLatest(input.plan_code)
      if (target.id === row.plan_id)
        return yield* new Conflict({
          message: `already on ${target.code} version ${target.version}`,
          field: "plan_code"
        })
      if (target.currency !== current.currency)
        return yield* ValidationError.field(
          "plan_code",
          `${target.code} is priced in ${target.currency}, the subscription in ${current.currency}`
        )
      yield* fitsUsage(target)
      const state = stateOf(row)
      if (input.when === "period_end") {
        const subscription = yield* save(row, { ...state, scheduled_plan_id: target.id }, "plan_change_scheduled")
        return new PlanChangeResult({ subscription, proration: null })
      }
      if (target.interval !== current.interval)
        return yield* ValidationError.field(
          "when",
          `${target.code} bills every ${target.interval}, the subscription every ${current.interval}: change at period_end`
        )
      const now = yield* DateTime.now
      const proration = row.status === "trial" ? null : prorationOf(row, current, target, now)
      const subscription = yield* save(row, { ...state, plan_id: target.id, scheduled_plan_id: null }, "plan_changed", {
        proration: proration === null ? null : Schema.encodeSync(Proration)(proration)
      })
      return new PlanChangeResult({ subscription, proration })
    }).pipe(Effect.withSpan("Billing.changePlan"))

  return { create, changePlan } as const
}

/** Cancellation, reactivation and the period-end step. */
const makeEnds = ({ live, planOf, present, save, stateOf }: Store) => {
  /** Schedules cancellation at the period's end (idempotent). @errors SubscriptionNotFound */
  const cancel = Effect.gen(function* () {
    const row = yield* live
    if (row.cancel_at_period_end) return yield* present(row.id, stateOf(row), row.created_at, row.updated_at)
    return yield* save(row, { ...stateOf(row), cancel_at_period_end: true }, "cancel_scheduled")
  }).pipe(Effect.withSpan("Billing.cancel"))

  /** Undoes a scheduled cancellation. @errors SubscriptionNotFound, Conflict (none scheduled) */
  const reactivate = Effect.gen(function* () {
    const row = yield* live
    if (!row.cancel_at_period_end)
      return yield* new Conflict({ message: "the subscription is not scheduled for cancellation" })
    return yield* save(row, { ...stateOf(row), cancel_at_period_end: false }, "reactivated")
  }).pipe(Effect.withSpan("Billing.reactivate"))

  /**
   * Rolls the live subscription over at most `max` periods that have ended
   * (see the module comment); answers it as it is afterwards (canceled
   * included). The period-close job rolls one period at a time, invoicing
   * each first. @errors SubscriptionNotFound
   */
  const advanceBy = (max: number) =>
    Effect.gen(function* () {
      const row = yield* live
      const now = yield* DateTime.now
      let state = stateOf(row)
      let renewals = 0
      while (
        state.status !== "canceled" &&
        DateTime.lessThanOrEqualTo(state.current_period_end, now) &&
        renewals < max
      ) {
        renewals += 1
        if (state.cancel_at_period_end) {
          state = { ...state, status: "canceled", canceled_at: state.current_period_end, scheduled_plan_id: null }
          break
        }
        const planId = state.scheduled_plan_id ?? state.plan_id
        const plan = yield* planOf(planId)
        state = {
          ...state,
          plan_id: planId,
          scheduled_plan_id: null,
          status: state.status === "trial" ? "active" : state.status,
          current_period_start: state.current_period_end,
          current_period_end: addInterval(state.current_period_end, plan.interval)
        }
      }
      if (renewals === 0) return yield* present(row.id, state, row.created_at, row.updated_at)
      return yield* save(row, state, state.status === "canceled" ? "canceled" : "renewed", { periods: renewals })
    }).pipe(Effect.withSpan("Billing.advance"))

  /** Every ended period at once (at most MAX_RENEWALS). @errors SubscriptionNotFound */
  const advance = advanceBy(MAX_RENEWALS)

  return { cancel, reactivate, advance, advanceBy } as const
}

/** The payment-driven moves (see the module comment); both answer whether anything changed. */
const makePaymentStates = ({ repo }: SubscriptionDeps, { live, planOf, save, stateOf }: Store) => {
  /** `active`/`trial` → `past_due`, stamped now; anything else unchanged. @errors SubscriptionNotFound */
  const markPastDue = (reason: Record<string, unknown>) =>
    Effect.gen(function* () {
      const row = yield* live
      if (row.status !== "active" && row.status !== "trial") return false
      const now = yield* DateTime.now
      yield* save(row, { ...stateOf(row), status: "past_due" }, "past_due", {
        past_due_at: DateTime.formatIso(now),
        ...reason
      })
      yield* repo.setPastDueAt(row.id, now)
      return true
    })
  /** `past_due` → `active`; anything else unchanged. @errors SubscriptionNotFound */
  const recover = (reason: Record<string, unknown>) =>
    Effect.gen(function* () {
      const row = yield* live
      if (row.status !== "past_due") return false
      yield* save(row, { ...stateOf(row), status: "active" }, "recovered", reason)
      yield* repo.setPastDueAt(row.id, null)
      return true
    })
  /**
   * Applies the plan's downgrade policy to a subscription `past_due` for
   * `graceDays` days or more (see the module comment); answers what it did
   * (`null`: nothing was due).
   */
  const endGrace = (graceDays: number) =>
    Effect.gen(function* () {
      const found = yield* repo.liveSubscription
      if (Option.isNone(found) || found.value.status !== "past_due") return null
      const row = found.value
      const now = yield* DateTime.now
      const since = row.past_due_at ?? row.updated_at
      if (DateTime.lessThan(now, DateTime.add(since, { days: graceDays }))) return null
      const state = stateOf(row)
      const reason = { reason: "past_due_grace_expired", grace_days: graceDays }
      const plan = yield* planOf(row.plan_id)
      let fallback: string | undefined
      if (plan.downgrade_policy === "downgrade" && plan.downgrade_to !== null) {
        const target = yield* repo.latestPlan(plan.downgrade_to)
        if (
          Option.isSome(target) &&
          target.value.currency === plan.currency &&
          target.value.billing_interval === plan.interval
        ) {
          const to = presentPlan(target.value)
          yield* save(
            row,
            { ...state, status: "active", plan_id: to.id, cancel_at_period_end: false, scheduled_plan_id: null },
            "downgraded",
            {
              ...reason,
              from_plan: { code: plan.code, version: plan.version },
              to_plan: { code: to.code, version: to.version }
            }
          )
          yield* repo.setPastDueAt(row.id, null)
          return "downgraded" as const
        }
        fallback = `downgrade target ${plan.downgrade_to} is gone or no longer matches the plan's currency and interval`
      }
      yield* save(
        row,
        { ...state, status: "canceled", canceled_at: now, cancel_at_period_end: false, scheduled_plan_id: null },
        "canceled",
        fallback === undefined ? reason : { ...reason, downgrade_fallback: fallback }
      )
      return "canceled" as const
    })
  return { markPastDue, recover, endGrace } as const
}

/** The subscription operations over `deps`; see the module comment. */
export const makeSubscriptions = (deps: SubscriptionDeps) => {
  const store = makeStore(deps)
  return {
    get: store.get,
    ...makeChanges(deps, store),
    ...makeEnds(store),
    ...makePaymentStates(deps, store)
  } as const
}
