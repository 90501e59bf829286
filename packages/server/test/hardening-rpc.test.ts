/**
 * Issue 15 §4: behind a trusted proxy, an RPC message's own `x-forwarded-for` header used to
 * override the HTTP request's, so RPC logins escaped the per-address limit. The address comes from
 * the HTTP request only, as over REST.
 */
import { expect, layer } from "@effect/vitest"
import { call, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const PASSWORD = "rpc proxy passphrase"

layer(testServer("sqlite", { trustedProxies: ["127.0.0.1", "::1"] }), { timeout: 60_000, excludeTestServices: true })(
  "RPC behind a trusted proxy (issue 15 §4)",
  (it) => {
    it.effect("a login's address is the proxy's X-Forwarded-For, whatever the RPC message's headers say", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        yield* call("POST", "/api/v1/tenants", {
          body: {
            slug: "rpc-proxy",
            name: "Proxy",
            admin: { email: "admin@rpc-proxy.example.edu", password: PASSWORD, given_name: "A", family_name: "B" }
          }
        })
        const message = {
          _tag: "Request",
          id: "1",
          tag: "Login",
          payload: { tenant: "rpc-proxy", request: { login: "admin@rpc-proxy.example.edu", password: PASSWORD } },
          headers: [["x-forwarded-for", "198.51.100.66"]]
        }
        const answer = yield* Effect.promise(() =>
          fetch(`${server.url}/rpc`, {
            method: "POST",
            headers: { "content-type": "application/ndjson", "x-forwarded-for": "203.0.113.9" },
            body: `${JSON.stringify(message)}\n`
          }).then((r) => r.text())
        )
        const exit = answer
          .split("\n")
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l))
          .find((m) => m._tag === "Exit")
        const token = exit?.exit?.value?.tokens?.access_token as string
        expect(token).toBeTruthy()
        const sessions = (yield* call("GET", "/api/v1/tenants/rpc-proxy/auth/sessions", { auth: token }))
          .body as Array<{
          ip: string
        }>
        expect(sessions.map((s) => s.ip)).toEqual(["203.0.113.9"])
      })
    )
  }
)
