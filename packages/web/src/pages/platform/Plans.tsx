/**
 * The plan catalogue (`/platform/plans`, issue 20 "Catalogue"; seed 002
 * "plans Free/Pro/Enterprise"): the latest version of every plan, a form
 * creating a plan (version 1), and the platform meters usage charges are
 * priced on, with a form creating one (`Meters.tsx`). Platform operators only: the
 * API refuses anyone else, in core.
 *
 * @module
 */
import { BillingPlatformApi } from "@signet/contracts/billing/Api"
import { useState } from "preact/hooks"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"
import { Section } from "../admin/shared.js"
import { emptyDraft } from "./draft.js"
import { PlatformFrame } from "./index.js"
import { MeterForm, MetersTable } from "./Meters.js"
import { PlanForm } from "./PlanForm.js"
import { PlansTable } from "./PlanView.js"
import { platformCall } from "./session.js"

/** The platform meters, loaded once for the page. */
export const usePlatformMeters = () =>
  useLoad(() => platformCall(BillingPlatformApi, (c) => c.billingPlatform.listPlatformMeters()), [])

/** The catalogue page. */
export const Plans = () => {
  const t = useT("platform")
  const plans = useLoad(() => platformCall(BillingPlatformApi, (c) => c.billingPlatform.listPlans()), [])
  const meters = usePlatformMeters()
  const [created, setCreated] = useState<{ n: number; code?: string }>({ n: 0 })
  const [meterCreated, setMeterCreated] = useState<string | undefined>(undefined)
  return (
    <PlatformFrame title={t("plans.title")}>
      <p class="muted">{t("plans.intro")}</p>
      <Section title={t("plans.list")}>
        {plans.loading && !plans.data ? (
          <Loading />
        ) : plans.error ? (
          <ErrorNote error={plans.error} />
        ) : (
          <PlansTable plans={plans.data ?? []} />
        )}
      </Section>
      <Section title={t("plans.create")}>
        {created.code && <output class="ok block">{t("plans.created", { code: created.code })}</output>}
        <PlanForm
          key={created.n}
          id="new-plan"
          initial={emptyDraft()}
          meters={meters.data ?? []}
          submit={{
            mode: "create",
            send: (body) =>
              platformCall(BillingPlatformApi, (c) => c.billingPlatform.createPlan({ payload: body })).then((p) =>
                setCreated({ n: created.n + 1, code: p.code })
              )
          }}
          submitLabel={t("plans.createSubmit")}
          onSent={plans.reload}
        />
      </Section>
      <Section title={t("meters.title")}>
        <p class="muted">{t("meters.intro")}</p>
        {meters.loading && !meters.data ? (
          <Loading />
        ) : meters.error ? (
          <ErrorNote error={meters.error} />
        ) : (
          <MetersTable meters={meters.data ?? []} />
        )}
        <h3>{t("meters.create")}</h3>
        {meterCreated && <output class="ok block">{t("meters.created", { code: meterCreated })}</output>}
        <MeterForm
          onCreated={(m) => {
            setMeterCreated(m.code)
            meters.reload()
          }}
        />
      </Section>
    </PlatformFrame>
  )
}
