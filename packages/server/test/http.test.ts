import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { call, expectProblem, testServer } from "@signet/server/testing"
import { Effect } from "effect"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 60_000, excludeTestServices: true })(`HTTP API on ${dialect}`, (it) => {
    it.effect("health, readiness, OpenAPI and docs", () =>
      Effect.gen(function* () {
        expect((yield* call("GET", "/health", { auth: false })).body).toMatchObject({ status: "ok" })
        expect((yield* call("GET", "/ready", { auth: false })).body).toMatchObject({
          status: "ok",
          checks: { database: "ok", migrations: "ok" }
        })
        const spec = (yield* call("GET", "/openapi.json", { auth: false })).body
        expect(spec.openapi).toMatch(/^3\.1/)
        for (const p of [
          "/api/v1/tenants",
          "/api/v1/tenants/{slug}",
          "/api/v1/tenants/{slug}/settings/{key}",
          "/api/v1/tenants/{slug}/suspend"
        ]) {
          expect(Object.keys(spec.paths)).toContain(p)
        }
        const docs = yield* call("GET", "/docs", { auth: false })
        expect(docs.status).toBe(200)
        expect(docs.text).toContain("<html")
        // The page embeds the OpenAPI document; it is built once, then served as built.
        expect(docs.text).toContain("/api/v1/tenants/{slug}/suspend")
        expect((yield* call("GET", "/docs", { auth: false })).text).toBe(docs.text)
      })
    )

    it.effect("tenant CRUD and lifecycle through REST", () =>
      Effect.gen(function* () {
        const created = yield* call("POST", "/api/v1/tenants", {
          body: { slug: "lycee-hugo", name: "Lycée Hugo", region: "eu" }
        })
        expect(created.status).toBe(201)
        expect(created.body).toMatchObject({ slug: "lycee-hugo", status: "active", region: "eu", plan: "free" })
        expect((yield* call("GET", "/api/v1/tenants/lycee-hugo")).body.id).toBe(created.body.id)
        const patched = yield* call("PATCH", "/api/v1/tenants/lycee-hugo", {
          body: { plan: "pro", custom_domain: "hugo.example.edu" }
        })
        expect(patched.body).toMatchObject({ plan: "pro", custom_domain: "hugo.example.edu" })
        expect((yield* call("POST", "/api/v1/tenants/lycee-hugo/suspend")).body.status).toBe("suspended")
        expectProblem(yield* call("POST", "/api/v1/tenants/lycee-hugo/suspend"), 409)
        expect((yield* call("POST", "/api/v1/tenants/lycee-hugo/reactivate")).body.status).toBe("active")
        expect((yield* call("DELETE", "/api/v1/tenants/lycee-hugo")).body.status).toBe("deleted")
        expectProblem(yield* call("GET", "/api/v1/tenants/lycee-hugo"), 404)
        expect((yield* call("POST", "/api/v1/tenants/lycee-hugo/restore")).body.status).toBe("active")
        const list = yield* call("GET", "/api/v1/tenants?limit=1")
        expect(list.body.items).toHaveLength(1)
        const audit = yield* call("GET", "/api/v1/tenants/lycee-hugo/audit-logs?limit=50")
        expect(audit.body.items.map((e: any) => e.action)).toEqual([
          "tenant.restored",
          "tenant.deleted",
          "tenant.reactivated",
          "tenant.suspended",
          "tenant.update",
          "tenant.create",
          "access.defaults.seed"
        ])
        expect((yield* call("GET", "/api/v1/tenants/lycee-hugo/audit-logs/verify")).body).toMatchObject({
          ok: true,
          checked: 7
        })
      })
    )

    it.effect("settings: list, set, validate, reset", () =>
      Effect.gen(function* () {
        yield* call("POST", "/api/v1/tenants", { body: { slug: "settings-co", name: "S" } })
        const all = (yield* call("GET", "/api/v1/tenants/settings-co/settings")).body
        expect(all.find((s: any) => s.key === "auth.lockout_threshold")).toMatchObject({
          value: 5,
          default: 5,
          is_default: true
        })
        const put = yield* call("PUT", "/api/v1/tenants/settings-co/settings/auth.lockout_threshold", {
          body: { value: 7 }
        })
        expect(put.body).toMatchObject({ value: 7, is_default: false })
        const bad = expectProblem(
          yield* call("PUT", "/api/v1/tenants/settings-co/settings/auth.lockout_threshold", {
            body: { value: "seven" }
          }),
          400
        )
        expect(bad.issues[0].field).toBe("value")
        expect((yield* call("GET", "/api/v1/tenants/settings-co/settings/auth.lockout_threshold")).body.value).toBe(7)
        expectProblem(yield* call("PUT", "/api/v1/tenants/settings-co/settings/nope", { body: { value: 1 } }), 404)
        expect((yield* call("DELETE", "/api/v1/tenants/settings-co/settings/auth.lockout_threshold")).body.value).toBe(
          5
        )
      })
    )

    it.effect("bad input is a 4xx problem+json naming the field, and writes nothing", () =>
      Effect.gen(function* () {
        const reserved = expectProblem(
          yield* call("POST", "/api/v1/tenants", { body: { slug: "admin", name: "x" } }),
          400
        )
        expect(reserved.issues.map((i: any) => i.field)).toContain("slug")
        const unknown = expectProblem(
          yield* call("POST", "/api/v1/tenants", { body: { slug: "okay-slug", name: "x", status: "deleted" } }),
          400
        )
        expect(unknown.issues.map((i: any) => i.field)).toContain("status")
        expectProblem(yield* call("POST", "/api/v1/tenants", { raw: "{not json" }), 400)
        expectProblem(
          yield* call("POST", "/api/v1/tenants", { body: { slug: "big-body", name: "x".repeat(70 * 1024) } }),
          413
        )
        yield* call("POST", "/api/v1/tenants", {
          body: { slug: "dupe-co", name: "x", custom_domain: "dupe.example.edu" }
        })
        const dup = expectProblem(yield* call("POST", "/api/v1/tenants", { body: { slug: "dupe-co", name: "x" } }), 409)
        expect(dup.field).toBe("slug")
        const dom = expectProblem(
          yield* call("POST", "/api/v1/tenants", {
            body: { slug: "dupe-co-2", name: "x", custom_domain: "dupe.example.edu" }
          }),
          409
        )
        expect(dom.field).toBe("custom_domain")
        // A message never repeats a submitted secret, and cuts a long value.
        const marker = "hunter2-must-not-come-back"
        const secret = yield* call("POST", "/api/v1/tenants/dupe-co/auth/login", {
          auth: false,
          body: { login: "someone@example.edu", password: marker.repeat(50) }
        })
        const secretProblem = expectProblem(secret, 400)
        expect(secret.text).not.toContain(marker)
        expect(secretProblem.issues[0]).toMatchObject({ field: "password" })
        expect(secretProblem.issues[0].message).toContain("actual (not shown)")
        const long = expectProblem(
          yield* call("POST", "/api/v1/tenants", { body: { slug: "long-name", name: "n".repeat(5_000) } }),
          400
        )
        expect(long.detail).toMatch(/name: .*… \(5002 characters\)$/)
        expect(long.detail.length).toBeLessThan(300)
        expectProblem(yield* call("GET", "/api/v1/tenants/no-such-tenant"), 404)
        expectProblem(yield* call("GET", "/no/such/route", { auth: false }), 404)
        for (const slug of ["okay-slug", "big-body", "dupe-co-2", "long-name"]) {
          expectProblem(yield* call("GET", `/api/v1/tenants/${slug}`), 404)
        }
      })
    )

    it.effect("operator authentication is required and checked", () =>
      Effect.gen(function* () {
        const none = expectProblem(yield* call("GET", "/api/v1/tenants", { auth: false }), 401)
        expect(none.code).toBe("Unauthorized")
        expectProblem(yield* call("GET", "/api/v1/tenants", { auth: "wrong-token" }), 401)
        expectProblem(yield* call("POST", "/api/v1/tenants", { auth: false, body: { slug: "sneaky", name: "x" } }), 401)
        expectProblem(yield* call("GET", "/api/v1/tenants/sneaky"), 404)
      })
    )

    it.effect("request ids, security headers and metrics", () =>
      Effect.gen(function* () {
        const echoed = yield* call("GET", "/health", { auth: false, headers: { "x-request-id": "abc-123" } })
        expect(echoed.headers.get("x-request-id")).toBe("abc-123")
        const generated = yield* call("GET", "/health", {
          auth: false,
          headers: { "x-request-id": "bad id with spaces" }
        })
        expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
        expect(echoed.headers.get("x-content-type-options")).toBe("nosniff")
        expect(echoed.headers.get("x-frame-options")).toBe("DENY")
        const problem = expectProblem(
          yield* call("GET", "/api/v1/tenants/missing-one", { headers: { "x-request-id": "trace-42" } }),
          404
        )
        expect(problem.request_id).toBe("trace-42")
        const metrics = yield* call("GET", "/metrics", { auth: false })
        expect(metrics.headers.get("content-type")).toContain("text/plain")
        expect(metrics.text).toMatch(/signet_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/)
        expect(metrics.text).toContain("signet_http_request_duration_seconds_bucket")
        expect(metrics.text).toMatch(/signet_outbox_pending \d+/)
        expect(metrics.text).toMatch(/signet_outbox_dead \d+/)
        expect(metrics.text).toContain('signet_db_pool_connections{state="total"}')
      })
    )

    it.effect("the dispatcher delivers tenant events (outbox drains)", () =>
      Effect.gen(function* () {
        yield* call("POST", "/api/v1/tenants", { body: { slug: "drain-co", name: "x" } })
        let pending = -1
        for (let i = 0; i < 50 && pending !== 0; i++) {
          const text = (yield* call("GET", "/metrics", { auth: false })).text
          pending = Number(/signet_outbox_pending (\d+)/.exec(text)?.[1] ?? -1)
          if (pending !== 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 100)))
        }
        expect(pending).toBe(0)
      })
    )
  })
}

layer(testServer("sqlite", { corsOrigins: ["https://app.example.edu", "https://admin.example.edu"] }), {
  timeout: 60_000,
  excludeTestServices: true
})("CORS", (it) => {
  it.effect("answers preflights for configured origins only", () =>
    Effect.gen(function* () {
      const ok = yield* call("OPTIONS", "/api/v1/tenants", {
        auth: false,
        headers: { origin: "https://app.example.edu", "access-control-request-method": "POST" }
      })
      expect(ok.status).toBeLessThan(300)
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.edu")
      const other = yield* call("GET", "/health", { auth: false, headers: { origin: "https://evil.example.com" } })
      expect(other.headers.get("access-control-allow-origin")).toBeNull()
    })
  )
})
