/**
 * The teacher's pages in a real browser (issue 17 "Teacher", "Tests and
 * budgets"): the live roll shows a student's signature within 2 s without
 * reload (Server-Sent Events); the classroom screen's QR changes at the
 * step; bulk marking and the roll's CSV download; today's courses, excuses
 * and reports pages accessible. Chromium, SQLite and Postgres.
 */
import * as Fs from "node:fs"
import { describe, expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, loginToken, testServer } from "@signet/server/testing"
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
  step,
  type TestPage
} from "./harness.js"

/** Screenshots at phone and desktop size from one desktop page (the viewport is resized, then restored). */
const screenshots = (t: TestPage, name: string, dialect: string) =>
  Effect.gen(function* () {
    yield* screenshot(t, name, "desktop", dialect)
    yield* step(() => t.page.setViewportSize({ width: 390, height: 844 }))
    yield* screenshot(t, name, "phone", dialect)
    yield* step(() => t.page.setViewportSize({ width: 1280, height: 800 }))
  })

/** The page's accessibility and network checks, shared by every test. */
const pageChecks = (t: TestPage) =>
  Effect.gen(function* () {
    expect(yield* axeViolations(t)).toEqual([])
    expect(foreignRequests(t)).toEqual([])
    expect(t.errors).toEqual([])
  })

