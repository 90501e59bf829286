/**
 * Browser-test harness of the web app (issue 17 "Tests and budgets"): a
 * real Signet server (`@signet/server/testing`, SQLite or Postgres) serving
 * the built app, Debian's Chromium driven by `playwright-core`, fixtures
 * made through the REST API, and checks every page test shares — axe-core
 * (no serious or critical violation), no request outside the server, and
 * screenshots into `docs/screenshots/`.
 *
 * Chromium: `/usr/bin/chromium` (or `SIGNET_CHROMIUM`). When it is missing
 * the suites skip — except with `CI=true`, where they fail (`.ci/run`
 * installs it).
 *
 * @module
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { call, loginToken, onboardTenant, TEST_PASSWORD, TestServer } from "@signet/server/testing"
import axe from "axe-core"
import { Context, Effect, Layer, type Scope } from "effect"
import { generate } from "otplib"
import { type BrowserContext, chromium, type Page, type Browser as PwBrowser } from "playwright-core"

/** The Chromium binary the suites drive. */
export const CHROMIUM = process.env.SIGNET_CHROMIUM ?? "/usr/bin/chromium"

/** Whether the browser suites run here (Chromium present); in CI a missing Chromium is an error. */
export const browserAvailable = (): boolean => {
  const present = Fs.existsSync(CHROMIUM)
  if (!present && process.env.CI === "true")
    throw new Error(`CI: Chromium is missing at ${CHROMIUM}; .ci/run installs Debian's chromium package`)
  return present
}

/** The launched browser. */
export class Browser extends Context.Tag("test/Browser")<Browser, PwBrowser>() {}

/** One headless Chromium for a suite. */
export const BrowserLive = Layer.scoped(
  Browser,
  Effect.acquireRelease(
    Effect.promise(() =>
      chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync"
        ]
      })
    ),
    (b) => Effect.promise(() => b.close())
  )
)

/** Phone (iPhone 12/13/14 CSS size, touch) and desktop viewports. */
export const VIEWPORTS = {
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1280, height: 800 } }
} as const

/** A page and what it requested. */
export interface TestPage {
  readonly page: Page
  readonly context: BrowserContext
  /** The server's origin (`http://127.0.0.1:port`). */
  readonly origin: string
  /** Every URL the page requested (to check that none leaves the server). */
  readonly requests: ReadonlyArray<string>
  /** Uncaught page errors. */
  readonly errors: ReadonlyArray<string>
}

/**
 * A fresh browser context (no cookies) and page on the test server, closed
 * with the scope; records every request and uncaught error.
 */
export const openPage = (
  size: keyof typeof VIEWPORTS = "phone",
  /** The device's time zone (IANA), when a test needs one other than the machine's. */
  timezoneId?: string,
  /** The browser's language (BCP 47); English (`en-GB`) unless a test needs another. */
  locale = "en-GB",
  /**
   * The host name to reach the server by, when not its address: WebAuthn
   * refuses an IP address as relying party ID, so passkey tests use `localhost`.
   */
  hostName?: string
): Effect.Effect<TestPage, never, Browser | TestServer | Scope.Scope> =>
  Effect.gen(function* () {
    const browser = yield* Browser
    const server = yield* TestServer
    const base = new URL(server.url)
    if (hostName) base.hostname = hostName
    const context = yield* Effect.acquireRelease(
      Effect.promise(() =>
        browser.newContext({
          ...VIEWPORTS[size],
          baseURL: base.origin,
          locale,
          ...(timezoneId ? { timezoneId } : {})
        })
      ),
      (c) => Effect.promise(() => c.close())
    )
    const page = yield* Effect.promise(() => context.newPage())
    const requests: Array<string> = []
    const errors: Array<string> = []
    page.on("request", (r) => {
      requests.push(r.url())
    })
    if (process.env.SIGNET_BROWSER_CONSOLE) page.on("console", (m) => console.log(`[browser ${m.type()}] ${m.text()}`))
    page.on("pageerror", (e) => {
      errors.push(e.message)
    })
    return { page, context, origin: base.origin, requests, errors }
  })

/** Runs an async step on a page as an Effect. */
export const step = <A>(f: () => Promise<A>) => Effect.promise(f)

/**
 * Gives the page's browser context a virtual platform authenticator (DevTools
 * protocol `WebAuthn` domain; user verification always succeeds). The page
 * must be opened on `localhost`: WebAuthn refuses an IP address as RP ID.
 */
export const virtualAuthenticator = (t: TestPage) =>
  step(async () => {
    const cdp = await t.context.newCDPSession(t.page)
    await cdp.send("WebAuthn.enable")
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true
      }
    })
    return cdp
  })

/** Signs in through the login page of `slug` (and waits to leave it). */
export const signIn = (t: TestPage, slug: string, login: string, password: string = TEST_PASSWORD) =>
  step(async () => {
    if (!t.page.url().includes(`/t/${slug}/login`)) await t.page.goto(`/t/${slug}/login`)
    await t.page.getByLabel(/E-mail or username/).fill(login)
    await t.page.getByLabel(/^Password/).fill(password)
    await t.page.getByRole("button", { name: "Sign in", exact: true }).click()
    await t.page.waitForURL((u) => !u.pathname.endsWith("/login"), { timeout: 20_000 })
  })

