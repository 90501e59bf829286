/**
 * Printable sign-in cards on the admin users page, in a real browser (issue
 * 18 "for students without e-mail: printable sign-in cards … per group"):
 * the admin picks a group and downloads the PDF, and the page shows how
 * many cards were made and how many students were skipped, and names the
 * skipped ones with the reason. On a phone
 * width; axe finds no serious or critical violation and no request leaves
 * the server. Chromium, SQLite and Postgres.
 */
import * as Fs from "node:fs"
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
  screenshot,
  signIn,
  step
} from "./harness.js"

describe.runIf(browserAvailable())("web app: admin sign-in cards", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `sign-in cards on ${dialect}`,
      (it) => {
        it.scoped("an admin downloads a group's cards as a PDF and sees the counts", () =>
          Effect.gen(function* () {
            const slug = `wa-cards-${dialect}`
            const day = yield* schoolDay(slug)
            // Two students without a password (they get a card) and s1, who has one (skipped).
            const kid = (n: string) =>
              Effect.map(
                day.post("/users", {
                  email: `${n}@${slug}.example.edu`,
                  given_name: n,
                  family_name: "Card",
                  user_type: "student",
                  school_id: day.school.id
                }),
                (r) => r.body.id as string
              )
            const ids = [yield* kid("k1"), yield* kid("k2"), day.s1.id]
            const group = (yield* day.post("/groups", { school_id: day.school.id, name: "6e C" })).body
            yield* call("PUT", `${day.T}/groups/${group.id}/members`, { auth: day.admin, body: { student_ids: ids } })

            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/admin`)
              await t.page.getByRole("heading", { level: 2, name: "Sign-in cards" }).waitFor({ timeout: 30_000 })
            })
            yield* step(() => t.page.getByLabel("Student group").selectOption({ label: "6e C" }))
            const download = yield* step(async () => {
              const [d] = await Promise.all([
                t.page.waitForEvent("download", { timeout: 60_000 }),
                t.page.getByRole("button", { name: "Download the cards (PDF)" }).click()
              ])
              return d
            })
            expect(download.suggestedFilename()).toBe("sign-in-cards.pdf")
            const bytes = yield* step(async () => Fs.readFileSync((await download.path())!))
            expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-")
            yield* step(() =>
              t.page
                .getByText("2 cards created. 1 student skipped (already has a password or is disabled).")
                .waitFor({ timeout: 30_000 })
            )
            // Who was skipped and why: s1, by name, with the reason.
            const skippedList = t.page.getByRole("list", { name: "Students without a card" })
            yield* step(() => skippedList.waitFor({ timeout: 30_000 }))
            const rows = yield* step(() => skippedList.getByRole("listitem").allInnerTexts())
            expect(rows.map((r) => r.replace(/\s+/g, " ").trim())).toEqual([
              `${day.s1.given_name} ${day.s1.family_name} already has a password`
            ])
            expect(yield* axeViolations(t)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            yield* screenshot(t, "admin-cards", "phone", dialect)
          })
        )
      }
    )
  }
})
