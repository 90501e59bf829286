/**
 * The period-close job `billing.close_periods` (issue 20 "Invoices": "a
 * period-close job (one leader among replicas, like the attendance close
 * job)"; ARCHITECTURE §6). Internal to `Billing.ts`.
 *
 * For the current tenant, {@link makePeriodClose} `closeDue` repeats
 * `Invoices.closeOne` — invoice the ended period, finalize it, roll the
 * subscription one period on — each period in its own transaction, until
 * the live subscription's period has not ended (at most
 * {@link MAX_PERIODS_PER_RUN} periods per run). The tax rate is the tenant's
 * `billing.tax_rate_bps` setting, read once per run.
 *
 * Before closing, a subscription `past_due` past its grace period
 * (`graceDays`, `SIGNET_BILLING_PAST_DUE_GRACE_DAYS`) is canceled
 * (`Subscriptions.endGrace`, payments of issue 20) — under the same lease.
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
import { type Invoice, PeriodCloseResult } from "@signet/contracts/billing/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import { sumOverActiveTenants } from "../tenancy/EachTenant.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
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
  sql,
  subscriptions,
  tenancy
}: PeriodCloseDeps) => {
  /** Closes every ended period of the current tenant's subscription; answers the invoices made. */
  const closeDue = changing(
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const rate = yield* tenancy.settingValue<number>(tenant.id, "billing.tax_rate_bps")
      const made: Array<Invoice> = []
      if (yield* inTx(subscriptions.endGrace(graceDays)))
        yield* Effect.logInfo("billing: canceled a subscription past due beyond its grace period", {
          tenant: tenant.slug
        })
      for (let i = 0; i < MAX_PERIODS_PER_RUN; i++) {
        const step = yield* inTx(invoices.closeOne(rate))
        if (step === null) break
        if (step.invoice !== null) made.push(step.invoice)
      }
      return new PeriodCloseResult({ invoices: made })
    })
  ).pipe(Effect.withSpan("Billing.closePeriods"))

  /** One run over every active tenant (as the system); answers how many invoices were made. */
  const closeAllTenants = sumOverActiveTenants(tenancy, "billing period close", () =>
    Effect.map(closeDue, (r) => r.invoices.length)
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
