/**
 * The platform operators' plan catalogue in a real browser (issue 20 "web
 * app pages (… platform plans)"): an operator signs in at
 * `/platform/login`, creates a plan with a fixed charge, a graduated usage
 * charge and a limit entitlement, sees it in the catalogue, publishes
 * version 2, and a plan code that is taken shows the server's refusal
 * beside the code field; an amount with more decimals than its currency
 * is refused beside its field before anything is sent; a platform meter
 * made in the page is listed and offered to usage charges; a downgrade
 * target is stored as the plan's policy, an unknown one refused beside its
 * field; when the 15-minute operator token runs out, the
 * page says so and asks for a new sign-in. Phone size, axe-clean.
 * Chromium, SQLite and Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { Operators } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { call, testServer } from "@signet/server/testing"
import { Effect, Layer, Redacted } from "effect"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  screenshot,
  step,
  type TestPage
} from "./harness.js"

const PASSWORD = "platform operator passphrase"

/** An operator (core, as the server tests make them) and a platform meter (REST, bootstrap token). */
const operatorWithMeter = (email: string, meter: string) =>
  Effect.gen(function* () {
    yield* Operators.use((o) => o.create({ email, name: "Ops", password: Redacted.make(PASSWORD) }))
    const created = yield* call("POST", "/api/v1/billing/meters", {
      body: { code: meter, name: "API calls", event_type: "com.example.api.call", aggregation: "count" }
    })
    expect(created.status, created.text).toBe(201)
  })

/** Opens `path`, is sent to the operator sign-in, signs in and comes back. */
const operatorSignIn = (t: TestPage, path: string, email: string) =>
  step(async () => {
    await t.page.goto(path)
    await t.page.waitForURL((u) => u.pathname === "/platform/login", { timeout: 30_000 })
    await t.page.getByLabel("E-mail").fill(email)
    await t.page.getByLabel("Password").fill(PASSWORD)
    await t.page.getByRole("button", { name: "Sign in", exact: true }).click()
    await t.page.waitForURL((u) => u.pathname === path, { timeout: 30_000 })
  })

