import { layer } from "@effect/vitest"
import { sanitizeIssueMessage, sanitizeIssueTree } from "@signet/server"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"

describe("validation messages never repeat secrets nor bulk", () => {
  it("hide the value of a secret field, cut a long one, keep a short one", () => {
    expect(sanitizeIssueMessage("password", 'Expected string, actual "hunter2"')).toBe(
      "Expected string, actual (not shown)"
    )
    expect(sanitizeIssueMessage("admin.password", 'Expected string, actual "hunter2"')).toContain("(not shown)")
    expect(sanitizeIssueMessage("codes.0", 'Expected string, actual "123456"')).toContain("(not shown)")
    const long = sanitizeIssueMessage(
      "name",
      `Expected a string at most 200 character(s) long, actual "${"n".repeat(500)}"`
    )
    expect(long).toMatch(/actual "n{59}… \(502 characters\)$/)
    expect(sanitizeIssueMessage("name", "Expected string, actual 42")).toBe("Expected string, actual 42")
  })

  it("in a printed tree, by the nearest field above each value", () => {
    const tree = [
      "{ readonly tenant: string; readonly request: LoginRequest }",
      '└─ ["request"]',
      "   └─ LoginRequest",
      '      ├─ ["login"]',
      "      │  └─ Expected string, actual 42",
      '      └─ ["password"]',
      "         └─ Password",
      '            └─ Expected a string at most 1024 character(s) long, actual "hunter2hunter2"'
    ].join("\n")
    const out = sanitizeIssueTree(tree)
    expect(out).not.toContain("hunter2")
    expect(out).toContain("actual (not shown)")
    expect(out).toContain("Expected string, actual 42")
  })
})

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("RPC", (it) => {
  it.effect("a payload that cannot be decoded is answered without the secret it carried", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      const marker = "hunter2-must-not-come-back"
      const request = {
        _tag: "Request",
        id: "1",
        tag: "Login",
        payload: { tenant: "nowhere", request: { login: "a@b.example.edu", password: marker.repeat(60) } },
        traceId: "t",
        spanId: "s",
        sampled: false,
        headers: []
      }
      const text = yield* Effect.promise(() =>
        fetch(`${server.url}/rpc`, {
          method: "POST",
          headers: { "content-type": "application/ndjson" },
          body: `${JSON.stringify(request)}\n`
        }).then((r) => r.text())
      )
      expect(text).toContain("Die")
      expect(text).toContain("actual (not shown)")
      expect(text).not.toContain(marker)
    })
  )
})
