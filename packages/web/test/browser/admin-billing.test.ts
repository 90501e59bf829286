/**
 * Plan and usage in a real browser (issue 20 "web app pages (tenant billing
 * page …)"): a school without a subscription reads that nothing is limited;
 * one on a plan reads its plan, status and each limit with its usage, on a
 * phone, with no accessibility violation; after a period closes, its
 * invoice is listed and downloads as a PDF, a credit note issued against it
 * unfolds under it and downloads as its PDF, and "Pay online" with payments
 * manual shows the server's refusal. Chromium, SQLite and Postgres.
 */

import * as Fs from "node:fs"
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, testServer } from "@signet/server/testing"
import { endPeriod } from "@signet/server/testing/billing"
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

        it.scoped(
          "a closed period's invoice and its credit note are listed and download as PDFs; paying online with payments manual says so",
          () =>
            Effect.gen(function* () {
              const slug = "wa-bill-inv"
              yield* schoolDay(slug)
              if ((yield* call("GET", "/api/v1/billing/plans/wa_invoiced")).status !== 200) {
                const plan = yield* call("POST", "/api/v1/billing/plans", {
                  body: {
                    code: "wa_invoiced",
                    name: "Invoiced",
                    interval: "month",
                    currency: "EUR",
                    fixed_amount: 4900
                  }
                })
                expect(plan.status, plan.text).toBe(201)
              }
              const sub = yield* call("POST", `/api/v1/tenants/${slug}/billing/subscription`, {
                body: { plan_code: "wa_invoiced" }
              })
              expect(sub.status, sub.text).toBe(201)
              yield* endPeriod(slug)
              const closed = yield* call("POST", `/api/v1/tenants/${slug}/billing/close-periods`)
              expect(closed.status, closed.text).toBe(200)
              const number = closed.body.invoices[0].number as string
              const t = yield* openPage("phone")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              const row = t.page.locator(`tr[data-invoice="${number}"]`)
              yield* step(async () => {
                await t.page.goto(`/t/${slug}/admin/billing`)
                await row.waitFor({ timeout: 30_000 })
              })
              const cells = yield* step(() => row.locator("td").allInnerTexts())
              expect(cells[1]).toMatch(/49[.,]00/)
              expect(cells[2]).toBe("To pay")
              const download = yield* step(async () => {
                const [d] = await Promise.all([
                  t.page.waitForEvent("download", { timeout: 60_000 }),
                  row.getByRole("button", { name: `PDF ${number}` }).click()
                ])
                return d
              })
              expect(download.suggestedFilename()).toBe(`${number}.pdf`)
              const bytes = yield* step(async () => Fs.readFileSync((await download.path())!))
              expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-")
              const note = yield* call("POST", `/api/v1/tenants/${slug}/billing/invoices/${number}/credit-notes`, {
                body: { reason: "two days of outage", lines: [{ invoice_line: 0, amount: 900 }] }
              })
              expect(note.status, note.text).toBe(201)
              const cn = note.body.number as string
              yield* step(() => row.getByRole("button", { name: `Credit notes ${number}` }).click())
              const noteItem = t.page.locator(`[data-credit-note="${cn}"]`)
              yield* step(() => noteItem.waitFor({ timeout: 30_000 }))
              expect(yield* step(() => noteItem.innerText())).toMatch(/9[.,]00.*credited.*two days of outage/s)
              const noteDownload = yield* step(async () => {
                const [d] = await Promise.all([
                  t.page.waitForEvent("download", { timeout: 60_000 }),
                  noteItem.getByRole("button", { name: `PDF ${cn}` }).click()
                ])
                return d
              })
              expect(noteDownload.suggestedFilename()).toBe(`${cn}.pdf`)
              yield* step(() => row.getByRole("button", { name: `Pay online ${number}` }).click())
              yield* step(() => t.page.getByRole("alert").waitFor({ timeout: 30_000 }))
              expect(yield* step(() => t.page.getByRole("alert").innerText())).toMatch(/manual/i)
              expect(t.page.url()).toContain(`/t/${slug}/admin/billing`)
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
            })
        )
      }
    )
  }
})
