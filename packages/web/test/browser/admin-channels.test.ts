/**
 * The channels page in a real browser (issue 22 "Channel configs"): an
 * admin adds an SMS channel (its kind's fields appear), with a token and an
 * event type; the list shows the token's last four characters only; a
 * plain-http provider URL is refused with the server's message and nothing
 * is added; the admin turns the channel off, replaces its event types and
 * deletes it. Each effect is checked through the REST API. On a phone; axe
 * finds no serious or critical violation and no request leaves the server.
 * Chromium, SQLite and Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, onboardTenant, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  screenshot,
  signIn,
  step
} from "./harness.js"

const TOKEN = "sk_test_0123456789abcdefWXYZ"

describe.runIf(browserAvailable())("web app: channels", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `channels on ${dialect}`,
      (it) => {
        it.scoped("an admin adds an SMS channel, turns it off, changes its events and deletes it", () =>
          Effect.gen(function* () {
            const slug = `wa-channels-${dialect}`
            const T = `/api/v1/tenants/${slug}`
            const admin = yield* onboardTenant(slug)
            const get = () => Effect.map(call("GET", `${T}/channels`, { auth: admin }), (r) => r.body)
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/channels`)
              await t.page.getByRole("heading", { level: 1, name: "Channels" }).waitFor()
              await t.page.getByText("No channel yet: messages go through the server's defaults.").waitFor()
            })

            // A plain-http provider: refused by core, the page shows why, nothing is added.
            yield* step(async () => {
              await t.page.getByLabel("Kind").selectOption("sms")
              await t.page.getByLabel("Name", { exact: true }).fill("Texts")
              await t.page.getByLabel("Provider URL").fill("http://sms.example.com/send")
              await t.page.getByLabel("Sender (number or name)").fill("SCHOOL")
              await t.page.getByLabel("Credentials", { exact: true }).fill(TOKEN)
              await t.page.getByLabel("Event types", { exact: true }).fill("signet.accounts.mfa.code")
              await t.page.getByRole("button", { name: "Add the channel" }).click()
              await t.page.getByRole("alert").filter({ hasText: /https/ }).waitFor({ timeout: 30_000 })
            })
            expect(yield* get()).toEqual([])

            yield* step(async () => {
              await t.page.getByLabel("Provider URL").fill("https://sms.example.com/send")
              await t.page.getByRole("button", { name: "Add the channel" }).click()
              await t.page.getByText("Channel Texts added.").waitFor({ timeout: 30_000 })
              await t.page.locator('li[data-channel="Texts"]', { hasText: "…WXYZ" }).waitFor()
            })
            const created = yield* get()
            expect(
              created.map((c: any) => [c.kind, c.name, c.enabled, c.settings.url, c.settings.from, c.event_types])
            ).toEqual([["sms", "Texts", true, "https://sms.example.com/send", "SCHOOL", ["signet.accounts.mfa.code"]]])
            expect(JSON.stringify(created)).not.toContain(TOKEN)
            const html = yield* step(() => t.page.content())
            expect(html).not.toContain(TOKEN)
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "admin-channels", "phone", dialect)

            const row = t.page.locator('li[data-channel="Texts"]')
            yield* step(async () => {
              await row.getByRole("button", { name: "Turn off Texts" }).click()
              await row.getByRole("button", { name: "Turn on Texts" }).waitFor({ timeout: 30_000 })
            })
            expect((yield* get())[0].enabled).toBe(false)

            yield* step(async () => {
              await row.getByText("Edit").click()
              await row.getByLabel("Event types").fill("signet.accounts.mfa.code\nsignet.accounts.invitation.sent")
              await row.getByRole("button", { name: "Save" }).click()
              await t.page.getByText("Channel Texts saved.").waitFor({ timeout: 30_000 })
            })
            const edited = (yield* get())[0]
            expect(edited.event_types).toEqual(["signet.accounts.mfa.code", "signet.accounts.invitation.sent"])
            expect(edited.has_credentials).toBe(true)

            yield* step(async () => {
              await row.getByRole("button", { name: "Delete channel Texts" }).click()
              await row.getByRole("button", { name: "Delete", exact: true }).click()
              await t.page.getByText("No channel yet: messages go through the server's defaults.").waitFor({
                timeout: 30_000
              })
            })
            expect(yield* get()).toEqual([])
            expect(foreignRequests(t)).toEqual([])
          })
        )
      }
    )
  }
})
