/**
 * The platform meters on the catalogue page (issue 20 "Metering"): the
 * list (`GET /api/v1/billing/meters`) and a form creating one (`POST`),
 * since a plan's usage charges can only be priced on a platform meter.
 * The body is checked with the contracts' `CreateMeter` (a `value_path`
 * for every aggregation but `count`); the server's refusals (a taken code
 * — 409, the meter limit) are shown beside the fields. Group-by dimensions
 * are not offered here (API and CLI only).
 *
 * @module
 */
import { BillingPlatformApi } from "@signet/contracts/billing/Api"
import { CreateMeter, type Meter, MeterAggregation } from "@signet/contracts/billing/Domain"
import { Either, Schema } from "effect"
import { useState } from "preact/hooks"
import { useT } from "../../app/i18n.js"
import { TableWrap } from "../admin/shared.js"
import { type FieldProblem, problemsOf } from "./draft.js"
import { FieldError, type FormCtx, invalidProps, ProblemList, TextField } from "./fields.js"
import { problemsOfError } from "./PlanForm.js"
import { platformCall } from "./session.js"

/** The platform meters, or a note that there are none. */
export const MetersTable = ({ meters }: { meters: ReadonlyArray<Meter> }) => {
  const t = useT("platform")
  if (meters.length === 0) return <p class="muted">{t("meters.none")}</p>
  return (
    <TableWrap>
      <table>
        <caption>{t("meters.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("meters.code")}</th>
            <th scope="col">{t("meters.name")}</th>
            <th scope="col">{t("meters.eventType")}</th>
            <th scope="col">{t("meters.aggregation")}</th>
          </tr>
        </thead>
        <tbody>
          {meters.map((m) => (
            <tr key={m.code} data-meter={m.code}>
              <th scope="row">
                <code>{m.code}</code>
              </th>
              <td>{m.name}</td>
              <td>
                <code>{m.event_type}</code>
              </td>
              <td>
                {m.aggregation}
                {m.value_path && <code> {m.value_path}</code>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  )
}

const AGGREGATIONS = MeterAggregation.literals

/** The form creating a platform meter; `onCreated` runs with the meter the server stored. */
export const MeterForm = ({ onCreated }: { onCreated: (m: Meter) => void }) => {
  const t = useT("platform")
  const empty = { code: "", name: "", event_type: "", aggregation: "count" as MeterAggregation, value_path: "" }
  const [draft, setDraft] = useState(empty)
  const [problems, setProblems] = useState<ReadonlyArray<FieldProblem>>([])
  const [busy, setBusy] = useState(false)
  const ctx: FormCtx = { prefix: "new-meter", problems }
  const set = (patch: Partial<typeof empty>) => setDraft({ ...draft, ...patch })
  const submit = async (ev: Event) => {
    ev.preventDefault()
    const path = draft.value_path.trim()
    const body = Schema.decodeUnknownEither(CreateMeter, { errors: "all" })({
      code: draft.code.trim(),
      name: draft.name.trim(),
      event_type: draft.event_type.trim(),
      aggregation: draft.aggregation,
      ...(path === "" ? {} : { value_path: path })
    })
    if (Either.isLeft(body)) return setProblems(problemsOf(body.left))
    setBusy(true)
    setProblems([])
    try {
      const meter = await platformCall(BillingPlatformApi, (c) =>
        c.billingPlatform.createPlatformMeter({ payload: body.right })
      )
      setDraft(empty)
      onCreated(meter)
    } catch (e) {
      setProblems(problemsOfError(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form id="new-meter" class="stack plan-form" onSubmit={(ev) => void submit(ev)} noValidate>
      <div class="form-grid">
        <TextField
          ctx={ctx}
          field="code"
          label={t("meters.code")}
          value={draft.code}
          onValue={(code) => set({ code })}
          placeholder="api_requests"
          required
          maxLength={64}
        />
        <TextField
          ctx={ctx}
          field="name"
          label={t("meters.name")}
          value={draft.name}
          onValue={(name) => set({ name })}
          required
          maxLength={200}
        />
        <TextField
          ctx={ctx}
          field="event_type"
          label={t("meters.eventType")}
          value={draft.event_type}
          onValue={(event_type) => set({ event_type })}
          placeholder="com.example.api.request"
          required
          maxLength={200}
        />
        <div class="field">
          <label>
            {t("meters.aggregation")}
            <select
              value={draft.aggregation}
              onChange={(e) => set({ aggregation: (e.target as HTMLSelectElement).value as MeterAggregation })}
              {...invalidProps(ctx, "aggregation")}
            >
              {AGGREGATIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <FieldError ctx={ctx} field="aggregation" />
        </div>
        <TextField
          ctx={ctx}
          field="value_path"
          label={t("meters.valuePath")}
          value={draft.value_path}
          onValue={(value_path) => set({ value_path })}
          placeholder="$.duration_ms"
          maxLength={400}
          hint={t("meters.valuePathHint")}
        />
      </div>
      <ProblemList problems={problems} intro={t("meters.problems")} />
      <button type="submit" disabled={busy}>
        {t("meters.createSubmit")}
      </button>
    </form>
  )
}
