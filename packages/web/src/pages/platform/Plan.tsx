/**
 * One plan (`/platform/plans/{code}`, issue 20 "Catalogue"): its versions,
 * newest first (`GET /api/v1/billing/plans/{code}/versions`), and a form,
 * filled with the latest version, that publishes the next one (`PUT
 * /api/v1/billing/plans/{code}`). Versions are immutable: subscriptions
 * keep the version they were made on; a new subscription or a plan change
 * takes the latest.
 *
 * @module
 */
import { BillingPlatformApi } from "@signet/contracts/billing/Api"
import { useState } from "preact/hooks"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Loading, useLoad } from "../../app/ui.js"
import { Section } from "../admin/shared.js"
import { draftOf } from "./draft.js"
import { PlatformFrame } from "./index.js"
import { PlanForm } from "./PlanForm.js"
import { usePlatformMeters } from "./Plans.js"
import { VersionCard } from "./PlanView.js"
import { platformCall } from "./session.js"

/** The plan page of `code`. */
export const PlanPage = ({ code }: { code: string }) => {
  const t = useT("platform")
  const versions = useLoad(
    () =>
      platformCall(BillingPlatformApi, (c) => c.billingPlatform.listPlanVersions({ path: { code } })).then((vs) =>
        [...vs].sort((a, b) => b.version - a.version)
      ),
    [code]
  )
  const meters = usePlatformMeters()
  const [published, setPublished] = useState<number | undefined>(undefined)
  const latest = versions.data?.[0]
  return (
    <PlatformFrame title={t("plan.title", { code })}>
      <p>
        <a href="/platform/plans">{t("plan.back")}</a>
      </p>
      {versions.loading && !versions.data ? (
        <Loading />
      ) : versions.error ? (
        <ErrorNote error={versions.error} />
      ) : latest ? (
        <>
          <Section title={t("plan.publish", { version: latest.version + 1 })}>
            {published !== undefined && <output class="ok block">{t("plan.published", { version: published })}</output>}
            <p class="muted">{t("plan.publishIntro")}</p>
            <PlanForm
              key={latest.version}
              id="next-version"
              initial={draftOf(latest)}
              meters={meters.data ?? []}
              submit={{
                mode: "version",
                send: (body) =>
                  platformCall(BillingPlatformApi, (c) =>
                    c.billingPlatform.updatePlan({ path: { code }, payload: body })
                  ).then((p) => setPublished(p.version))
              }}
              submitLabel={t("plan.publishSubmit", { version: latest.version + 1 })}
              onSent={versions.reload}
            />
          </Section>
          <Section title={t("plan.versions")}>
            <div class="versions">
              {versions.data?.map((v) => (
                <VersionCard key={v.version} plan={v} />
              ))}
            </div>
          </Section>
        </>
      ) : null}
    </PlatformFrame>
  )
}
