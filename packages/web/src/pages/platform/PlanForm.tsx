/**
 * The plan form (issue 20 "Catalogue"), for a new plan and for a plan's
 * next version: code (new plans only), name, interval, currency and the
 * fixed charge in major units, the downgrade target (empty: cancel), then
 * usage charges and entitlements as rows.
 * On submit the draft is checked with the contracts' schema (`draft.ts`)
 * and sent; the server's refusal (problem+json: `ValidationError` with its
 * field issues, `Conflict` with its field) is shown beside the fields and
 * listed above the submit button. Nothing is cleared on failure.
 *
 * @module
 */
import type { CreatePlan, Meter, PlanVersionInput } from "@signet/contracts/billing/Domain"
import { Either } from "effect"
import { useState } from "preact/hooks"
import { ApiError } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { exponentOf } from "../../app/money.js"
import { type FieldProblem, type PlanDraft, toCreatePlan, toPlanVersion } from "./draft.js"
import { FieldError, type FormCtx, invalidProps, ProblemList, TextField } from "./fields.js"
import { ChargeRows, EntitlementRows } from "./PlanRows.js"

/** The server's refusal as field problems (`ValidationError` issues, `Conflict`'s field), else one form-wide problem. */
export const problemsOfError = (e: unknown): Array<FieldProblem> => {
  if (!(e instanceof ApiError)) return [{ field: "form", message: String(e) }]
  const data = e.data as { issues?: ReadonlyArray<{ field: string; message: string }>; field?: string } | undefined
  if (e.tag === "ValidationError" && data?.issues && data.issues.length > 0)
    return data.issues.map((i) => ({ field: i.field, message: i.message }))
  if (e.tag === "Conflict" && data?.field) return [{ field: data.field, message: e.message }]
  return [{ field: "form", message: e.message }]
}

/** What the form sends: a new plan, or the next version of `code`. */
export type PlanSubmit =
  | { readonly mode: "create"; readonly send: (body: CreatePlan) => Promise<unknown> }
  | { readonly mode: "version"; readonly send: (body: PlanVersionInput) => Promise<unknown> }

/** The plan form; `onSent` runs after the server accepted it. */
export const PlanForm = ({
  id,
  initial,
  meters,
  submit,
  submitLabel,
  onSent
}: {
  id: string
  initial: PlanDraft
  meters: ReadonlyArray<Meter>
  submit: PlanSubmit
  submitLabel: string
  onSent: () => void
}) => {
  const t = useT("platform")
  const [draft, setDraft] = useState(initial)
  const [problems, setProblems] = useState<ReadonlyArray<FieldProblem>>([])
  const [busy, setBusy] = useState(false)
  const ctx: FormCtx = { prefix: id, problems }
  const tr = (key: string, values?: Record<string, unknown>) => t(key, values ?? {})
  const set = (patch: Partial<PlanDraft>) => setDraft({ ...draft, ...patch })
  const onSubmit = async (ev: Event) => {
    ev.preventDefault()
    const body =
      submit.mode === "create"
        ? Either.map(toCreatePlan(draft, tr), (b) => () => submit.send(b))
        : Either.map(toPlanVersion(draft, tr), (b) => () => submit.send(b))
    if (Either.isLeft(body)) return setProblems(body.left)
    setBusy(true)
    setProblems([])
    try {
      await body.right()
      onSent()
    } catch (e) {
      setProblems(problemsOfError(e))
    } finally {
      setBusy(false)
    }
  }
  const decimals = exponentOf(draft.currency.trim().toUpperCase())
  return (
    <form id={id} class="stack plan-form" onSubmit={(ev) => void onSubmit(ev)} noValidate>
      <div class="form-grid">
        {submit.mode === "create" && (
          <TextField
            ctx={ctx}
            field="code"
            label={t("form.code")}
            value={draft.code}
            onValue={(code) => set({ code })}
            placeholder="school"
            required
            maxLength={64}
            hint={t("form.codeHint")}
          />
        )}
        <TextField
          ctx={ctx}
          field="name"
          label={t("form.name")}
          value={draft.name}
          onValue={(name) => set({ name })}
          required
          maxLength={200}
        />
        <div class="field">
          <label>
            {t("form.interval")}
            <select
              value={draft.interval}
              onChange={(e) => set({ interval: (e.target as HTMLSelectElement).value as "month" | "year" })}
              {...invalidProps(ctx, "interval")}
            >
              <option value="month">{t("interval.month")}</option>
              <option value="year">{t("interval.year")}</option>
            </select>
          </label>
          <FieldError ctx={ctx} field="interval" />
        </div>
        <TextField
          ctx={ctx}
          field="currency"
          label={t("form.currency")}
          value={draft.currency}
          onValue={(currency) => set({ currency })}
          placeholder="EUR"
          required
          maxLength={3}
          hint={t("form.currencyHint")}
        />
        <TextField
          ctx={ctx}
          field="fixed_amount"
          label={t("form.fixed", { currency: draft.currency.trim().toUpperCase() || "…" })}
          value={draft.fixed}
          onValue={(fixed) => set({ fixed })}
          inputMode="decimal"
          placeholder={decimals === 0 ? "500" : `49.${"0".repeat(decimals)}`}
          required
          hint={t("form.fixedHint", { decimals })}
        />
        <TextField
          ctx={ctx}
          field="downgrade_to"
          label={t("form.downgradeTo")}
          value={draft.downgradeTo}
          onValue={(downgradeTo) => set({ downgradeTo })}
          placeholder="free"
          maxLength={64}
          hint={t("form.downgradeToHint")}
        />
      </div>
      <ChargeRows ctx={ctx} charges={draft.charges} meters={meters} onCharges={(charges) => set({ charges })} />
      <EntitlementRows ctx={ctx} rows={draft.entitlements} onRows={(entitlements) => set({ entitlements })} />
      <ProblemList problems={problems} intro={t("form.problems")} />
      <button type="submit" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  )
}
