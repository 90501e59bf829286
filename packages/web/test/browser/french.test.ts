/**
 * The web app in French (issue 17: "English and French at least"): a
 * browser whose language is `fr-FR` gets the French pages without choosing
 * anything — the sign-in page, a QR signature's result, the teacher's
 * courses of the day with times written the French way — and axe finds no
 * serious or critical violation in French either. Chromium, SQLite and
 * Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { TEST_PASSWORD, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import {
  axeViolations,
  BrowserLive,
  browserAvailable,
  foreignRequests,
  openPage,
  schoolDay,
  screenshot,
  step,
  type TestPage
} from "./harness.js"

/** Signs in through the French sign-in page. */
const connexion = (t: TestPage, login: string) =>
  step(async () => {
    await t.page.getByLabel("E-mail ou identifiant").fill(login)
    await t.page.getByLabel(/^Mot de passe/).fill(TEST_PASSWORD)
    await t.page.getByRole("button", { name: "Se connecter", exact: true }).click()
    await t.page.waitForURL((u) => !u.pathname.endsWith("/login"), { timeout: 20_000 })
  })

describe.runIf(browserAvailable())("web app: French", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `pages in French on ${dialect}`,
      (it) => {
        it.scoped("a French phone: the QR link asks to sign in in French, then says « Vous êtes noté présent. »", () =>
          Effect.gen(function* () {
            const slug = `wf-sign-${dialect}`
            const day = yield* schoolDay(slug)
            const qr = yield* day.qr
            const t = yield* openPage("phone", undefined, "fr-FR")
            yield* step(() => t.page.goto(qr.payload))
            yield* step(() => t.page.getByRole("heading", { level: 1, name: "Connexion" }).waitFor())
            expect(yield* step(() => t.page.evaluate(() => document.documentElement.lang))).toBe("fr")
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "login-fr", "phone", dialect)
            yield* connexion(t, `s1@${slug}.example.edu`)
            yield* step(() => t.page.locator('.result-status[data-status="ACCEPTED"]').waitFor())
            expect(yield* step(() => t.page.getByText("Vous êtes noté présent.").isVisible())).toBe(true)
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
          })
        )

        it.scoped("a French teacher sees « Cours du jour » with the course's times in 24-hour French form", () =>
          Effect.gen(function* () {
            const slug = `wf-teacher-${dialect}`
            const day = yield* schoolDay(slug)
            const t = yield* openPage("desktop", "Europe/Paris", "fr-FR")
            yield* step(() => t.page.goto(`/t/${slug}/login`))
            yield* connexion(t, `t@${slug}.example.edu`)
            yield* step(() => t.page.getByRole("heading", { level: 1, name: "Cours du jour" }).waitFor())
            const start = new Intl.DateTimeFormat("fr-FR", {
              hour: "2-digit",
              minute: "2-digit",
              timeZone: "Europe/Paris"
            }).format(new Date(day.course.start_at))
            yield* step(() => t.page.getByText(start, { exact: false }).first().waitFor())
            expect(start).toMatch(/^\d\d:\d\d$/)
            expect(yield* step(() => t.page.getByRole("combobox", { name: "Langue" }).inputValue())).toBe("fr")
            expect(yield* axeViolations(t)).toEqual([])
            yield* screenshot(t, "teacher-today-fr", "desktop", dialect)
          })
        )
      }
    )
  }
})