describe.runIf(browserAvailable())("web app: teacher", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `teacher pages on ${dialect}`,
      (it) => {
        it.scoped("the live roll shows a student's signature within 2 s, without reload", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wt-live")
            const t = yield* openPage("desktop")
            yield* signIn(t, "wt-live", "t@wt-live.example.edu")
            yield* step(() => t.page.goto(`/t/wt-live/teacher/courses/${day.course.id}`))
            // The stream is open before the student signs (the page says "live").
            yield* step(() => t.page.locator('.live-state[data-state="live"]').waitFor({ timeout: 30_000 }))
            const navigations: Array<string> = []
            t.page.on("framenavigated", (f) => {
              if (f === t.page.mainFrame()) navigations.push(f.url())
            })
            const row = t.page.locator(`tr[data-student="${day.s1.id}"]`)
            expect(yield* step(() => row.getAttribute("data-result"))).toBe("UNMARKED")
            const code = (yield* day.qr).code
            const tS1 = yield* loginToken("wt-live", "s1@wt-live.example.edu")
            const signed = yield* call("POST", `${day.T}/signatures`, {
              auth: tS1,
              body: { course_id: day.course.id, method: "QR", qr_code: code }
            })
            // The clock starts when the signature is committed (the REST answer), and stops when the row shows it.
            const signedAt = Date.now()
            expect(signed.body.status).toBe("ACCEPTED")
            yield* step(() =>
              t.page.locator(`tr[data-student="${day.s1.id}"][data-result="PRESENT"]`).waitFor({ timeout: 30_000 })
            )
            const elapsed = Date.now() - signedAt
            // Requirement: within 2 s (dispatcher poll ≤ 250 ms + one roll read). The wait above is generous so a
            // slow shared machine fails on this measured figure, with its value, rather than on a timeout; the
            // 500 ms on top of the 2 s covers Playwright's own polling of the page on such a machine.
            expect(elapsed, `signature shown after ${elapsed} ms`).toBeLessThan(2_500)
            expect(navigations).toEqual([])
            yield* screenshots(t, "teacher-roll", dialect)
            yield* pageChecks(t)
          })
        )

        it.scoped("the classroom screen's QR code and typed code change at the step", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wt-qr")
            // 5 s is the shortest step the policy allows (UpdateAttendancePolicy: qr_step_seconds 5..120).
            const policy = yield* call("PUT", `${day.T}/schools/${day.school.id}/attendance-policy`, {
              auth: day.admin,
              body: { qr_step_seconds: 5 }
            })
            expect(policy.status).toBe(200)
            const t = yield* openPage("desktop")
            // A projector: 1920×1080.
            yield* step(() => t.page.setViewportSize({ width: 1920, height: 1080 }))
            yield* signIn(t, "wt-qr", "t@wt-qr.example.edu")
            yield* step(() => t.page.goto(`/t/wt-qr/teacher/courses/${day.course.id}/screen`))
            const img = t.page.locator("img.qr-image")
            yield* step(() => img.waitFor({ timeout: 30_000 }))
            const first = yield* step(() => img.getAttribute("data-code"))
            const firstSrc = yield* step(() => img.getAttribute("src"))
            expect(first).toMatch(/^\d{8}$/)
            expect(firstSrc).toMatch(/^data:image\/png;base64,/)
            expect(yield* step(() => t.page.locator(".qr-code").textContent())).toBe(
              `${first!.slice(0, 4)} ${first!.slice(4)}`
            )
            expect(yield* step(() => t.page.locator(".countdown").textContent())).toMatch(/new code in \d+ seconds?/)
            // Within two steps (the first may be nearly over) plus a margin for a slow machine.
            yield* step(() =>
              t.page.waitForFunction(
                (code) => document.querySelector("img.qr-image")?.getAttribute("data-code") !== code,
                first,
                { timeout: 30_000 }
              )
            )
            const second = yield* step(() => img.getAttribute("data-code"))
            expect(second).toMatch(/^\d{8}$/)
            expect(second).not.toBe(first)
            expect(yield* step(() => img.getAttribute("src"))).not.toBe(firstSrc)
            // The new code signs (it is the server's current one).
            const tS2 = yield* loginToken("wt-qr", "s2@wt-qr.example.edu")
            const signed = yield* call("POST", `${day.T}/signatures`, {
              auth: tS2,
              body: { course_id: day.course.id, method: "QR", qr_code: (yield* day.qr).code }
            })
            expect(signed.body.status).toBe("ACCEPTED")
            yield* step(() => t.page.getByText("1 of 3 students signed").waitFor({ timeout: 30_000 }))
            yield* step(() => t.page.setViewportSize({ width: 1280, height: 800 }))
            yield* screenshots(t, "teacher-screen", dialect)
            yield* pageChecks(t)
          })
        )

        it.scoped("a teacher marks the roll in bulk and downloads it as CSV", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wt-mark")
            const t = yield* openPage("desktop")
            yield* signIn(t, "wt-mark", "t@wt-mark.example.edu")
            yield* step(() => t.page.goto(`/t/wt-mark/teacher/courses/${day.course.id}`))
            yield* step(() => t.page.locator("tbody tr").first().waitFor({ timeout: 30_000 }))
            yield* step(() => t.page.getByLabel("Select all students").check())
            yield* step(() => t.page.getByLabel(/^Select .*Bruno/).uncheck())
            yield* step(() => t.page.getByLabel("Mark selected as").selectOption("ABSENT"))
            yield* step(() => t.page.getByRole("button", { name: "Mark 2 students" }).click())
            yield* step(() => t.page.getByText("2 students marked.").waitFor({ timeout: 30_000 }))
            yield* step(() =>
              t.page.locator(`tr[data-student="${day.s3.id}"][data-result="ABSENT"]`).waitFor({ timeout: 30_000 })
            )
            expect(
              yield* step(() => t.page.locator(`tr[data-student="${day.s2.id}"]`).getAttribute("data-result"))
            ).toBe("UNMARKED")
            const roll = (yield* day.get(`/courses/${day.course.id}/roll`)).body
            expect(roll.counts).toMatchObject({ ABSENT: 2, UNMARKED: 1 })
            const [download] = yield* step(() =>
              Promise.all([
                t.page.waitForEvent("download", { timeout: 30_000 }),
                t.page.getByRole("button", { name: "Download CSV" }).click()
              ])
            )
            expect(download.suggestedFilename()).toMatch(/^roll-Maths\.csv$/)
            const text = Fs.readFileSync((yield* step(() => download.path()))!, "utf8")
            const lines = text.trim().split(/\r?\n/)
            expect(lines[0]).toBe("student_id,result,method,signed_at,excuse_id")
            expect(lines).toHaveLength(4)
            expect(lines.find((l) => l.startsWith(day.s1.id))).toMatch(/,ABSENT,/)
            expect(lines.find((l) => l.startsWith(day.s3.id))).toMatch(/,ABSENT,/)
            expect(lines.find((l) => l.startsWith(day.s2.id))).toMatch(/,UNMARKED,/)
            yield* pageChecks(t)
          })
        )

        it.scoped("a teacher closes the course from the roll: the unmarked become absent and signing stops", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wt-close")
            const t = yield* openPage("desktop")
            yield* signIn(t, "wt-close", "t@wt-close.example.edu")
            yield* step(() => t.page.goto(`/t/wt-close/teacher/courses/${day.course.id}`))
            yield* step(() => t.page.locator("tbody tr").first().waitFor({ timeout: 30_000 }))
            t.page.once("dialog", (d) => void d.accept())
            yield* step(() => t.page.getByRole("button", { name: "Close the course" }).click())
            yield* step(() =>
              t.page.getByText("The course is closed; 3 students marked absent.").waitFor({ timeout: 30_000 })
            )
            const roll = (yield* day.get(`/courses/${day.course.id}/roll`)).body
            expect(roll.closed).toBe(true)
            expect(roll.counts).toMatchObject({ ABSENT: 3, UNMARKED: 0 })
            // The button goes once the page has re-read the roll (closed).
            yield* step(() =>
              t.page.getByRole("button", { name: "Close the course" }).waitFor({ state: "detached", timeout: 30_000 })
            )
            yield* pageChecks(t)
          })
        )

        it.scoped("today's courses, excuses and reports pages list the teacher's own things, accessibly", () =>
          Effect.gen(function* () {
            const day = yield* schoolDay("wt-pages")
            const t = yield* openPage("desktop")
            yield* signIn(t, "wt-pages", "t@wt-pages.example.edu")
            yield* step(() => t.page.goto("/t/wt-pages/teacher"))
            yield* step(() => t.page.getByRole("link", { name: "Classroom screen" }).waitFor({ timeout: 30_000 }))
            expect(yield* step(() => t.page.getByRole("link", { name: "Roll" }).getAttribute("href"))).toBe(
              `/t/wt-pages/teacher/courses/${day.course.id}`
            )
            expect(yield* step(() => t.page.getByText("Maths").isVisible())).toBe(true)
            yield* screenshots(t, "teacher-today", dialect)
            yield* pageChecks(t)
            yield* step(() => t.page.goto("/t/wt-pages/teacher/excuses"))
            yield* step(() => t.page.getByText("No excuse waiting for a decision.").waitFor({ timeout: 30_000 }))
            yield* screenshots(t, "teacher-excuses", dialect)
            yield* pageChecks(t)
            // One signature, so the report has a rate to draw.
            const tS1 = yield* loginToken("wt-pages", "s1@wt-pages.example.edu")
            yield* call("POST", `${day.T}/signatures`, {
              auth: tS1,
              body: { course_id: day.course.id, method: "QR", qr_code: (yield* day.qr).code }
            })
            yield* step(() => t.page.goto("/t/wt-pages/teacher/reports"))
            yield* step(() =>
              t.page.getByRole("img", { name: "Attendance rate per course" }).waitFor({ timeout: 30_000 })
            )
            expect(yield* step(() => t.page.getByRole("rowheader").first().textContent())).toMatch(/^Maths/)
            // PRESENT 1, ABSENT 0: a rate of 100 % in the table and on the chart.
            expect(yield* step(() => t.page.locator("tbody tr td").last().textContent())).toBe("100 %")
            expect(yield* step(() => t.page.locator(".chart-values").textContent())).toContain("Maths: 100 %")
            yield* screenshots(t, "teacher-reports", dialect)
            yield* pageChecks(t)
          })
        )
      }
    )
  }
})
