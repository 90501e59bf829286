/**
 * Plan and usage in a real browser (issue 20 "web app pages (tenant billing
 * page …)"): a school without a subscription reads that nothing is limited;
 * one on a plan reads its plan, status and each limit with its usage, on a
 * phone, with no accessibility violation. Chromium, SQLite and Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  schoolDay,
  signIn,
  step
} from "./harness.js"

describe.runIf(browserAvailable())("web app: plan and usage", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `admin plan and usage on ${dialect}`,
      (it) => {
        it.scoped("without a subscription the page says nothing is limited", () =>
          Effect.gen(function* () {
            const slug = "wa-bill-none"
            yield* schoolDay(slug)
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/billing`)
              await t.page.getByText("No subscription: nothing is limited.").waitFor()
              await t.page.getByText("The plan sets no limit.").waitFor()
            })
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("on a plan, the page shows the plan, its status and each limit with the school's usage", () =>
          Effect.gen(function* () {
            const slug = "wa-bill"
            yield* schoolDay(slug)
            if ((yield* call("GET", "/api/v1/billing/plans/wa_school")).status !== 200) {
              const plan = yield* call("POST", "/api/v1/billing/plans", {
                body: {
                  code: "wa_school",
                  name: "School",
                  interval: "month",
                  currency: "EUR",
                  fixed_amount: 4900,
                  entitlements: { features: { webhooks: false }, limits: { "users.max": 100, "beacons.max": 5 } }
                }
              })
              expect(plan.status, plan.text).toBe(201)
            }
            const sub = yield* call("POST", `/api/v1/tenants/${slug}/billing/subscription`, {
              body: { plan_code: "wa_school", trial_days: 30 }
            })
            expect(sub.status, sub.text).toBe(201)
            const status = yield* call("GET", `/api/v1/tenants/${slug}/billing/entitlements`)
            const users = status.body.limits.find((l: { limit: string }) => l.limit === "users.max").used
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/billing`)
              await t.page.locator('[data-plan="wa_school"]').waitFor()
              await t.page.getByText("Trial", { exact: true }).waitFor()
              await t.page.getByRole("row", { name: /Users/ }).getByText(`${users} of 100`).waitFor()
              await t.page
                .getByRole("row", { name: /Beacons/ })
                .getByText("0 of 5")
                .waitFor()
              await t.page.getByText("Not included in the plan: webhooks").waitFor()
            })
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )
      }
    )
  }
})
