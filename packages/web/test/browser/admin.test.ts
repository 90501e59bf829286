/**
 * The admin area in a real browser (issue 17 "Admin"): roster imports through
 * the page with their warnings (file:line) — a generated OneRoster set with a
 * warning (always) and the shared OneRoster set (when ../shared/data is
 * present) —, a roster with errors shows the message and changes nothing, an
 * admin creates then disables a user, verifies the audit chain, and the
 * reports page draws a chart and downloads the CSV. Every admin page: axe
 * finds no serious or critical violation, no request leaves the server,
 * screenshots at phone and desktop sizes. Chromium, SQLite and Postgres.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, layer } from "@effect/vitest"
import { generateOneRoster, testDialects } from "@signet/core/testing"
import { testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"
import { strToU8, zipSync } from "fflate"
import {
  adminSignInWithMfa,
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

const SHARED_V1P2 = Path.resolve(
  Path.dirname(fileURLToPath(import.meta.url)),
  "../../../../../shared/data/oneroster/catalyst-moodle-enrol_oneroster/v1p2_full_dataset"
)
const hasShared = Fs.existsSync(SHARED_V1P2)
if (!hasShared) console.warn(`OneRoster shared set not found at ${SHARED_V1P2}: the shared-data admin test is skipped`)

/** A zip of `files` (name → text) as Playwright's upload payload. */
const zipOf = (name: string, files: Record<string, string | Uint8Array>) => ({
  name,
  mimeType: "application/zip",
  buffer: Buffer.from(
    zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, typeof v === "string" ? strToU8(v) : v])))
  )
})

/** Signs in as the tenant's admin and opens an admin page; waits for its heading and the network to settle. */
const adminPage = (t: TestPage, slug: string, path: string, title: string) =>
  step(async () => {
    await t.page.goto(`/t/${slug}/admin${path}`)
    await t.page.getByRole("heading", { level: 1, name: title }).waitFor()
    await t.page.waitForLoadState("networkidle")
  })

/** Uploads a roster zip on the imports page and waits for the result (summary or refusal). */
const importRoster = (t: TestPage, file: ReturnType<typeof zipOf>) =>
  step(async () => {
    await t.page.getByLabel("Roster file (.zip)").setInputFiles(file)
    await t.page.getByRole("button", { name: "Import roster" }).click()
    await t.page.locator(".import-result, .import-refused, main .error").first().waitFor({ timeout: 60_000 })
  })