describe.runIf(browserAvailable())("web app: platform plan catalogue", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 240_000, excludeTestServices: true })(
      `platform plans on ${dialect}`,
      (it) => {
        it.scoped(
          "an operator creates a plan, sees it listed, publishes version 2, and a taken code shows the server's error",
          () =>
            Effect.gen(function* () {
              yield* operatorWithMeter("ops@plans.example.org", "wa_api_calls")
              const t = yield* openPage("phone")
              yield* operatorSignIn(t, "/platform/plans", "ops@plans.example.org")
              const form = t.page.locator("#new-plan")
              yield* step(async () => {
                await t.page.getByText("No plan yet").waitFor({ timeout: 30_000 })
                await form.getByLabel("Code").fill("wa_school")
                await form.getByLabel("Name").fill("School")
                await form.getByLabel("Billing interval").selectOption("month")
                await form.getByLabel("Currency").fill("EUR")
                await form.getByLabel(/^Fixed charge/).fill("49.90")
                await form.getByRole("button", { name: "Add a usage charge" }).click()
                const charge = form.getByRole("group", { name: "Usage charge 1" })
                await charge.getByLabel("Meter").selectOption("wa_api_calls")
                await charge.getByLabel("Price model").selectOption("graduated")
                const tier1 = charge.getByRole("group", { name: "Tier 1" })
                await tier1.getByLabel("Up to (units)").fill("1000")
                await tier1.getByLabel("Price per unit").fill("0")
                const tier2 = charge.getByRole("group", { name: "Tier 2" })
                await tier2.getByLabel("Price per unit").fill("0.02")
                await form.getByRole("button", { name: "Add an entitlement" }).click()
                const ent = form.getByRole("group", { name: "Entitlement 1" })
                await ent.getByLabel("Kind").selectOption("limit")
                await ent.getByLabel("Key").fill("users.max")
                await ent.getByLabel("Limit value").fill("100")
                await form.getByRole("button", { name: "Create plan" }).click()
                await t.page.getByText("Plan wa_school created (version 1).").waitFor({ timeout: 30_000 })
              })
              const row = t.page.locator('tr[data-plan="wa_school"]')
              yield* step(() => row.waitFor({ timeout: 30_000 }))
              const text = yield* step(() => row.innerText())
              expect(text).toContain("v1")
              expect(text).toMatch(/€49\.90 \/ month/)
              expect(text).toContain("up to 1000 units: €0.00 per unit")
              expect(text).toContain("above 1000 units: €0.02 per unit")
              expect(text).toContain("users.max ≤ 100 (hard)")
              // What the server stored: minor units, the graduated tiers, the limit.
              const stored = (yield* call("GET", "/api/v1/billing/plans/wa_school")).body
              expect(stored.fixed_amount).toBe(4990)
              expect(stored.charges).toEqual([
                {
                  meter: "wa_api_calls",
                  price: {
                    _tag: "graduated",
                    tiers: [
                      { up_to: 1000, unit_amount: 0, flat_amount: 0 },
                      { up_to: null, unit_amount: 2, flat_amount: 0 }
                    ]
                  }
                }
              ])
              expect(stored.entitlements.limits).toEqual({ "users.max": 100 })

              // Version 2: the form starts from version 1; change the fixed charge.
              const next = t.page.locator("#next-version")
              yield* step(async () => {
                await row.getByRole("link", { name: "wa_school" }).click()
                await t.page.waitForURL((u) => u.pathname === "/platform/plans/wa_school")
                await next.getByLabel(/^Fixed charge/).waitFor({ timeout: 30_000 })
                expect(await next.getByLabel(/^Fixed charge/).inputValue()).toBe("49.90")
                await next.getByLabel(/^Fixed charge/).fill("59.90")
                await next.getByRole("button", { name: "Publish version 2" }).click()
                await t.page.getByText("Version 2 published.").waitFor({ timeout: 30_000 })
                await t.page.locator('[data-version="2"]').getByText("€59.90 / month").waitFor()
                await t.page.locator('[data-version="1"]').getByText("€49.90 / month").waitFor()
              })
              expect((yield* call("GET", "/api/v1/billing/plans/wa_school")).body.version).toBe(2)
              expect(yield* axeViolations(t)).toEqual([])
              yield* screenshot(t, "platform-plan", "phone", dialect)

              // A wrong input: the code is taken. The server's 409 shows beside the code field; nothing is created.
              yield* step(async () => {
                await t.page.getByRole("link", { name: "← All plans" }).click()
                await form.getByLabel("Code").waitFor({ timeout: 30_000 })
                await form.getByLabel("Code").fill("wa_school")
                await form.getByLabel("Name").fill("Copy")
                await form.getByLabel(/^Fixed charge/).fill("1")
                await form.getByRole("button", { name: "Create plan" }).click()
                await form.getByRole("alert").waitFor({ timeout: 30_000 })
              })
              const code = form.getByLabel("Code")
              expect(yield* step(() => code.getAttribute("aria-invalid"))).toBe("true")
              const describedBy = (yield* step(() => code.getAttribute("aria-describedby"))) as string
              expect(yield* step(() => t.page.locator(`#${describedBy}`).innerText())).toBe(
                "plan wa_school exists; edit it instead"
              )
              expect(yield* step(() => form.getByLabel("Name").inputValue())).toBe("Copy")
              expect((yield* call("GET", "/api/v1/billing/plans/wa_school")).body.name).toBe("School")
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
              expect(t.errors).toEqual([])
            })
        )

        it.scoped("an amount with more decimals than the currency has is refused beside its field, nothing sent", () =>
          Effect.gen(function* () {
            yield* operatorWithMeter("ops@decimals.example.org", "wa_decimal_calls")
            const t = yield* openPage("phone")
            yield* operatorSignIn(t, "/platform/plans", "ops@decimals.example.org")
            const form = t.page.locator("#new-plan")
            yield* step(async () => {
              await form.getByLabel("Code").fill("wa_yen")
              await form.getByLabel("Name").fill("Yen")
              await form.getByLabel("Currency").fill("JPY")
              await form.getByLabel(/^Fixed charge/).fill("500.5")
              await form.getByRole("button", { name: "Create plan" }).click()
              await form.getByRole("alert").waitFor({ timeout: 30_000 })
            })
            const fixed = form.getByLabel(/^Fixed charge/)
            const describedBy = (yield* step(() => fixed.getAttribute("aria-describedby"))) as string
            expect(yield* step(() => t.page.locator(`#${describedBy}`).innerText())).toBe(
              "This currency has at most 0 decimal places."
            )
            expect((yield* call("GET", "/api/v1/billing/plans/wa_yen")).status).toBe(404)
            // One request to /api/v1/billing/plans: the catalogue's GET; no POST was sent.
            expect(t.requests.filter((u) => u.endsWith("/api/v1/billing/plans")).length).toBe(1)
            expect(yield* axeViolations(t)).toEqual([])
          })
        )

        it.scoped("a downgrade target is stored as the plan's policy; an unknown one is refused beside its field", () =>
          Effect.gen(function* () {
            yield* operatorWithMeter("ops@downgrade.example.org", "wa_dg_calls")
            const free = { code: "wa_dg_free", name: "Free", interval: "month", currency: "EUR", fixed_amount: 0 }
            expect((yield* call("POST", "/api/v1/billing/plans", { body: free })).status).toBe(201)
            const t = yield* openPage("phone")
            yield* operatorSignIn(t, "/platform/plans", "ops@downgrade.example.org")
            const form = t.page.locator("#new-plan")
            const target = form.getByLabel("Downgrade to plan")
            yield* step(async () => {
              await form.getByLabel("Code").fill("wa_dg_paid")
              await form.getByLabel("Name").fill("Paid")
              await form.getByLabel(/^Fixed charge/).fill("10")
              await target.fill("wa_dg_nope")
              await form.getByRole("button", { name: "Create plan" }).click()
              await form.getByRole("alert").waitFor({ timeout: 30_000 })
            })
            const describedBy = (yield* step(() => target.getAttribute("aria-describedby"))) as string
            expect(yield* step(() => t.page.locator(`#${describedBy}`).innerText())).toBe("no plan wa_dg_nope")
            expect((yield* call("GET", "/api/v1/billing/plans/wa_dg_paid")).status).toBe(404)
            yield* step(async () => {
              await target.fill("wa_dg_free")
              await form.getByRole("button", { name: "Create plan" }).click()
              await t.page.getByText("Plan wa_dg_paid created (version 1).").waitFor({ timeout: 30_000 })
            })
            expect((yield* call("GET", "/api/v1/billing/plans/wa_dg_paid")).body).toMatchObject({
              downgrade_policy: "downgrade",
              downgrade_to: "wa_dg_free"
            })
          })
        )

        it.scoped("an operator creates a platform meter; it is listed and offered to usage charges", () =>
          Effect.gen(function* () {
            yield* operatorWithMeter("ops@meters.example.org", "wa_first_calls")
            const t = yield* openPage("phone")
            yield* operatorSignIn(t, "/platform/plans", "ops@meters.example.org")
            const form = t.page.locator("#new-meter")
            yield* step(async () => {
              await t.page.locator('tr[data-meter="wa_first_calls"]').waitFor({ timeout: 30_000 })
              await form.getByLabel("Code").fill("wa_seats")
              await form.getByLabel("Name").fill("Seats")
              await form.getByLabel("Event type").fill("com.example.seat.used")
              await form.getByLabel("Aggregation").selectOption("sum")
              await form.getByLabel("Value path").fill("$.seats")
              await form.getByRole("button", { name: "Create meter" }).click()
              await t.page.getByText("Meter wa_seats created.").waitFor({ timeout: 30_000 })
              await t.page.locator('tr[data-meter="wa_seats"]').waitFor({ timeout: 30_000 })
              await t.page.locator("#new-plan").getByRole("button", { name: "Add a usage charge" }).click()
            })
            const options = yield* step(() =>
              t.page
                .locator("#new-plan")
                .getByRole("group", { name: "Usage charge 1" })
                .getByLabel("Meter")
                .locator("option")
                .allInnerTexts()
            )
            expect(options).toContain("wa_seats — Seats")
            const stored = (yield* call("GET", "/api/v1/billing/meters")).body as Array<{
              code: string
              value_path: string
            }>
            expect(stored.find((m) => m.code === "wa_seats")?.value_path).toBe("$.seats")
            expect(yield* axeViolations(t)).toEqual([])
          })
        )

        it.scoped("when the 15-minute operator token runs out, the page says so and asks to sign in again", () =>
          Effect.gen(function* () {
            yield* operatorWithMeter("ops@expiry.example.org", "wa_expiry_calls")
            const t = yield* openPage("phone")
            yield* step(() => t.page.clock.install())
            yield* operatorSignIn(t, "/platform/plans", "ops@expiry.example.org")
            yield* step(async () => {
              await t.page.locator('tr[data-meter="wa_expiry_calls"]').waitFor({ timeout: 30_000 })
              await t.page.clock.fastForward("15:01")
              await t.page.waitForURL((u) => u.pathname === "/platform/login", { timeout: 30_000 })
              await t.page.getByText("Your operator session has expired").waitFor({ timeout: 30_000 })
            })
            expect(yield* axeViolations(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )
      }
    )
  }
})
