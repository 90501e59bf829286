/**
 * Browser sessions and the web app's files over HTTP (issue 17 "Browser
 * security"): the refresh token only in an HttpOnly, SameSite=Strict cookie
 * scoped to the tenant's `…/web` path; CSRF double submit and Origin checks
 * on every cookie-authenticated request; rotation and reuse; the app's files
 * with their cache rules, compression and CSP.
 */
import * as Http from "node:http"
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, onboardTenant, TEST_PASSWORD, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

/** The `name=value` of a Set-Cookie header line, and its attributes (lower-cased). */
const cookie = (headers: Headers, name: string) => {
  const line = headers.getSetCookie().find((c) => c.startsWith(`${name}=`))
  if (!line) return undefined
  const [pair, ...attrs] = line.split("; ")
  return { value: pair!.slice(name.length + 1), attrs: attrs.map((a) => a.toLowerCase()), line }
}

/** Logs the admin of `slug` in through `…/web/login`; answers the body and both cookies. */
const webLogin = (slug: string) =>
  Effect.gen(function* () {
    yield* onboardTenant(slug)
    const res = yield* call("POST", `/api/v1/tenants/${slug}/web/login`, {
      auth: false,
      body: { login: `admin@${slug}.example.edu`, password: TEST_PASSWORD }
    })
    expect(res.status).toBe(200)
    return { res, refresh: cookie(res.headers, "signet_refresh")!, csrf: cookie(res.headers, "signet_csrf")! }
  })

