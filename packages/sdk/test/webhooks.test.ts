/**
 * Issue 21 §1 through the Promise facade (`client.webhooks`): create an
 * endpoint (secret answered once), ping a loopback receiver that verifies
 * the Standard Webhooks signature, read the delivery log, rotate, remove.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { expect, layer } from "@effect/vitest"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"
import { Webhook } from "standardwebhooks"

const PASSWORD = "correct horse battery staple"

layer(testServer("sqlite", {}, { SIGNET_WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" }), {
  timeout: 60_000,
  excludeTestServices: true
})("client.webhooks against a real server", (it) => {
  it.scoped("create, ping (signature verified by the receiver), deliveries, rotate, remove", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      const run = <A>(f: () => Promise<A>) => Effect.promise(f)
      let secret = ""
      const verified: Array<unknown> = []
      const srv = yield* Effect.acquireRelease(
        Effect.async<Http.Server>((resume) => {
          const s = Http.createServer((req, res) => {
            const chunks: Array<Buffer> = []
            req.on("data", (c: Buffer) => chunks.push(c))
            req.on("end", () => {
              try {
                verified.push(new Webhook(secret).verify(Buffer.concat(chunks), req.headers as Record<string, string>))
                res.writeHead(204).end()
              } catch {
                res.writeHead(400).end()
              }
            })
          })
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.sync(() => s.close())
      )
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/in`
      const operator = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-hooks",
        credentials: { operatorToken: server.token }
      })
      yield* run(() =>
        operator.tenants.create({
          slug: "sdk-hooks",
          name: "Hooks",
          admin: {
            email: "admin@hooks.example.edu",
            password: Redacted.make(PASSWORD),
            given_name: "A",
            family_name: "D"
          }
        })
      )
      const admin = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-hooks",
        credentials: { login: "admin@hooks.example.edu", password: PASSWORD }
      })
      const created = yield* run(() => admin.webhooks.create({ url, event_types: ["signet.test."] }))
      secret = created.secret
      const ping = yield* run(() => admin.webhooks.ping(created.endpoint.id))
      expect(ping.attempts[0]?.status_code).toBe(204)
      expect(verified).toHaveLength(1)
      expect((yield* run(() => admin.webhooks.deliveries(created.endpoint.id))).map((d) => d.id)).toEqual([
        ping.delivery.id
      ])
      const rotated = yield* run(() => admin.webhooks.rotateSecret(created.endpoint.id))
      secret = rotated.secret
      expect((yield* run(() => admin.webhooks.ping(created.endpoint.id))).attempts[0]?.status_code).toBe(204)
      yield* run(() => admin.webhooks.remove(created.endpoint.id))
      expect(yield* run(() => admin.webhooks.list())).toEqual([])
    })
  )
})
