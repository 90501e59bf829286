/**
 * Plan and usage (`/t/{slug}/admin/billing`, issue 20 "web app pages
 * (tenant billing page …)"): the school's subscription (plan, status,
 * current period, a scheduled change or cancellation) and what its plan
 * allows beside what the school uses — users, beacons, signatures this
 * month — as meters, with the features the plan switches off — and its
 * invoices (`BillingInvoices.tsx`: PDF, pay online). Otherwise read-only:
 * subscription changes need a fresh MFA step-up and go through the API or
 * `signet subscription` (docs/billing.md).
 *
 * @module
 */
import { BillingApi } from "@signet/contracts/billing/Api"
import type { EntitlementStatus, Subscription } from "@signet/contracts/billing/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { type ApiError, call } from "../../app/api.js"
import { formatDateTime, useT } from "../../app/i18n.js"
import { formatMoney } from "../../app/money.js"
import { ErrorNote, Frame, Loading, useLoad } from "../../app/ui.js"
import { InvoicesSection } from "./BillingInvoices.js"
import { Section, TableWrap } from "./shared.js"

/** Minor units as an amount with its currency (its ISO 4217 decimals), in the page's language. */
const money = formatMoney

/** The subscription card, or the note that the school has none (nothing is limited). */
const SubscriptionCard = ({ sub }: { sub: Subscription | null }) => {
  const t = useT("admin")
  if (sub === null) return <p class="card">{t("billing.noSubscription")}</p>
  return (
    <dl class="card facts" data-plan={sub.plan.code}>
      <dt>{t("billing.plan")}</dt>
      <dd>
        {sub.plan.name}{" "}
        <span class="muted">
          ({sub.plan.code} v{sub.plan.version})
        </span>
      </dd>
      <dt>{t("billing.price")}</dt>
      <dd>
        {money(sub.plan.fixed_amount, sub.plan.currency, document.documentElement.lang || "en")} /{" "}
        {t(`billing.interval.${sub.plan.interval}`)}
      </dd>
      <dt>{t("billing.status")}</dt>
      <dd data-status={sub.status}>{t(`billing.statuses.${sub.status}`)}</dd>
      <dt>{t("billing.period")}</dt>
      <dd>
        {formatDateTime(sub.current_period_start)} → {formatDateTime(sub.current_period_end)}
      </dd>
      {sub.scheduled_plan && (
        <>
          <dt>{t("billing.scheduled")}</dt>
          <dd>{sub.scheduled_plan.name}</dd>
        </>
      )}
      {sub.cancel_at_period_end && (
        <>
          <dt>{t("billing.cancel")}</dt>
          <dd>{t("billing.cancelAtEnd")}</dd>
        </>
      )}
    </dl>
  )
}

/** The limits Signet enforces, named in the page's language (others show their key). */
const NAMED = new Set(["users.max", "beacons.max", "signatures.monthly", "api.requests_per_minute"])

/** The plan's limits with what the school uses of each. */
const LimitsTable = ({ status }: { status: EntitlementStatus }) => {
  const t = useT("admin")
  if (status.limits.length === 0) return <p class="muted">{t("billing.noLimits")}</p>
  return (
    <TableWrap>
      <table>
        <caption>{t("billing.limits")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("billing.limit")}</th>
            <th scope="col">{t("billing.used")}</th>
            <th scope="col">{t("billing.kind")}</th>
          </tr>
        </thead>
        <tbody>
          {status.limits.map((l) => {
            const name = NAMED.has(l.limit) ? t(`billing.limitNames.${l.limit.replace(/\./g, "_")}`) : l.limit
            return (
              <tr key={l.limit} data-limit={l.limit}>
                <th scope="row">
                  {name}
                  {l.period && <span class="muted"> ({l.period})</span>}
                </th>
                <td>
                  {l.used === null ? (
                    t("billing.ofLimit", { used: "–", value: l.value })
                  ) : (
                    <>
                      <meter
                        min={0}
                        max={l.value}
                        low={l.value * 0.8}
                        high={l.value * 0.99}
                        value={l.used}
                        aria-label={name}
                      />{" "}
                      {t("billing.ofLimit", { used: l.used, value: l.value })}
                    </>
                  )}
                </td>
                <td>{l.soft ? t("billing.soft") : t("billing.hard")}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </TableWrap>
  )
}

/** The billing page. */
export const Billing = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("admin")
  const sub = useLoad(
    () =>
      call(BillingApi, (c) => c.billing.getSubscription({ path: { slug } })).then(
        (s) => s as Subscription | null,
        (e: ApiError) => (e.tag === "SubscriptionNotFound" ? null : Promise.reject(e))
      ),
    [slug]
  )
  const status = useLoad(() => call(BillingApi, (c) => c.billing.getEntitlements({ path: { slug } })), [slug])
  return (
    <Frame slug={slug} user={user} title={t("billing.title")}>
      <p class="muted">{t("billing.intro")}</p>
      <Section title={t("billing.subscription")}>
        {sub.loading ? (
          <Loading />
        ) : sub.error ? (
          <ErrorNote error={sub.error} />
        ) : (
          <SubscriptionCard sub={sub.data ?? null} />
        )}
      </Section>
      <Section title={t("billing.usage")}>
        {status.loading ? (
          <Loading />
        ) : status.error ? (
          <ErrorNote error={status.error} />
        ) : status.data ? (
          <>
            <LimitsTable status={status.data} />
            {status.data.features_off.length > 0 && (
              <p>{t("billing.featuresOff", { features: status.data.features_off.join(", ") })}</p>
            )}
          </>
        ) : null}
      </Section>
      <InvoicesSection slug={slug} />
    </Frame>
  )
}
