/**
 * The repeating parts of the plan form (issue 20 "Catalogue"): usage
 * charges — one per platform meter, priced per unit, graduated, volume or
 * package, tiers as rows — and entitlements — feature flags and numeric
 * limits (hard or soft) — each a fieldset the operator adds and removes.
 *
 * @module
 */
import type { Meter } from "@signet/contracts/billing/Domain"
import { useT } from "../../app/i18n.js"
import {
  type ChargeDraft,
  type EntitlementDraft,
  emptyCharge,
  emptyEntitlement,
  emptyTier,
  PRICE_MODELS,
  type PriceModel,
  type TierDraft
} from "./draft.js"
import { FieldError, type FormCtx, invalidProps, TextField } from "./fields.js"

/** The tier rows of a graduated or volume charge `i`. */
const Tiers = ({
  ctx,
  i,
  tiers,
  onTiers
}: {
  ctx: FormCtx
  i: number
  tiers: ReadonlyArray<TierDraft>
  onTiers: (tiers: ReadonlyArray<TierDraft>) => void
}) => {
  const t = useT("platform")
  const set = (j: number, patch: Partial<TierDraft>) => onTiers(tiers.map((x, k) => (k === j ? { ...x, ...patch } : x)))
  const at = `charges[${i}].price.tiers`
  return (
    <>
      {tiers.map((tier, j) => (
        <fieldset key={j} class="tier">
          <legend>{t("form.tier", { n: j + 1 })}</legend>
          <TextField
            ctx={ctx}
            field={`${at}[${j}].up_to`}
            label={t("form.upTo")}
            value={tier.upTo}
            onValue={(upTo) => set(j, { upTo })}
            inputMode="numeric"
            placeholder={j === tiers.length - 1 ? t("form.noBound") : ""}
          />
          <TextField
            ctx={ctx}
            field={`${at}[${j}].unit_amount`}
            label={t("form.unitPrice")}
            value={tier.unit}
            onValue={(unit) => set(j, { unit })}
            inputMode="decimal"
            required
          />
          <TextField
            ctx={ctx}
            field={`${at}[${j}].flat_amount`}
            label={t("form.flatFee")}
            value={tier.flat}
            onValue={(flat) => set(j, { flat })}
            inputMode="decimal"
          />
          {tiers.length > 1 && (
            <button type="button" class="secondary" onClick={() => onTiers(tiers.filter((_, k) => k !== j))}>
              {t("form.removeTier", { n: j + 1 })}
            </button>
          )}
        </fieldset>
      ))}
      <FieldError ctx={ctx} field={at} />
      <p class="muted hint">{t("form.tiersHint")}</p>
      <button type="button" class="secondary" onClick={() => onTiers([...tiers, emptyTier()])}>
        {t("form.addTier")}
      </button>
    </>
  )
}

/** The price fields of charge `i`, by its model. */
const PriceFields = ({
  ctx,
  i,
  c,
  set
}: {
  ctx: FormCtx
  i: number
  c: ChargeDraft
  set: (p: Partial<ChargeDraft>) => void
}) => {
  const t = useT("platform")
  const at = `charges[${i}].price`
  if (c.model === "per_unit")
    return (
      <TextField
        ctx={ctx}
        field={`${at}.unit_amount`}
        label={t("form.unitPrice")}
        value={c.unit}
        onValue={(unit) => set({ unit })}
        inputMode="decimal"
        required
      />
    )
  if (c.model === "package")
    return (
      <>
        <TextField
          ctx={ctx}
          field={`${at}.package_size`}
          label={t("form.packageSize")}
          value={c.packageSize}
          onValue={(packageSize) => set({ packageSize })}
          inputMode="numeric"
          required
        />
        <TextField
          ctx={ctx}
          field={`${at}.package_amount`}
          label={t("form.packagePrice")}
          value={c.packageAmount}
          onValue={(packageAmount) => set({ packageAmount })}
          inputMode="decimal"
          required
        />
      </>
    )
  return <Tiers ctx={ctx} i={i} tiers={c.tiers} onTiers={(tiers) => set({ tiers })} />
}

