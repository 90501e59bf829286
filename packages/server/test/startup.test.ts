/**
 * Issue 15 §6 "Postgres: requests in the first ~0.5 s after start hang
 * forever": a request that reaches the port while the server is still
 * starting (migrations, core services) gets an answer — the API once it is
 * ready, or a 503 problem with `Retry-After` — and never hangs.
 */
import { createServer as createNetServer } from "node:net"
import { Crypto } from "@signet/core"
import { makeTestDatabase, type TestDialect, testDialects } from "@signet/core/testing"
import { coreLayer, makeServerConfig, serverLayer } from "@signet/server"
import { Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import { describe, expect, it } from "vitest"

/** A port the OS just handed out (closed again, so the server can bind it). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createNetServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0))
    })
  })

/** The first answer of `GET /health` on a port that is not listening yet: retries refused connections only. */
const firstAnswer = async (port: number, giveUpAt: number) => {
  for (;;) {
    try {
      // Generous: a hang is what this test is about, not the machine's speed.
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(60_000) })
      return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() }
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause
      if (cause?.code !== "ECONNREFUSED" || Date.now() > giveUpAt) throw e
      await new Promise((r) => setTimeout(r, 2))
    }
  }
}

describe.each(testDialects())("start-up on %s", (dialect: TestDialect) => {
  it("a request during start-up is answered (ready or 503), never left hanging", { timeout: 300_000 }, async () => {
    const db = await makeTestDatabase(dialect)
    const port = await freePort()
    const config = makeServerConfig({
      databaseUrl: db.url,
      bootstrapToken: Option.some(Redacted.make("startup-test-token-0123456789")),
      host: "127.0.0.1",
      port
    })
    const scope = Effect.runSync(Scope.make())
    try {
      const probe = firstAnswer(port, Date.now() + 240_000)
      const server = Effect.runFork(
        Layer.buildWithScope(serverLayer(config, coreLayer(config, undefined, Crypto.EnvelopeEphemeral)), scope)
      )
      const first = await probe
      expect([200, 503]).toContain(first.status)
      if (first.status === 503) {
        expect(first.retryAfter).toBe("1")
        expect(JSON.parse(first.body)).toMatchObject({ status: 503, title: "Service Unavailable" })
      }
      await Effect.runPromise(Fiber.join(server))
      const ready = await fetch(`http://127.0.0.1:${port}/health`)
      expect(ready.status).toBe(200)
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await db.dispose()
    }
  })
})
