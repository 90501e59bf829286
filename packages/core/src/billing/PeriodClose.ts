/**
 * The period-close job `billing.close_periods` (issue 20 "Invoices": "a
 * period-close job (one leader among replicas, like the attendance close
 * job)"; ARCHITECTURE §6). Internal to `Billing.ts`.
 *
 * For the current tenant, {@link makePeriodClose} `closeDue` repeats
 * `Invoices.closeOne` — invoice the ended period, finalize it, roll the
 * subscription one period on — each period in its own transaction, until
 * the live subscription's period has not ended (at most
 * {@link MAX_PERIODS_PER_RUN} periods per run). The tax rates are the
 * tenant's `billing.tax_rates` (or its single `billing.tax_rate_bps`), read
 * once per run.
 *
 * **Late-usage grace window** (issue 20 "late events within a grace window
 * land in the right period"; Lago's invoice grace period): the job closes
 * a period only once its end plus `lateUsageGraceHours`
 * (`SIGNET_BILLING_LATE_USAGE_GRACE_HOURS`, default 24) has passed, so
 * usage events sent late (their `time` inside the period) are still
 * counted. An operator's explicit close of one tenant (`closeDue`, `signet
 * invoice close`) finalizes at once, like Lago's "finalize now" — after
 * either, usage of the closed period is refused (`Billing.ingest`).
 *
 * Before closing, a subscription `past_due` past its grace period
 * (`graceDays`, `SIGNET_BILLING_PAST_DUE_GRACE_DAYS`) gets its plan's
 * downgrade policy — canceled, or downgraded to another plan
 * (`Subscriptions.endGrace`, payments of issue 20) — under the same lease;
 * the tenant's cached plan is dropped afterwards (`changing`).
 *
 * `closeJob` runs `closeAllTenants` (every active tenant, as the system)
 * every `intervalMs` on the replica holding the `billing.close_periods`
 * lease (`kernel/Leases.ts`); a failure for one tenant is logged and the
 * others go on.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { type Invoice, PeriodCloseResult, TaxRate } from "@signet/contracts/billing/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import { sumOverActiveTenants } from "../tenancy/EachTenant.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import { resolveTaxRates } from "./InvoiceLines.js"
import type { makeInvoices } from "./Invoices.js"
import type { makeSubscriptions } from "./Subscriptions.js"

/** Periods one run closes at most per tenant (a subscription idle for longer catches up over several runs). */
export const MAX_PERIODS_PER_RUN = 24

/** The lease (and job) name. */
export const CLOSE_PERIODS_JOB = "billing.close_periods"

/** What the period close is built from. */
export interface PeriodCloseDeps {
  readonly sql: SqlClient.SqlClient
  readonly tenancy: Tenancy
  readonly invoices: ReturnType<typeof makeInvoices>
  readonly subscriptions: ReturnType<typeof makeSubscriptions>
  /** Days a `past_due` subscription keeps its plan before it is canceled. */
  readonly graceDays: number
  /** Hours the job waits after a period's end before closing it (late usage). */
  readonly lateUsageGraceHours: number
  /** Runs an effect in the current tenant's transaction (`Billing.ts`). */
  readonly inTx: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, Exclude<E, never>, Exclude<R, SqlClient.SqlClient> | CurrentTenant>
  /** Runs a subscription change, then drops the tenant's cached plan (`Billing.ts`). */
  readonly changing: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R | CurrentTenant>
}

/** The period close over `deps`; see the module comment. */
export const makePeriodClose = ({
  changing,
  graceDays,
  inTx,
  invoices,
  lateUsageGraceHours,
  sql,
  subscriptions,
  tenancy
}: PeriodCloseDeps) => {
  /**
   * Closes every period of the current tenant's subscription that ended
   * `graceMs` ago or earlier; answers the invoices made.
   */
  const closeWithin = (graceMs: number) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const taxes = resolveTaxRates(
        (yield* tenancy.settingValue<ReadonlyArray<TaxRate>>(tenant.id, "billing.tax_rates")).map(
          (r) => new TaxRate(r)
        ),
        yield* tenancy.settingValue<number>(tenant.id, "billing.tax_rate_bps")
      )
      const made: Array<Invoice> = []
      const ended = yield* inTx(subscriptions.endGrace(graceDays))
      if (ended !== null)
        yield* Effect.logInfo(`billing: ${ended} a subscription past due beyond its grace period`, {
          tenant: tenant.slug
        })
      for (let i = 0; i < MAX_PERIODS_PER_RUN; i++) {
        const step = yield* inTx(invoices.closeOne(taxes, graceMs))
        if (step === null) break
        if (step.invoice !== null) made.push(step.invoice)
      }
      return new PeriodCloseResult({ invoices: made })
    }).pipe(changing, Effect.withSpan("Billing.closePeriods"))

  /** The operator's close of the current tenant: every ended period, at once (no grace window). */
  const closeDue = closeWithin(0)

  /** One run over every active tenant (as the system), after the grace window; answers how many invoices were made. */
  const closeAllTenants = sumOverActiveTenants(tenancy, "billing period close", () =>
    Effect.map(closeWithin(lateUsageGraceHours * 3_600_000), (r) => r.invoices.length)
  )

  /** The `billing.close_periods` job: every `intervalMs` on the lease holder; runs until interrupted. */
  const closeJob = (options: { readonly intervalMs?: number } = {}) => {
    const intervalMs = options.intervalMs ?? 60_000
    const holder = `${process.pid}-${Crypto.randomUUID()}`
    const tick = Effect.gen(function* () {
      if (!(yield* acquireLease(CLOSE_PERIODS_JOB, holder, intervalMs * 2))) return
      const made = yield* closeAllTenants
      if (made > 0) yield* Effect.logInfo(`billing: finalized ${made} invoice(s)`)
    }).pipe(Effect.catchAllCause((cause) => Effect.logError("billing period close job failed", cause)))
    return Effect.forever(Effect.zipRight(tick, Effect.sleep(intervalMs))).pipe(
      Effect.ensuring(releaseLease(CLOSE_PERIODS_JOB, holder)),
      Effect.provideService(SqlClient.SqlClient, sql)
    )
  }

  return { closeDue, closeAllTenants, closeJob } as const
}
