/**
 * Issue 15 §1 "unbounded metrics cardinality" and §2 "secrets in metric labels and logs": routes
 * are labelled by their template, unknown paths share one label, and a calendar feed's token
 * appears in neither.
 */
import { expect, layer } from "@effect/vitest"
import { redactPath, routeLabel } from "@signet/server"
import { call, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { describe, it } from "vitest"

const FEED = "/api/v1/tenants/lycee/calendar/s3cr3t-feed-token.ics"

describe("route labels and redacted paths", () => {
  it("an API path is labelled by its endpoint's template", () => {
    expect(routeLabel("/api/v1/tenants/lycee/courses/0193a5b0-0000-7000-8000-000000000001/roll")).toBe(
      "/api/v1/tenants/:slug/courses/:id/roll"
    )
    expect(routeLabel("/api/v1/tenants/lycee/courses?limit=5")).toBe("/api/v1/tenants/:slug/courses")
  })

  it("a path no route serves is 'unmatched', however long", () => {
    expect(routeLabel(`/${"x".repeat(2000)}/y`)).toBe("unmatched")
    expect(routeLabel("/api/v1/tenants/lycee/no-such-thing/1/2/3")).toBe("unmatched")
  })

  it("a calendar feed's token is neither in its label nor in its logged path", () => {
    expect(routeLabel(FEED)).toBe("/api/v1/tenants/:slug/calendar/:file")
    expect(redactPath(FEED)).toBe("/api/v1/tenants/lycee/calendar/{file}")
  })
})

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("metrics over HTTP", (it) => {
  it.effect("invented paths add no series to /metrics, and a feed token never shows there", () =>
    Effect.gen(function* () {
      const before = (yield* call("GET", "/metrics", { auth: false })).text
      for (let i = 0; i < 50; i++) yield* call("GET", `/invented-${i}-${"z".repeat(200)}`, { auth: false })
      yield* call("GET", FEED, { auth: false })
      const after = (yield* call("GET", "/metrics", { auth: false })).text
      expect(after).not.toContain("invented-")
      expect(after).not.toContain("s3cr3t-feed-token")
      expect(after).toMatch(/signet_http_requests_total\{method="GET",route="unmatched",status="404"\} 50/)
      // 51 new paths, at most three new route labels (the unmatched one, the feed's template, /metrics).
      const routes = (text: string) => new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]))
      const added = [...routes(after)].filter((r) => !routes(before).has(r))
      expect(added.length).toBeLessThanOrEqual(3)
    })
  )
})

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("/docs offline (issue 15 §2)", (it) => {
  it.effect(
    "the docs page's Content-Security-Policy lets it fetch from this server only, and it asks for no web font",
    () =>
      Effect.gen(function* () {
        const docs = yield* call("GET", "/docs", { auth: false })
        expect(docs.status).toBe(200)
        const csp = Object.fromEntries(
          (docs.headers.get("content-security-policy") ?? "")
            .split(";")
            .map((d) => d.trim().split(/\s+/))
            .map(([name, ...values]) => [name, values])
        )
        expect(csp["default-src"]).toEqual(["'self'"])
        expect(csp["connect-src"]).toEqual(["'self'"])
        expect(csp["font-src"]).toEqual(["'self'", "data:"])
        expect(csp["img-src"]).toEqual(["'self'", "data:"])
        expect(docs.text).not.toMatch(/<link[^>]+fonts\.(googleapis|scalar)\.com/)
      })
  )
})