/** URLs the page requested outside the server (must be none). */
export const foreignRequests = (t: TestPage): ReadonlyArray<string> =>
  t.requests.filter((u) => !u.startsWith(`${t.origin}/`) && !u.startsWith("data:") && !u.startsWith("blob:"))

/**
 * axe-core on the page as it is now (WCAG 2.1 A/AA rules); answers the
 * serious and critical violations (must be none), as `id: target…` lines.
 */
export const axeViolations = (t: TestPage) =>
  step(async () => {
    await t.page.evaluate(axe.source)
    const result = (await t.page.evaluate(() =>
      (globalThis as any).axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } })
    )) as { violations: Array<{ id: string; impact: string; nodes: Array<{ target: Array<string> }> }> }
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
  })

const SCREENSHOTS = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../../../docs/screenshots")

/** Saves `docs/screenshots/{name}-{size}.png` (SQLite runs only, so each run writes one set). */
export const screenshot = (t: TestPage, name: string, size: keyof typeof VIEWPORTS, dialect: string) =>
  dialect === "sqlite"
    ? step(async () => {
        Fs.mkdirSync(SCREENSHOTS, { recursive: true })
        await t.page.screenshot({ path: Path.join(SCREENSHOTS, `${name}-${size}.png`), fullPage: true })
      })
    : Effect.void

const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()

/**
 * A school day on tenant `slug` through the REST API: a school, a group of
 * three students (`s1`, `s2`, `s3@{slug}.example.edu`), a teacher
 * (`t@{slug}.example.edu`), a course running now (Maths, the teacher's, the
 * group's) — all with {@link TEST_PASSWORD} — and the admin's and teacher's
 * tokens.
 */
export const schoolDay = (slug: string) =>
  Effect.gen(function* () {
    const T = `/api/v1/tenants/${slug}`
    const admin = yield* onboardTenant(slug)
    const post = (path: string, body: unknown, token = admin) => call("POST", `${T}${path}`, { auth: token, body })
    const get = (path: string, token = admin) => call("GET", `${T}${path}`, { auth: token })
    const school = (yield* post("/schools", { name: "Lycée Hugo", timezone: "Europe/Paris" })).body
    const mkUser = (name: string, user_type: string, given = "Ada") =>
      Effect.map(
        post("/users", {
          email: `${name}@${slug}.example.edu`,
          given_name: given,
          family_name: name.toUpperCase(),
          user_type,
          password: TEST_PASSWORD,
          school_id: school.id
        }),
        (r) => r.body
      )
    const s1 = yield* mkUser("s1", "student", "Alice")
    const s2 = yield* mkUser("s2", "student", "Bruno")
    const s3 = yield* mkUser("s3", "student", "Chloé")
    const teacher = yield* mkUser("t", "teacher", "Tom")
    const group = (yield* post("/groups", { school_id: school.id, name: "2A" })).body
    yield* call("PUT", `${T}/groups/${group.id}/members`, { auth: admin, body: { student_ids: [s1.id, s2.id, s3.id] } })
    const course = (yield* post("/courses", {
      school_id: school.id,
      name: "Maths",
      start_at: iso(-5),
      end_at: iso(55),
      teacher_ids: [teacher.id],
      group_ids: [group.id]
    })).body
    const tTeacher = yield* loginToken(slug, `t@${slug}.example.edu`)
    /** The teacher's current QR code of the course (code, payload, step). */
    const qr = Effect.map(get(`/courses/${course.id}/qr`, tTeacher), (r) => r.body)
    return { T, admin, post, get, school, s1, s2, s3, teacher, group, course, tTeacher, qr }
  })

/**
 * Enrols TOTP for the tenant's admin over REST, then signs the admin in
 * through the login page with a recovery code: sensitive admin actions
 * (setting a password, resetting MFA, editing settings) need an MFA
 * verification within `auth.step_up_minutes`.
 */
export const adminSignInWithMfa = (t: TestPage, slug: string) =>
  Effect.gen(function* () {
    const base = `/api/v1/tenants/${slug}`
    const token = yield* loginToken(slug, `admin@${slug}.example.edu`)
    const enrol = yield* call("POST", `${base}/me/mfa/totp`, { auth: token, body: { password: TEST_PASSWORD } })
    const code = yield* Effect.promise(() => generate({ secret: enrol.body.secret }))
    const confirmed = yield* call("POST", `${base}/me/mfa/totp/confirm`, { auth: token, body: { code } })
    const recovery = confirmed.body.recovery_codes[0] as string
    yield* step(async () => {
      await t.page.goto(`/t/${slug}/login`)
      await t.page.getByLabel(/E-mail or username/).fill(`admin@${slug}.example.edu`)
      await t.page.getByLabel(/^Password/).fill(TEST_PASSWORD)
      await t.page.getByRole("button", { name: "Sign in", exact: true }).click()
      await t.page.getByRole("button", { name: "Use a recovery code instead" }).click()
      await t.page.getByLabel("Recovery code").fill(recovery)
      await t.page.getByRole("button", { name: "Verify" }).click()
      await t.page.waitForURL((u) => !u.pathname.endsWith("/login"), { timeout: 30_000 })
    })
  })