/** `POST …/web/refresh` with the given cookies and headers. */
const refresh = (slug: string, cookies: string, headers: Record<string, string> = {}) =>
  call("POST", `/api/v1/tenants/${slug}/web/refresh`, { auth: false, headers: { cookie: cookies, ...headers } })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Browser sessions and the web app on ${dialect}`,
    (it) => {
      it.effect(
        "web login answers the access token only; the refresh token is an HttpOnly, SameSite=Strict cookie of the tenant's web path",
        () =>
          Effect.gen(function* () {
            const { res, refresh: r, csrf } = yield* webLogin("ws-login")
            expect(res.body.status).toBe("authenticated")
            expect(res.body.tokens.access_token).toMatch(/^ey/)
            expect(res.text).not.toContain("sgr_")
            expect(r.value).toMatch(/^sgr_/)
            expect(r.attrs).toEqual(
              expect.arrayContaining(["httponly", "samesite=strict", "path=/api/v1/tenants/ws-login/web"])
            )
            expect(csrf.attrs).not.toContain("httponly")
            expect(csrf.value.length).toBeGreaterThanOrEqual(16)
          })
      )

      it.effect(
        "refresh with the cookie and the matching X-CSRF-Token rotates the cookie and answers a new access token",
        () =>
          Effect.gen(function* () {
            const { refresh: r, csrf } = yield* webLogin("ws-rotate")
            const res = yield* refresh("ws-rotate", `signet_refresh=${r.value}; signet_csrf=${csrf.value}`, {
              "x-csrf-token": csrf.value
            })
            expect(res.status).toBe(200)
            expect(res.body.access_token).toMatch(/^ey/)
            const next = cookie(res.headers, "signet_refresh")!
            expect(next.value).toMatch(/^sgr_/)
            expect(next.value).not.toBe(r.value)
          })
      )

      it.effect("refresh without the CSRF header is a 403 and does not consume the refresh token", () =>
        Effect.gen(function* () {
          const { refresh: r, csrf } = yield* webLogin("ws-csrf")
          const cookies = `signet_refresh=${r.value}; signet_csrf=${csrf.value}`
          expectProblem(yield* refresh("ws-csrf", cookies), 403)
          expectProblem(yield* refresh("ws-csrf", cookies, { "x-csrf-token": "not-the-cookie-value" }), 403)
          // Still usable: nothing was rotated by the refused requests.
          expect((yield* refresh("ws-csrf", cookies, { "x-csrf-token": csrf.value })).status).toBe(200)
        })
      )

      it.effect("refresh from a foreign Origin is a 403 even with the right token", () =>
        Effect.gen(function* () {
          const { refresh: r, csrf } = yield* webLogin("ws-origin")
          const res = yield* refresh("ws-origin", `signet_refresh=${r.value}; signet_csrf=${csrf.value}`, {
            "x-csrf-token": csrf.value,
            origin: "https://evil.example"
          })
          expectProblem(res, 403)
        })
      )

      it.effect("a replayed (already rotated) refresh cookie is a 401 and ends the session", () =>
        Effect.gen(function* () {
          const { refresh: r, csrf } = yield* webLogin("ws-replay")
          const first = `signet_refresh=${r.value}; signet_csrf=${csrf.value}`
          const ok = yield* refresh("ws-replay", first, { "x-csrf-token": csrf.value })
          const rotated = cookie(ok.headers, "signet_refresh")!.value
          expectProblem(yield* refresh("ws-replay", first, { "x-csrf-token": csrf.value }), 401)
          // Reuse revoked the family: the rotated token is dead too.
          const after = yield* refresh("ws-replay", `signet_refresh=${rotated}; signet_csrf=${csrf.value}`, {
            "x-csrf-token": csrf.value
          })
          expectProblem(after, 401)
        })
      )

      it.effect("logout clears both cookies (CSRF-checked)", () =>
        Effect.gen(function* () {
          const { refresh: r, csrf } = yield* webLogin("ws-logout")
          const cookies = `signet_refresh=${r.value}; signet_csrf=${csrf.value}`
          expectProblem(
            yield* call("POST", "/api/v1/tenants/ws-logout/web/logout", { auth: false, headers: { cookie: cookies } }),
            403
          )
          const res = yield* call("POST", "/api/v1/tenants/ws-logout/web/logout", {
            auth: false,
            headers: { cookie: cookies, "x-csrf-token": csrf.value }
          })
          expect(res.status).toBe(204)
          expect(cookie(res.headers, "signet_refresh")!.attrs).toContain("max-age=0")
          expect(cookie(res.headers, "signet_csrf")!.attrs).toContain("max-age=0")
        })
      )

      it.effect("a wrong password on the web login is the same 401 as the API's and sets no cookie", () =>
        Effect.gen(function* () {
          yield* onboardTenant("ws-wrong")
          const res = yield* call("POST", "/api/v1/tenants/ws-wrong/web/login", {
            auth: false,
            body: { login: "admin@ws-wrong.example.edu", password: "not the password at all" }
          })
          expectProblem(res, 401)
          expect(res.headers.getSetCookie()).toEqual([])
        })
      )

      it.effect("/, /t/{slug}/… and /platform/… answer the app's page with the web app's CSP and no-cache", () =>
        Effect.gen(function* () {
          for (const path of [
            "/",
            "/t/some-school/login",
            "/t/some-school/sign?c=x&k=y",
            "/platform/login",
            "/platform/plans/pro"
          ]) {
            const res = yield* call("GET", path, { auth: false })
            expect(res.status).toBe(200)
            expect(res.headers.get("content-type")).toMatch(/^text\/html/)
            expect(res.text).toContain('<div id="app">')
            expect(res.headers.get("cache-control")).toBe("no-cache")
            const csp = res.headers.get("content-security-policy") ?? ""
            expect(csp).toContain("script-src 'self'")
            expect(csp).not.toContain("unsafe-inline")
            expect(csp).toContain("frame-ancestors 'none'")
          }
        })
      )

      it.effect("hashed assets are immutable and served brotli- or gzip-compressed as accepted", () =>
        Effect.gen(function* () {
          const index = yield* call("GET", "/", { auth: false })
          const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)?.[1]
          expect(script).toBeDefined()
          const server = yield* TestServer
          const get = (encoding: string) =>
            Effect.promise(() => fetch(`${server.url}${script}`, { headers: { "accept-encoding": encoding } }))
          const br = yield* get("br")
          expect(br.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
          expect(br.headers.get("content-type")).toMatch(/^text\/javascript/)
          expect(br.headers.get("vary")).toBe("accept-encoding")
          const gz = yield* get("gzip")
          const plain = yield* get("identity")
          // fetch decodes the body: all three are the same script.
          const [a, b, c] = yield* Effect.promise(() => Promise.all([br.text(), gz.text(), plain.text()]))
          expect(a).toBe(c)
          expect(b).toBe(c)
          expect(c.length).toBeGreaterThan(1000)
        })
      )

      it.effect("an unknown asset is a 404 and API paths keep answering problem details", () =>
        Effect.gen(function* () {
          expect((yield* call("GET", "/assets/nope-123.js", { auth: false })).status).toBe(404)
          expect((yield* call("GET", "/assets/../package.json", { auth: false })).status).toBe(404)
          expectProblem(yield* call("GET", "/api/v1/nothing-here", { auth: false }), 404)
        })
      )
    }
  )
}

/** GET with an explicit Host header (fetch cannot set one). */
const getWithHost = (url: string, path: string, host: string) =>
  Effect.promise(
    () =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const u = new URL(url)
        const req = Http.request({ host: u.hostname, port: u.port, path, headers: { host } }, (res) => {
          let text = ""
          res.on("data", (d) => (text += d))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }))
        })
        req.on("error", reject)
        req.end()
      })
  )

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `A school's custom domain on ${dialect}`,
    (it) => {
      it.effect("the web app learns the school from the Host it was reached at; an unknown host is a 404", () =>
        Effect.gen(function* () {
          yield* onboardTenant("ws-domain")
          const patched = yield* call("PATCH", "/api/v1/tenants/ws-domain", {
            body: { custom_domain: "attendance.hugo.example" }
          })
          expect(patched.status).toBe(200)
          const server = yield* TestServer
          const found = yield* getWithHost(server.url, "/api/v1/web/tenant", "Attendance.Hugo.example:8443")
          expect(found.status).toBe(200)
          expect(found.body).toEqual({ slug: "ws-domain", name: "ws-domain" })
          const unknown = yield* getWithHost(server.url, "/api/v1/web/tenant", "elsewhere.example")
          expect(unknown.status).toBe(404)
        })
      )
    }
  )
}
