/**
 * How the platform pages show plans (issue 20 "Catalogue"): the catalogue
 * table (code, name, version, interval and fixed charge as money in the
 * plan's currency, usage charges, entitlements) and one version's facts
 * with each usage price written out (per unit, package, graduated or
 * volume tiers).
 *
 * @module
 */
import type { Plan, Price } from "@signet/contracts/billing/Domain"
import { formatDateTime, language, useT } from "../../app/i18n.js"
import { formatMoney } from "../../app/money.js"
import { TableWrap } from "../admin/shared.js"

/** One usage price in words, amounts as money in `currency`. */
export const PriceText = ({ price, currency }: { price: Price; currency: string }) => {
  const t = useT("platform")
  const money = (minor: number) => formatMoney(minor, currency, language())
  switch (price._tag) {
    case "per_unit":
      return <span>{t("price.perUnit", { amount: money(price.unit_amount) })}</span>
    case "package":
      return <span>{t("price.package", { amount: money(price.package_amount), size: price.package_size })}</span>
    default:
      return (
        <span>
          {t(`models.${price._tag}`)}:
          <ol class="tiers">
            {price.tiers.map((tier, i) => (
              <li key={i}>
                {tier.up_to === null
                  ? t("price.tierAbove", { from: i === 0 ? 0 : price.tiers[i - 1]!.up_to })
                  : t("price.tierUpTo", { upTo: tier.up_to })}{" "}
                {t("price.perUnit", { amount: money(tier.unit_amount) })}
                {tier.flat_amount > 0 && ` + ${t("price.flat", { amount: money(tier.flat_amount) })}`}
              </li>
            ))}
          </ol>
        </span>
      )
  }
}

/** The plan's fixed charge per interval (`€49.90 / month`). */
export const FixedText = ({ plan }: { plan: Plan }) => {
  const t = useT("platform")
  return (
    <span class="money">
      {formatMoney(plan.fixed_amount, plan.currency, language())} / {t(`interval.${plan.interval}`)}
    </span>
  )
}

/** The plan's entitlements as a list: features on/off, limits with hard or soft. */
export const EntitlementList = ({ plan }: { plan: Plan }) => {
  const t = useT("platform")
  const { features, limits, soft_limits } = plan.entitlements
  const items = [
    ...Object.entries(features).map(([k, on]) => (
      <li key={`f-${k}`}>{t(on ? "ent.featureOn" : "ent.featureOff", { key: k })}</li>
    )),
    ...Object.entries(limits).map(([k, v]) => (
      <li key={`l-${k}`}>{t(soft_limits.includes(k) ? "ent.softLimit" : "ent.hardLimit", { key: k, value: v })}</li>
    ))
  ]
  if (items.length === 0) return <span class="muted">{t("ent.none")}</span>
  return <ul class="compact">{items}</ul>
}

/** The plan's usage charges as a list (meter: price). */
export const ChargeList = ({ plan }: { plan: Plan }) => {
  const t = useT("platform")
  if (plan.charges.length === 0) return <span class="muted">{t("price.none")}</span>
  return (
    <ul class="compact">
      {plan.charges.map((c) => (
        <li key={c.meter}>
          <code>{c.meter}</code>: <PriceText price={c.price} currency={plan.currency} />
        </li>
      ))}
    </ul>
  )
}

/** The catalogue: the latest version of every plan, each code linking to the plan's page. */
export const PlansTable = ({ plans }: { plans: ReadonlyArray<Plan> }) => {
  const t = useT("platform")
  if (plans.length === 0) return <p class="muted">{t("plans.none")}</p>
  return (
    <TableWrap>
      <table class="plans">
        <caption>{t("plans.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("plans.code")}</th>
            <th scope="col">{t("plans.name")}</th>
            <th scope="col">{t("plans.version")}</th>
            <th scope="col">{t("plans.fixed")}</th>
            <th scope="col">{t("plans.charges")}</th>
            <th scope="col">{t("plans.entitlements")}</th>
          </tr>
        </thead>
        <tbody>
          {plans.map((p) => (
            <tr key={p.code} data-plan={p.code}>
              <th scope="row">
                <a href={`/platform/plans/${encodeURIComponent(p.code)}`}>{p.code}</a>
              </th>
              <td>{p.name}</td>
              <td>v{p.version}</td>
              <td>
                <FixedText plan={p} /> <span class="muted">({p.currency})</span>
              </td>
              <td>
                <ChargeList plan={p} />
              </td>
              <td>
                <EntitlementList plan={p} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  )
}

/** One version of a plan, as a card of facts. */
export const VersionCard = ({ plan }: { plan: Plan }) => {
  const t = useT("platform")
  return (
    <article class="card version" data-version={plan.version} aria-labelledby={`version-${plan.version}`}>
      <h3 id={`version-${plan.version}`}>
        {t("plan.versionTitle", { version: plan.version })} <span class="muted">{formatDateTime(plan.created_at)}</span>
      </h3>
      <dl class="facts">
        <dt>{t("plans.name")}</dt>
        <dd>{plan.name}</dd>
        <dt>{t("plans.fixed")}</dt>
        <dd>
          <FixedText plan={plan} /> <span class="muted">({plan.currency})</span>
        </dd>
        <dt>{t("plans.charges")}</dt>
        <dd>
          <ChargeList plan={plan} />
        </dd>
        <dt>{t("plans.entitlements")}</dt>
        <dd>
          <EntitlementList plan={plan} />
        </dd>
      </dl>
    </article>
  )
}