describe.runIf(browserAvailable())("web app: admin", () => {
  for (const dialect of testDialects()) {
    layer(Layer.merge(testServer(dialect), BrowserLive), { timeout: 180_000, excludeTestServices: true })(
      `admin area on ${dialect}`,
      (it) => {
        it.scoped(
          "a generated OneRoster set with a BOM imports through the page and its warning shows file:line",
          () =>
            Effect.gen(function* () {
              const slug = "wa-gen"
              const day = yield* schoolDay(slug)
              const files = Object.fromEntries(
                generateOneRoster({
                  seed: 17,
                  schools: 1,
                  students: 6,
                  teachers: 2,
                  classes: 2,
                  enrollmentsPerStudent: 1
                })
              )
              files["users.csv"] = `\uFEFF${files["users.csv"]}`
              const t = yield* openPage("desktop")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* adminPage(t, slug, "/import", "Imports")
              yield* importRoster(t, zipOf("roster.zip", files))
              expect(yield* step(() => t.page.locator(".import-result output.ok").textContent())).toContain(
                "Import done"
              )
              const row = t.page.locator("table.messages tr", { hasText: "users.csv:1" })
              expect(yield* step(() => row.textContent())).toContain("bom")
              expect(yield* step(() => t.page.getByText("Warnings by kind").isVisible())).toBe(true)
              // The roster's users are really there.
              const users = yield* day.get("/users?user_type=student&limit=200")
              expect(users.body.items.length).toBe(3 + 6)
              yield* screenshot(t, "admin-import", "desktop", dialect)
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
              expect(t.errors).toEqual([])
            }),
          120_000
        )

        it.scoped.skipIf(!hasShared)(
          "the shared OneRoster 1.2 set imports through the page and shows its warnings",
          () =>
            Effect.gen(function* () {
              const slug = "wa-shared"
              yield* schoolDay(slug)
              const files = Object.fromEntries(
                Fs.readdirSync(SHARED_V1P2)
                  .filter((f) => f.endsWith(".csv"))
                  .map((f) => [f, new Uint8Array(Fs.readFileSync(Path.join(SHARED_V1P2, f)))])
              )
              // The set makes a site administrator: the admin signs in with a second factor.
              const t = yield* openPage("phone")
              yield* adminSignInWithMfa(t, slug)
              yield* adminPage(t, slug, "/import", "Imports")
              yield* importRoster(t, zipOf("v1p2.zip", files))
              expect(yield* step(() => t.page.locator("main .error").allTextContents())).toEqual([])
              expect(yield* step(() => t.page.locator(".import-result output.ok").textContent())).toContain(
                "Import done"
              )
              const warnings = t.page.locator("table.messages tbody tr")
              expect(yield* step(() => warnings.count())).toBeGreaterThan(0)
              expect(yield* step(() => warnings.first().textContent())).toMatch(/\.csv:\d+/)
              yield* screenshot(t, "admin-import", "phone", dialect)
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
            }),
          120_000
        )

        it.scoped("a roster with errors shows the message and the errors, and changes nothing", () =>
          Effect.gen(function* () {
            const slug = "wa-bad"
            const day = yield* schoolDay(slug)
            const before = yield* day.get("/users?limit=200")
            const t = yield* openPage("phone")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* adminPage(t, slug, "/import", "Imports")
            yield* importRoster(t, zipOf("bad.zip", { "pupils.csv": "id,name\r\n1,A\r\n" }))
            const alert = t.page.locator(".import-refused [role=alert]")
            expect(yield* step(() => alert.textContent())).toContain("Nothing was changed.")
            const err = t.page.locator(".import-refused table.messages tbody tr").first()
            expect(yield* step(() => err.textContent())).toContain("unknown-dialect")
            const after = yield* day.get("/users?limit=200")
            expect(after.body.items.length).toBe(before.body.items.length)
            expect(yield* axeViolations(t)).toEqual([])
          })
        )

        it.scoped(
          "a timetable (.ics) imports into the chosen school and the summary counts its course",
          () =>
            Effect.gen(function* () {
              const slug = "wa-ics"
              const day = yield* schoolDay(slug)
              const ics = [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "PRODID:-//signet//test//EN",
                "BEGIN:VEVENT",
                "UID:wa-ics-1@example.edu",
                "DTSTAMP:20260901T000000Z",
                "DTSTART:20260907T080000Z",
                "DTEND:20260907T090000Z",
                "SUMMARY:Physics",
                "LOCATION:LAB1",
                "END:VEVENT",
                "END:VCALENDAR",
                ""
              ].join("\r\n")
              const t = yield* openPage("desktop")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* adminPage(t, slug, "/import", "Imports")
              yield* step(async () => {
                await t.page.getByLabel("School").selectOption({ label: "Lycée Hugo" })
                await t.page
                  .getByLabel("Calendar file (.ics)")
                  .setInputFiles({ name: "week.ics", mimeType: "text/calendar", buffer: Buffer.from(ics) })
                await t.page.getByLabel("Create missing classrooms and groups").check()
                await t.page.getByRole("button", { name: "Import timetable" }).click()
                await t.page.locator(".import-result, .import-refused, main .error").first().waitFor()
              })
              expect(yield* step(() => t.page.locator("main .error").allTextContents())).toEqual([])
              const summary = t.page.locator(".import-result table", { hasText: "Courses" })
              expect(yield* step(() => summary.textContent())).toContain("1 created")
              const courses = yield* day.get(
                `/courses?school_id=${day.school.id}&from=2026-09-07T00:00:00Z&to=2026-09-08T00:00:00Z`
              )
              expect(courses.body.items.map((c: any) => c.name)).toEqual(["Physics"])
            }),
          120_000
        )

        it.scoped("the admin creates a user through the form, finds it and disables it", () =>
          Effect.gen(function* () {
            const slug = "wa-users"
            const day = yield* schoolDay(slug)
            const t = yield* openPage("desktop")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* adminPage(t, slug, "", "Users")
            const email = `new.teacher@${slug}.example.edu`
            yield* step(async () => {
              const form = t.page.locator("form", { has: t.page.getByRole("button", { name: "Create user" }) })
              await form.getByLabel("E-mail").fill(email)
              await form.getByLabel("Given name").fill("Nina")
              await form.getByLabel("Family name").fill("Neu")
              await form.getByLabel("Type").selectOption("teacher")
              await form.getByRole("button", { name: "Create user" }).click()
              await t.page.getByText(`${email} was created.`).waitFor()
              await t.page.getByLabel("Name or e-mail").fill("new.teacher")
              await t.page.getByRole("button", { name: "Search" }).click()
              const row = t.page.locator(`tr[data-email="${email}"]`)
              await row.getByRole("button", { name: "Disable" }).click()
              await t.page.getByText(`${email} is disabled`).waitFor()
              await row.getByRole("button", { name: "Enable" }).waitFor()
            })
            const found = yield* day.get(`/users?q=new.teacher`)
            expect(found.body.items.map((u: any) => [u.email, u.status])).toEqual([[email, "disabled"]])
            expect(yield* axeViolations(t)).toEqual([])
            expect(t.errors).toEqual([])
          })
        )

        it.scoped("the admin verifies the audit chain", () =>
          Effect.gen(function* () {
            const slug = "wa-audit"
            yield* schoolDay(slug)
            const t = yield* openPage("desktop")
            yield* signIn(t, slug, `admin@${slug}.example.edu`)
            yield* adminPage(t, slug, "/audit", "Audit log")
            expect(yield* step(() => t.page.locator("tbody tr").count())).toBeGreaterThan(0)
            yield* step(() => t.page.getByRole("button", { name: "Verify chain" }).click())
            const out = t.page.locator("output[data-ok]")
            yield* step(() => out.waitFor())
            expect(yield* step(() => out.getAttribute("data-ok"))).toBe("true")
            expect(yield* step(() => out.textContent())).toMatch(/Chain intact.*entries checked/)
          })
        )

        it.scoped(
          "the reports page draws the attendance chart and downloads the CSV",
          () =>
            Effect.gen(function* () {
              const slug = "wa-reports"
              const day = yield* schoolDay(slug)
              const qr = yield* day.qr
              // One student signs so the report has a present.
              const s1 = yield* openPage("phone")
              yield* step(() => s1.page.goto(qr.payload))
              yield* step(() => s1.page.waitForURL(/\/login\?next=/))
              yield* signIn(s1, slug, `s1@${slug}.example.edu`)
              yield* step(() => s1.page.locator('.result-status[data-status="ACCEPTED"]').waitFor())
              const t = yield* openPage("desktop")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* adminPage(t, slug, "/reports", "Reports")
              yield* step(() => t.page.getByLabel("Group").selectOption({ label: "2A" }))
              yield* step(() => t.page.getByRole("button", { name: "Show report" }).click())
              const chart = t.page.locator("canvas[role=img]")
              yield* step(() => chart.waitFor())
              expect(yield* step(() => chart.getAttribute("aria-label"))).toContain("Present 1")
              const download = yield* step(async () => {
                const [d] = await Promise.all([
                  t.page.waitForEvent("download"),
                  t.page.getByRole("button", { name: "Download CSV" }).click()
                ])
                return d
              })
              expect(download.suggestedFilename()).toMatch(/^attendance-group-.*\.csv$/)
              const text = yield* step(async () => Fs.readFileSync((await download.path())!, "utf8"))
              expect(text).toContain(`s1@${slug}.example.edu`)
              yield* screenshot(t, "admin-reports", "desktop", dialect)
              expect(yield* axeViolations(t)).toEqual([])
              expect(foreignRequests(t)).toEqual([])
            }),
          120_000
        )

        it.scoped(
          "roles: a user's effective permissions and why one is allowed or denied",
          () =>
            Effect.gen(function* () {
              const slug = "wa-roles"
              yield* schoolDay(slug)
              const t = yield* openPage("desktop")
              yield* signIn(t, slug, `admin@${slug}.example.edu`)
              yield* adminPage(t, slug, "/roles", "Roles")
              const explain = (who: string, permission: string) =>
                step(async () => {
                  await t.page.getByLabel("User (name or e-mail)").fill(who)
                  await t.page.getByRole("button", { name: "Show", exact: true }).click()
                  await t.page.locator(".card strong", { hasText: who }).waitFor()
                  await t.page.getByLabel("Permission", { exact: true }).fill(permission)
                  await t.page.getByRole("button", { name: "Explain why" }).click()
                  const out = t.page.locator("output[data-allowed]")
                  await out.waitFor()
                  return [await out.getAttribute("data-allowed"), await out.textContent()] as const
                })
              const [adminAllowed, adminWhy] = yield* explain(`admin@${slug}.example.edu`, "users:write")
              expect(adminAllowed).toBe("true")
              expect(adminWhy).toMatch(/^Allowed\. Role /)
              const [teacherAllowed] = yield* explain(`t@${slug}.example.edu`, "users:write")
              expect(teacherAllowed).toBe("false")
              expect(yield* axeViolations(t)).toEqual([])
            }),
          120_000
        )

        it.scoped(
          "every admin page passes axe, stays on the server, at phone and desktop sizes",
          () =>
            Effect.gen(function* () {
              const slug = "wa-pages"
              yield* schoolDay(slug)
              const pages = [
                ["", "Users", "admin-users"],
                ["/import", "Imports", "admin-import"],
                ["/academics", "School", "admin-academics"],
                ["/beacons", "Beacons", "admin-beacons"],
                ["/reports", "Reports", "admin-reports"],
                ["/audit", "Audit log", "admin-audit"],
                ["/roles", "Roles", "admin-roles"],
                ["/settings", "Settings", "admin-settings"]
              ] as const
              for (const size of ["phone", "desktop"] as const) {
                const t = yield* openPage(size)
                yield* signIn(t, slug, `admin@${slug}.example.edu`)
                for (const [path, title, shot] of pages) {
                  yield* adminPage(t, slug, path, title)
                  // The import and reports screenshots with results come from their own tests.
                  const shownElsewhere =
                    (shot === "admin-import" && (size === "desktop" || hasShared)) ||
                    (shot === "admin-reports" && size === "desktop")
                  if (!shownElsewhere) yield* screenshot(t, shot, size, dialect)
                  expect([path, yield* axeViolations(t)]).toEqual([path, []])
                }
                expect(foreignRequests(t)).toEqual([])
                expect(t.errors).toEqual([])
              }
            }),
          180_000
        )
      }
    )
  }
})
