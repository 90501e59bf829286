/**
 * The tenant-wide "SSO only" policy on the single sign-on page, in a real
 * browser (issue 19 §2): an admin with a fresh MFA verification tries to
 * turn it on without a break-glass account and reads the server's refusal,
 * finds a teacher and makes them the break-glass account, then turns the
 * policy on — which the API then reports, and which refuses another
 * teacher's password. On a phone; axe finds no serious or critical
 * violation and no request leaves the server. Chromium, SQLite and
 * Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, onboardTenant, TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import {
  adminSignInWithMfa,
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  step
} from "./harness.js"

describe.runIf(browserAvailable())("web app: SSO only for every account", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `SSO-only policy on ${dialect}`,
      (it) => {
        it.scoped("an admin marks a break-glass teacher and turns SSO only on; other passwords are then refused", () =>
          Effect.gen(function* () {
            const slug = `wa-ssopol-${dialect}`
            const T = `/api/v1/tenants/${slug}`
            yield* onboardTenant(slug)
            const teacher = (given: string, family: string) =>
              call("POST", `${T}/users`, {
                body: {
                  email: `${given.toLowerCase()}@${slug}.example.edu`,
                  given_name: given,
                  family_name: family,
                  user_type: "teacher",
                  password: TEST_PASSWORD
                }
              })
            expect((yield* teacher("Kim", "Keeper")).status).toBe(201)
            expect((yield* teacher("Ann", "Other")).status).toBe(201)
            const connected = yield* call("PUT", `${T}/sso/connections/idp`, {
              body: {
                issuer: "https://idp.example/",
                client_id: "c",
                client_secret: "s",
                scopes: ["openid", "email"],
                domains: ["idp.example"],
                provisioning: "link_only"
              }
            })
            expect(connected.status, connected.text).toBe(200)

            const t = yield* openPage("phone")
            yield* adminSignInWithMfa(t, slug)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin/sso`)
              await t.page.getByRole("heading", { level: 2, name: "SSO only for every account" }).waitFor()
            })
            const turnOn = t.page.getByRole("button", { name: "Turn SSO only on" })
            // No break-glass account yet: the server refuses (409) and the page says why.
            yield* step(() => turnOn.click())
            const refusal = yield* step(async () => {
              const alert = t.page.getByRole("alert").filter({ hasText: /break-glass/ })
              await alert.waitFor({ timeout: 30_000 })
              return alert.innerText()
            })
            expect(refusal).toMatch(/break-glass/)

            yield* step(() => t.page.getByLabel("Find a person (name or e-mail)").fill("Kim"))
            yield* step(() => t.page.getByRole("button", { name: "Search" }).click())
            yield* step(() =>
              t.page
                .getByRole("button", { name: `Make break-glass account Kim Keeper (kim@${slug}.example.edu)` })
                .click()
            )
            const keepers = t.page.getByRole("list", { name: "Break-glass accounts" })
            yield* step(() =>
              keepers
                .getByRole("button", { name: `Remove Kim Keeper (kim@${slug}.example.edu)` })
                .waitFor({ timeout: 30_000 })
            )

            yield* step(() => turnOn.click())
            yield* step(() => t.page.getByText("SSO only is on.").waitFor({ timeout: 30_000 }))
            yield* step(() => t.page.getByRole("button", { name: "Turn SSO only off" }).waitFor())
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])

            expect((yield* call("GET", `${T}/sso/policy`)).body.sso_only).toBe(true)
            const refused = yield* call("POST", `${T}/auth/login`, {
              auth: false,
              body: { login: `ann@${slug}.example.edu`, password: TEST_PASSWORD }
            })
            expect(refused.status).toBe(403)
            expect(refused.body._tag ?? refused.body.type).toMatch(/TenantSsoRequired/)
          })
        )
      }
    )
  }
})
