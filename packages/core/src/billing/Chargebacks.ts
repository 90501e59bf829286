/**
 * Refunds and disputes reported by the payment provider's webhooks (issue
 * 20 "Payments"; seed 003 "Stripe with webhooks"; Stripe's `charge.refunded`,
 * `charge.dispute.created`, `charge.dispute.closed`). Internal to
 * `Payments.ts`, which verified the signature first.
 *
 * Placing the event: charges and disputes carry no Signet metadata, so the
 * tenant and invoice come from their `payment_intent`, looked up in
 * `billing_payment_refs` — written only when Signet itself applied a
 * verified, customer-bound payment of that PaymentIntent. An unknown
 * PaymentIntent answers `ignored`. A charge must also name the tenant's
 * stored customer. Then, in one transaction of that tenant, as the system,
 * with the same event-id dedup as payments (a replay answers `duplicate`):
 *
 * - `charge.refunded`: Stripe's `amount_refunded` is the charge's total
 *   refunded so far; Signet stores the highest seen per charge
 *   (`billing_payment_refunds`), so a repeated or older view answers
 *   `stale`. A raise is recorded: audit row `billing.invoice.refunded`,
 *   event `signet.billing.invoice.refunded` with `amount` (this refund),
 *   `refunded_total`, `currency` and `full` (the whole charge refunded).
 *   The invoice stays `paid` (finalized invoices are immutable): a refund
 *   is money returned, recorded beside it.
 * - `charge.dispute.created`: the dispute is recorded open
 *   (`billing_payment_disputes`); audit row `billing.invoice.disputed`,
 *   event `signet.billing.invoice.disputed`.
 * - `charge.dispute.closed`: the dispute's final status (`won`, `lost`, …)
 *   is recorded (also when its creation was never seen); audit row
 *   `billing.invoice.dispute_closed`, event
 *   `signet.billing.invoice.dispute_closed`. A **lost** dispute means the
 *   money went back to the payer: the invoice stays `paid` in Signet (it is
 *   immutable; the dispute row says it was reversed) and the live
 *   subscription becomes `past_due`, so the grace period and the plan's
 *   downgrade policy follow as for a failed payment. A closed dispute is
 *   final: a later `created` for it answers `stale`.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option } from "effect"
import type { Audit } from "../audit/Audit.js"
import type { Events } from "../events/Events.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import type { makeInvoices } from "./Invoices.js"
import type { ProviderEvent } from "./PaymentProvider.js"
import type { PaymentsRepo } from "./PaymentsRepo.js"
import type { makeSubscriptions } from "./Subscriptions.js"

/** The provider events this module handles. */
export const CHARGEBACK_EVENTS = ["charge.refunded", "charge.dispute.created", "charge.dispute.closed"] as const

/** What the refund and dispute handling is built from. */
export interface ChargebackDeps {
  readonly sql: SqlClient.SqlClient
  readonly repo: PaymentsRepo
  readonly audit: Audit
  readonly events: Events
  readonly tenancy: Tenancy
  readonly invoices: ReturnType<typeof makeInvoices>
  readonly subscriptions: ReturnType<typeof makeSubscriptions>
  /** Runs in one transaction of the current tenant. */
  readonly inTx: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, Exclude<E, SqlError>, Exclude<R, SqlClient.SqlClient> | CurrentTenant>
}

type Outcome = "applied" | "stale" | "ignored" | "duplicate"

/** Refund and dispute events (see the module comment). */
export const makeChargebacks = ({ audit, events, inTx, invoices, repo, subscriptions, tenancy }: ChargebackDeps) => {
  /** Audit row and event `…invoice.<action>` about invoice `number`. */
  const announce = (action: string, number: string, data: Record<string, unknown>) =>
    Effect.gen(function* () {
      const invoice = yield* Effect.orDie(invoices.get(number))
      yield* audit.record({
        action: `billing.invoice.${action}`,
        targetType: "invoice",
        targetId: invoice.id,
        after: data
      })
      yield* events.publish({
        type: `signet.billing.invoice.${action}`,
        subject: invoice.id,
        data: { invoice: number, ...data }
      })
    })

  const refunded = (ev: ProviderEvent, number: string) =>
    Effect.gen(function* () {
      const stored = yield* repo.customerOf("stripe")
      if (Option.isNone(stored) || stored.value !== ev.object.customer) return "ignored" as const
      const total = ev.object.amount_refunded ?? 0
      const before = yield* repo.refundedTotal(ev.object.id)
      if (total <= before) return "stale" as const
      const currency = (ev.object.currency ?? "").toUpperCase()
      yield* repo.setRefunded(ev.object.id, number, currency, total, yield* DateTime.now)
      yield* announce("refunded", number, {
        charge: ev.object.id,
        amount: total - before,
        refunded_total: total,
        currency,
        full: ev.object.amount !== undefined && total >= ev.object.amount,
        provider_event: ev.id
      })
      return "applied" as const
    })

  const disputed = (ev: ProviderEvent, number: string) =>
    Effect.gen(function* () {
      const closing = ev.type === "charge.dispute.closed"
      const known = yield* repo.disputeOf(ev.object.id)
      if (Option.isSome(known) && (known.value.closed || !closing)) return "stale" as const
      const now = yield* DateTime.now
      const status = ev.object.status ?? (closing ? "closed" : "needs_response")
      const currency = (ev.object.currency ?? "").toUpperCase()
      const amount = ev.object.amount ?? 0
      yield* repo.upsertDispute({
        disputeId: ev.object.id,
        number,
        currency,
        amount,
        status,
        at: now,
        closedAt: closing ? now : null
      })
      const data = { dispute: ev.object.id, status, amount, currency, provider_event: ev.id }
      yield* announce(closing ? "dispute_closed" : "disputed", number, data)
      if (closing && status === "lost")
        yield* Effect.catchTag(
          subscriptions.markPastDue({ invoice: number, provider_event: ev.id, reason: "dispute_lost" }),
          "SubscriptionNotFound",
          () => Effect.succeed(false)
        )
      return "applied" as const
    })

  /** Handles a verified refund or dispute event; answers its outcome. */
  const handle = (ev: ProviderEvent): Effect.Effect<Outcome> =>
    Effect.gen(function* () {
      const pi = ev.object.payment_intent
      if (!pi) return "ignored" as const
      const ref = yield* Effect.orDie(repo.refOf(pi))
      if (Option.isNone(ref)) return "ignored" as const
      const tenant = yield* Effect.option(tenancy.getById(ref.value.tenant_id as TenantId))
      if (Option.isNone(tenant)) return "ignored" as const
      const number = ref.value.invoice_number
      return yield* inTx(
        Effect.gen(function* () {
          const now = yield* DateTime.now
          const created = DateTime.unsafeMake(ev.created * 1000)
          if (!(yield* repo.claimEvent({ eventId: ev.id, type: ev.type, objectKey: number, created, at: now })))
            return "duplicate" as const
          const outcome = ev.type === "charge.refunded" ? yield* refunded(ev, number) : yield* disputed(ev, number)
          yield* repo.setOutcome(ev.id, outcome)
          return outcome
        })
      ).pipe(
        Effect.provideService(CurrentTenant, { id: tenant.value.id, slug: tenant.value.slug }),
        Effect.provideService(CurrentActor, systemActor)
      )
    })

  return { handle } as const
}
