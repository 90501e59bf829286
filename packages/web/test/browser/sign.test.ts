/**
 * The student's sign path in a real browser (issue 17): the QR code's link
 * opened on a phone-sized page, sign-in, the result in plain words; typed
 * codes; refusals; another tenant's student. Chromium, SQLite and Postgres.
 */
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, TestServer, testServer } from "@signet/server/testing"
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

describe.runIf(browserAvailable())("web app: signing", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `student sign path on ${dialect}`,
      (it) => {
        it.scoped(
          "the QR code is an https-or-http link of this server that a phone opens: sign in, then ACCEPTED",
          () =>
            Effect.gen(function* () {
              const day = yield* schoolDay("wb-sign")
              const qr = yield* day.qr
              const server = yield* TestServer
              expect(qr.payload).toBe(`${new URL(server.url).origin}/t/wb-sign/sign?c=${day.course.id}&k=${qr.code}`)
              const t = yield* openPage("phone")
              yield* step(() => t.page.goto(qr.payload))
              yield* step(() => t.page.waitForURL(/\/t\/wb-sign\/login\?next=/))
              yield* screenshot(t, "login", "phone", dialect)
              yield* signIn(t, "wb-sign", "s1@wb-sign.example.edu")
              const status = t.page.locator(".result-status")
              yield* step(() => status.waitFor())
              expect(yield* step(() => status.textContent())).toBe("ACCEPTED")
              expect(yield* step(() => t.page.getByText("You are marked present.").isVisible())).toBe(true)
              yield* screenshot(t, "sign-accepted", "phone", dialect)
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
              expect(t.errors).toEqual([])
            })
        )

        it.scoped("a wrong code is REFUSED with the reason in plain words, and a typed code then signs", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wb-typed")
            const t = yield* openPage("phone")
            yield* signIn(t, "wb-typed", "s2@wb-typed.example.edu")
            yield* step(() => t.page.goto(`/t/wb-typed/sign?c=${day.course.id}&k=00000000`))
            yield* step(() => t.page.locator(".result-status").waitFor())
            expect(yield* step(() => t.page.locator(".result-status").textContent())).toBe("REFUSED")
            expect(yield* step(() => t.page.getByText("This code is not valid for this course.").isVisible())).toBe(
              true
            )
            const qr = yield* day.qr
            yield* step(() => t.page.getByLabel("Type the code shown in class").fill(qr.code))
            yield* step(() => t.page.getByRole("button", { name: "Sign", exact: true }).click())
            yield* step(() => t.page.locator('.result-status[data-status="ACCEPTED"]').waitFor())
            const history = yield* day.get(`/courses/${day.course.id}/roll`)
            const entry = history.body.entries.find((e: any) => e.student_id === day.s2.id)
            expect(entry.result).toBe("PRESENT")
          })
        )

        it.scoped("an expired code is REFUSED with a plain reason and records no presence", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wb-expired")
            yield* call("PUT", `${day.T}/schools/${day.school.id}/attendance-policy`, {
              auth: day.admin,
              body: { qr_step_seconds: 5 }
            })
            const qr = yield* day.qr
            // Codes live for their step and the next: three steps later this one is expired.
            yield* Effect.sleep("16 seconds")
            const t = yield* openPage("phone")
            yield* signIn(t, "wb-expired", "s1@wb-expired.example.edu")
            yield* step(() => t.page.goto(qr.payload))
            yield* step(() => t.page.locator('.result-status[data-status="REFUSED"]').waitFor())
            expect(
              yield* step(() =>
                t.page.getByText("This code has expired. Scan the code on the screen again.").isVisible()
              )
            ).toBe(true)
            expect((yield* day.get(`/courses/${day.course.id}/roll`)).body.counts.PRESENT).toBe(0)
          })
        )

        it.scoped("a course its teacher closed refuses the link with the reason", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wb-closed")
            const qr = yield* day.qr
            const closed = yield* day.post(`/courses/${day.course.id}/close`, {}, day.tTeacher)
            expect(closed.status).toBe(200)
            const t = yield* openPage("phone")
            yield* signIn(t, "wb-closed", "s2@wb-closed.example.edu")
            yield* step(() => t.page.goto(qr.payload))
            yield* step(() => t.page.locator('.result-status[data-status="REFUSED"]').waitFor())
            const text = yield* step(() => t.page.locator("main").textContent())
            expect(text).toMatch(/closed/)
            const roll = (yield* day.get(`/courses/${day.course.id}/roll`)).body
            expect(roll.entries.find((e: any) => e.student_id === day.s2.id).result).toBe("ABSENT")
          })
        )

        it.scoped("a student of another tenant opening the link is refused and nothing is recorded", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wb-home")
            yield* schoolDay("wb-away")
            const qr = yield* day.qr
            const t = yield* openPage("phone")
            yield* signIn(t, "wb-away", "s1@wb-away.example.edu")
            // The other tenant's student follows wb-home's link from their own session.
            yield* step(() => t.page.goto(`/t/wb-away/sign?c=${day.course.id}&k=${qr.code}`))
            yield* step(() => t.page.locator(".result-status, .error").first().waitFor())
            const shown = yield* step(() => t.page.locator("main").textContent())
            expect(shown).toMatch(/REFUSED|does not exist/)
            const roll = yield* day.get(`/courses/${day.course.id}/roll`)
            expect(roll.body.counts.PRESENT).toBe(0)
          })
        )
      }
    )
  }
})
