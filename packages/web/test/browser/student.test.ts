/**
 * The student area in a real browser (issue 17 "Student"): today's course
 * with its status after signing, the history with totals and the rate,
 * excuses with an attachment (listed; an oversize one refused in words and
 * nothing created), and the PWA's manifest. Chromium, SQLite and Postgres.
 */
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
  step
} from "./harness.js"

/** The smallest valid PNG (1×1, transparent). */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64"
)

/** Signs student `who` in to the running course over the API (QR method, the teacher's current code). */
const signOverApi = (day: Effect.Effect.Success<ReturnType<typeof schoolDay>>, slug: string, who: string) =>
  Effect.gen(function* () {
    const token = yield* loginToken(slug, `${who}@${slug}.example.edu`)
    const qr = yield* day.qr
    const r = yield* call("POST", `${day.T}/signatures`, {
      auth: token,
      body: { method: "QR", course_id: day.course.id, qr_code: qr.code }
    })
    expect(r.body.status).toBe("ACCEPTED")
    return token
  })

describe.runIf(browserAvailable())("web app: student area", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `student pages on ${dialect}`,
      (it) => {
        it.scoped("times are shown in the school's time zone, not the device's", () =>
          Effect.gen(function* () {
            const slug = "ws-zone"
            const day = yield* schoolDay(slug)
            // The school is in Europe/Paris; the phone thinks it is in New York.
            const t = yield* openPage("phone", "America/New_York")
            yield* signIn(t, slug, `s1@${slug}.example.edu`)
            const paris = new Intl.DateTimeFormat("en", { timeZone: "Europe/Paris", timeStyle: "short" })
            const expected = paris.format(new Date(day.course.start_at)).replace(/\s/g, " ")
            const row = t.page.locator(`li[data-course="${day.course.id}"]`)
            yield* step(() =>
              t.page.waitForFunction(
                ([id, text]) =>
                  (document.querySelector(`li[data-course="${id}"]`)?.textContent ?? "")
                    .replace(/\s/g, " ")
                    .includes(text!),
                [day.course.id, expected] as const,
                { timeout: 30_000 }
              )
            )
            expect((yield* step(() => row.textContent()))?.replace(/\s/g, " ")).toContain(expected)
          })
        )

        it.scoped("after signing, the student sees today's course with its status", () =>
          Effect.gen(function* () {
            const slug = "ws-today"
            const day = yield* schoolDay(slug)
            const qr = yield* day.qr
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto(qr.payload))
            yield* step(() => t.page.waitForURL(/\/login\?next=/))
            yield* signIn(t, slug, `s1@${slug}.example.edu`)
            yield* step(() => t.page.locator('.result-status[data-status="ACCEPTED"]').waitFor())
            yield* step(() => t.page.getByRole("link", { name: "Today", exact: true }).click())
            const row = t.page.locator(`li[data-course="${day.course.id}"]`)
            yield* step(() => row.waitFor())
            expect(yield* step(() => row.getByText("Maths").isVisible())).toBe(true)
            expect(yield* step(() => row.locator(".badge").textContent())).toBe("Present")
            yield* screenshot(t, "student-today", "phone", dialect)
            expect(yield* axeViolations(t)).toEqual([])
            const desk = yield* openPage("desktop")
            yield* signIn(desk, slug, `s2@${slug}.example.edu`)
            yield* step(() => desk.page.locator(`li[data-course="${day.course.id}"]`).getByText("Not signed").waitFor())
            yield* screenshot(desk, "student-today", "desktop", dialect)
            expect(yield* axeViolations(desk)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            expect(foreignRequests(desk)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("a course begun before midnight and still running is on today's page; one over before is not", () =>
          Effect.gen(function* () {
            const slug = "ws-midnight"
            const day = yield* schoolDay(slug)
            // The browser's clock is pinned 5 minutes after this midnight, its zone to UTC.
            const midnight = new Date()
            midnight.setUTCHours(0, 0, 0, 0)
            const at = (minutes: number) => new Date(midnight.getTime() + minutes * 60_000).toISOString()
            const course = (name: string, start: number, end: number) =>
              Effect.map(
                day.post("/courses", {
                  school_id: day.school.id,
                  name,
                  start_at: at(start),
                  end_at: at(end),
                  teacher_ids: [day.teacher.id],
                  group_ids: [day.group.id]
                }),
                (r) => r.body
              )
            const running = yield* course("Late study", -10, 50)
            const over = yield* course("Evening club", -120, -60)
            const t = yield* openPage("phone", "UTC")
            yield* signIn(t, slug, `s2@${slug}.example.edu`)
            yield* step(() => t.page.clock.setFixedTime(new Date(at(5))))
            yield* step(() => t.page.goto(`/t/${slug}/student`))
            yield* step(() => t.page.locator(`li[data-course="${running.id}"]`).getByText("Not signed").waitFor())
            expect(yield* step(() => t.page.locator(`li[data-course="${over.id}"]`).count())).toBe(0)
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("the history shows the totals and the attendance rate in words and as a percentage", () =>
          Effect.gen(function* () {
            const slug = "ws-hist"
            const day = yield* schoolDay(slug)
            yield* signOverApi(day, slug, "s1")
            for (const size of ["phone", "desktop"] as const) {
              const t = yield* openPage(size)
              yield* signIn(t, slug, `s1@${slug}.example.edu`)
              yield* step(() => t.page.goto(`/t/${slug}/student/history`))
              yield* step(() => t.page.getByText("You attended 1 of 1 counted courses: 100%.").waitFor())
              expect(yield* step(() => t.page.locator('dd[data-total="present"]').textContent())).toBe("1")
              expect(yield* step(() => t.page.getByRole("cell", { name: "Maths" }).isVisible())).toBe(true)
              yield* screenshot(t, "student-history", size, dialect)
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
            }
            // A range without courses says so.
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `s1@${slug}.example.edu`)
            yield* step(async () => {
              await t.page.goto(`/t/${slug}/student/history`)
              await t.page.getByLabel("From", { exact: true }).fill("2020-01-01")
              await t.page.getByLabel("To", { exact: true }).fill("2020-01-31")
              await t.page.getByRole("button", { name: "Show" }).click()
              await t.page.getByText("No course in this period.").waitFor()
            })
          })
        )

        it.scoped("a student submits an excuse with a PNG attachment and sees it listed", () =>
          Effect.gen(function* () {
            const slug = "ws-excuse"
            const day = yield* schoolDay(slug)
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `s2@${slug}.example.edu`)
            yield* step(() => t.page.goto(`/t/${slug}/student/excuses`))
            yield* step(() => t.page.getByText("You have not sent any excuse.").waitFor())
            yield* step(async () => {
              await t.page.getByLabel("Course").selectOption(day.course.id)
              await t.page.getByLabel("Reason").selectOption("appointment")
              await t.page.getByLabel("Note (optional)").fill("Dentist at 9")
              await t.page
                .getByLabel(/^Attachment/)
                .setInputFiles({ name: "note.png", mimeType: "image/png", buffer: PNG })
              await t.page.getByRole("button", { name: "Submit the excuse" }).click()
              await t.page.getByText("Your excuse is sent.").waitFor()
            })
            const item = t.page.locator("li[data-excuse]")
            yield* step(() => item.waitFor())
            expect(yield* step(() => item.textContent())).toMatch(/Maths.*Appointment — Dentist at 9.*note\.png/s)
            expect(yield* step(() => item.getByText("Waiting for a decision").isVisible())).toBe(true)
            yield* screenshot(t, "student-excuses", "phone", dialect)
            expect(yield* axeViolations(t)).toEqual([])
            const listed = yield* day.get(`/excuses?student_id=${day.s2.id}`)
            expect(listed.body.items).toHaveLength(1)
            expect(listed.body.items[0].attachment).toMatchObject({ filename: "note.png", content_type: "image/png" })
            const desk = yield* openPage("desktop")
            yield* signIn(desk, slug, `s2@${slug}.example.edu`)
            yield* step(() => desk.page.goto(`/t/${slug}/student/excuses`))
            yield* step(() => desk.page.locator("li[data-excuse]").waitFor())
            yield* screenshot(desk, "student-excuses", "desktop", dialect)
            expect(yield* axeViolations(desk)).toEqual([])
            expect(foreignRequests(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("an oversize attachment is refused with a clear message and nothing is created", () =>
          Effect.gen(function* () {
            const slug = "ws-big"
            const day = yield* schoolDay(slug)
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `s3@${slug}.example.edu`)
            yield* step(() => t.page.goto(`/t/${slug}/student/excuses`))
            const big = Buffer.alloc(6 * 1024 * 1024, 0)
            PNG.copy(big)
            yield* step(async () => {
              await t.page.getByLabel("Course").selectOption(day.course.id)
              await t.page
                .getByLabel(/^Attachment/)
                .setInputFiles({ name: "scan.png", mimeType: "image/png", buffer: big })
              await t.page.getByRole("button", { name: "Submit the excuse" }).click()
            })
            const alert = t.page.getByRole("alert")
            yield* step(() => alert.waitFor())
            expect(yield* step(() => alert.textContent())).toMatch(
              /scan\.png is too large .*up to 5 MiB\. Nothing was sent\./
            )
            expect(t.requests.filter((u) => /\/api\/v1\/tenants\/[^/]+\/excuses$/.test(u))).toEqual([])
            const listed = yield* day.get(`/excuses?student_id=${day.s3.id}`)
            expect(listed.body.items).toHaveLength(0)
            expect(yield* axeViolations(t)).toEqual([])
          })
        )

        it.scoped("the PWA manifest is served, valid JSON, with PNG icons of 192 and 512 pixels", () =>
          Effect.gen(function* () {
            const t = yield* openPage("phone")
            yield* step(() => t.page.goto("/"))
            const href = yield* step(() => t.page.locator('link[rel="manifest"]').getAttribute("href"))
            const res = yield* step(() => t.page.request.get(href ?? ""))
            expect(res.status()).toBe(200)
            expect(res.headers()["content-type"]).toMatch(/application\/manifest\+json/)
            const manifest = JSON.parse(yield* step(() => res.text()))
            expect(manifest).toMatchObject({ name: "Signet", display: "standalone", start_url: "/" })
            for (const size of ["192x192", "512x512"]) {
              const icon = manifest.icons.find((i: { sizes: string }) => i.sizes === size)
              expect(icon).toMatchObject({ type: "image/png" })
              const png = yield* step(() => t.page.request.get(icon.src))
              expect(png.status()).toBe(200)
              expect(png.headers()["content-type"]).toBe("image/png")
              expect((yield* step(() => png.body())).subarray(1, 4).toString()).toBe("PNG")
            }
            const sw = yield* step(() => t.page.request.get("/sw.js"))
            expect(sw.status()).toBe(200)
            expect(yield* step(() => sw.text())).toContain('addEventListener("fetch"')
          })
        )
      }
    )
  }
})
