/**
 * Connected apps in a real browser (issue 19 §1 "Clients are registered per
 * tenant by admins (… web page)"): an administrator registers an OpenID
 * Connect client (its secret shown once), the server lists it with the exact
 * redirect URI, and deletes it after the inline confirmation. Chromium,
 * SQLite and Postgres.
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

const REDIRECT = "https://lms.example.edu/callback"

describe.runIf(browserAvailable())("web app: connected apps", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `admin connected apps on ${dialect}`,
      (it) => {
        it.scoped("an admin registers an app (secret shown once), sees it listed, and deletes it", () =>
          Effect.gen(function* () {
            const slug = "wa-apps"
            yield* schoolDay(slug)
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/apps`)
              await t.page.getByText("No app registered yet.").waitFor()
              await t.page.getByLabel("Name", { exact: true }).fill("Moodle")
              await t.page.getByLabel(/^Redirect URIs/).fill(REDIRECT)
              await t.page.getByRole("button", { name: "Register", exact: true }).click()
              await t.page.getByText("Copy the client secret now").waitFor()
            })
            const secret = yield* step(() => t.page.getByLabel("Client secret").inputValue())
            expect(secret.length).toBeGreaterThan(20)
            const listed = yield* call("GET", `/api/v1/tenants/${slug}/oidc/clients`)
            expect(listed.body).toHaveLength(1)
            expect(listed.body[0]).toMatchObject({ name: "Moodle", redirect_uris: [REDIRECT], public: false })
            // The secret is never listed again.
            expect(JSON.stringify(listed.body)).not.toContain(secret)
            expect(yield* axeViolations(t)).toEqual([])
            yield* step(async () => {
              await t.page.getByRole("button", { name: "Delete the app Moodle" }).click()
              await t.page.getByRole("button", { name: "Delete", exact: true }).click()
              await t.page.getByText("No app registered yet.").waitFor()
            })
            expect((yield* call("GET", `/api/v1/tenants/${slug}/oidc/clients`)).body).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("a redirect URI the server refuses is shown as its error and nothing is registered", () =>
          Effect.gen(function* () {
            const slug = "wa-apps-bad"
            yield* schoolDay(slug)
            const t = yield* openPage("desktop")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/apps`)
              await t.page.getByLabel("Name", { exact: true }).fill("Portal")
              await t.page.getByLabel(/^Redirect URIs/).fill("http://portal.example.edu/cb")
              await t.page.getByRole("button", { name: "Register", exact: true }).click()
              await t.page
                .getByText(/redirect/i)
                .and(t.page.getByRole("alert"))
                .first()
                .waitFor()
            })
            expect((yield* call("GET", `/api/v1/tenants/${slug}/oidc/clients`)).body).toEqual([])
          })
        )
      }
    )
  }
})