/** The usage-charge fieldsets and the button adding one (meters: the platform meters to choose from). */
export const ChargeRows = ({
  ctx,
  charges,
  meters,
  onCharges
}: {
  ctx: FormCtx
  charges: ReadonlyArray<ChargeDraft>
  meters: ReadonlyArray<Meter>
  onCharges: (c: ReadonlyArray<ChargeDraft>) => void
}) => {
  const t = useT("platform")
  const set = (i: number, patch: Partial<ChargeDraft>) =>
    onCharges(charges.map((c, k) => (k === i ? { ...c, ...patch } : c)))
  return (
    <fieldset class="rows">
      <legend>{t("form.charges")}</legend>
      {charges.length === 0 && <p class="muted">{t("form.noCharges")}</p>}
      {charges.map((c, i) => (
        <fieldset key={c.key} class="card row-set">
          <legend>{t("form.charge", { n: i + 1 })}</legend>
          <div class="field">
            <label>
              {t("form.meter")}
              <select
                value={c.meter}
                onChange={(e) => set(i, { meter: (e.target as HTMLSelectElement).value })}
                required
                {...invalidProps(ctx, `charges[${i}].meter`)}
              >
                {!meters.some((m) => m.code === c.meter) && <option value={c.meter}>{c.meter || "—"}</option>}
                {meters.map((m) => (
                  <option key={m.code} value={m.code}>
                    {m.code} — {m.name}
                  </option>
                ))}
              </select>
            </label>
            <FieldError ctx={ctx} field={`charges[${i}].meter`} />
          </div>
          <label>
            {t("form.model")}
            <select
              value={c.model}
              onChange={(e) => set(i, { model: (e.target as HTMLSelectElement).value as PriceModel })}
            >
              {PRICE_MODELS.map((m) => (
                <option key={m} value={m}>
                  {t(`models.${m}`)}
                </option>
              ))}
            </select>
          </label>
          <PriceFields ctx={ctx} i={i} c={c} set={(p) => set(i, p)} />
          <button type="button" class="danger" onClick={() => onCharges(charges.filter((_, k) => k !== i))}>
            {t("form.removeCharge", { n: i + 1 })}
          </button>
        </fieldset>
      ))}
      <button type="button" class="secondary" onClick={() => onCharges([...charges, emptyCharge(meters[0]?.code)])}>
        {t("form.addCharge")}
      </button>
      {meters.length === 0 && <p class="muted hint">{t("form.noMeters")}</p>}
    </fieldset>
  )
}

/** The entitlement fieldsets and the button adding one. */
export const EntitlementRows = ({
  ctx,
  rows,
  onRows
}: {
  ctx: FormCtx
  rows: ReadonlyArray<EntitlementDraft>
  onRows: (r: ReadonlyArray<EntitlementDraft>) => void
}) => {
  const t = useT("platform")
  const set = (i: number, patch: Partial<EntitlementDraft>) =>
    onRows(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)))
  return (
    <fieldset class="rows">
      <legend>{t("form.entitlements")}</legend>
      {rows.length === 0 && <p class="muted">{t("form.noEntitlements")}</p>}
      {rows.map((r, i) => (
        <fieldset key={r.key} class="card row-set">
          <legend>{t("form.entitlement", { n: i + 1 })}</legend>
          <label>
            {t("form.kind")}
            <select
              value={r.kind}
              onChange={(e) => set(i, { kind: (e.target as HTMLSelectElement).value as "feature" | "limit" })}
            >
              <option value="limit">{t("form.limit")}</option>
              <option value="feature">{t("form.feature")}</option>
            </select>
          </label>
          <TextField
            ctx={ctx}
            field={`entitlements[${i}]`}
            label={t("form.key")}
            value={r.name}
            onValue={(name) => set(i, { name })}
            placeholder={r.kind === "limit" ? "users.max" : "sso"}
            required
            maxLength={100}
          />
          {r.kind === "limit" ? (
            <>
              <TextField
                ctx={ctx}
                field={`entitlements[${i}].value`}
                label={t("form.limitValue")}
                value={r.value}
                onValue={(value) => set(i, { value })}
                inputMode="numeric"
                required
              />
              <label class="check">
                <input
                  type="checkbox"
                  checked={r.soft}
                  onChange={(e) => set(i, { soft: (e.target as HTMLInputElement).checked })}
                />{" "}
                {t("form.soft")}
              </label>
            </>
          ) : (
            <label class="check">
              <input
                type="checkbox"
                checked={r.on}
                onChange={(e) => set(i, { on: (e.target as HTMLInputElement).checked })}
              />{" "}
              {t("form.featureOn")}
            </label>
          )}
          <button type="button" class="danger" onClick={() => onRows(rows.filter((_, k) => k !== i))}>
            {t("form.removeEntitlement", { n: i + 1 })}
          </button>
        </fieldset>
      ))}
      <p class="muted hint">{t("form.entitlementsHint")}</p>
      <button type="button" class="secondary" onClick={() => onRows([...rows, emptyEntitlement()])}>
        {t("form.addEntitlement")}
      </button>
    </fieldset>
  )
}
