/**
 * Issue 15 §1 "bodies read before authentication": an upload larger than the general body limit
 * is answered 401 before its body is read when the caller is not authenticated; an authenticated
 * caller's upload is read as before.
 */
import * as Http from "node:http"
import { expect, layer } from "@effect/vitest"
import { call, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

/**
 * Announces `declared` bytes, sends only the first 64 KiB, and waits for the answer: a server
 * that read the body before answering would wait forever for the rest.
 */
const partialUpload = (url: string, path: string, declared: number, token?: string) =>
  Effect.async<{ status: number; body: string }, Error>((resume) => {
    const req = Http.request(`${url}${path}`, {
      method: "POST",
      headers: {
        "content-type": path.endsWith("/excuses") ? "application/json" : "application/zip",
        "content-length": String(declared),
        ...(token ? { authorization: `Bearer ${token}` } : {})
      }
    })
    req.on("response", (res) => {
      let body = ""
      res.on("data", (c) => (body += c))
      res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, body })))
      req.destroy()
    })
    req.on("error", (e) => resume(Effect.fail(e)))
    req.write(Buffer.alloc(64 * 1024, 0x50))
    return Effect.sync(() => req.destroy())
  })

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("uploads (issue 15 §1)", (it) => {
  for (const path of ["/api/v1/tenants/up-school/roster/imports", "/api/v1/tenants/up-school/excuses"]) {
    it.effect(
      `an unauthenticated 60 MiB POST to …${path.slice(path.lastIndexOf("/"))} is refused before its body is read`,
      () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const r = yield* partialUpload(server.url, path, 60 * 1024 * 1024).pipe(Effect.timeout("30 seconds"))
          expect(r.status).toBe(401)
          const wrong = yield* partialUpload(server.url, path, 60 * 1024 * 1024, "not-a-token").pipe(
            Effect.timeout("30 seconds")
          )
          expect(wrong.status).toBe(401)
        })
    )
  }

  it.effect("an authenticated upload above the general limit is read and judged on its content", () =>
    Effect.gen(function* () {
      yield* call("POST", "/api/v1/tenants", { body: { slug: "up-school", name: "Uploads" } })
      const server = yield* TestServer
      const res = yield* Effect.promise(() =>
        fetch(`${server.url}/api/v1/tenants/up-school/roster/imports`, {
          method: "POST",
          headers: { authorization: `Bearer ${server.token}`, "content-type": "application/zip" },
          body: new Uint8Array(200 * 1024).fill(0x41)
        })
      )
      expect(res.status).toBe(400)
      expect(yield* Effect.promise(() => res.text())).toContain("zip")
    })
  )
})

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("body types (issue 15 §5)", (it) => {
  const post = (path: string, body: string, contentType?: string) =>
    Effect.flatMap(TestServer, (server) =>
      Effect.promise(() =>
        fetch(`${server.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${server.token}`, ...(contentType ? { "content-type": contentType } : {}) },
          body
        }).then(async (r) => ({ status: r.status, text: await r.text() }))
      )
    )

  it.effect("a form-encoded body on a JSON endpoint is 415", () =>
    Effect.gen(function* () {
      const r = yield* post("/api/v1/tenants", "slug=form-school&name=Form", "application/x-www-form-urlencoded")
      expect(r.status).toBe(415)
      expect(r.text).toContain("application/json")
    })
  )

  it.effect("a body sent as text/plain is 415, a JSON one with a charset is accepted", () =>
    Effect.gen(function* () {
      const body = JSON.stringify({ slug: "typed-school", name: "Typed" })
      expect((yield* post("/api/v1/tenants", body)).status).toBe(415)
      expect((yield* post("/api/v1/tenants", body, "application/json; charset=utf-8")).status).toBe(201)
    })
  )
})
