/**
 * Test support for outgoing webhooks (issue 21 §1): a real `node:http`
 * receiver on loopback, a fresh tenant to run in, and publishing an event
 * through the outbox so its deliveries are queued.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { SqlClient } from "@effect/sql"
import { CurrentTenant, Events, type TenantId } from "@signet/core"
import { Clock, Effect } from "effect"
import { onboard, testActor } from "./support.js"

/** One request the receiver got. */
export interface Received {
  readonly headers: Http.IncomingHttpHeaders
  readonly body: string
}

/** A running receiver: its `/hook` URL, every request, their `webhook-id`s, and the status it answers (changeable). */
export interface Receiver {
  readonly url: string
  readonly got: Array<Received>
  readonly ids: Array<string>
  status: number
}

/**
 * A loopback receiver answering `status` (changeable through the answer's
 * `status`) with a 3 KB text body, recording every request; closed with the scope.
 */
export const receiver = (status = 200) =>
  Effect.acquireRelease(
    Effect.async<Receiver & { readonly srv: Http.Server }>((resume) => {
      const state = { url: "", got: [] as Array<Received>, ids: [] as Array<string>, status }
      const srv = Http.createServer((req, res) => {
        const chunks: Array<Buffer> = []
        req.on("data", (c: Buffer) => chunks.push(c))
        req.on("end", () => {
          state.got.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") })
          state.ids.push(String(req.headers["webhook-id"]))
          res
            .writeHead(state.status, { "content-type": "text/plain" })
            .end(`answer ${state.status} ${"x".repeat(3000)}`)
        })
      })
      srv.listen(0, "127.0.0.1", () => {
        state.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/hook`
        resume(Effect.succeed(Object.assign(state, { srv })))
      })
    }),
    (s) => Effect.sync(() => s.srv.close())
  )

/**
 * Runs `body` as the test operator in a fresh tenant `slug`, on the real
 * clock: signatures carry the time, and receivers (`Webhook.verify`) refuse
 * one more than five minutes from theirs.
 */
export const inFreshTenant = <A, E, R>(slug: string, body: Effect.Effect<A, E, R>) =>
  Effect.flatMap(onboard(slug), (t) =>
    body.pipe(
      Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug }),
      Effect.provide(testActor),
      Effect.withClock(Clock.make())
    )
  )

/** Publishes an event in the current tenant and lets the outbox dispatcher run the subscribers; answers the event. */
export const publish = (type: string, data: unknown = { ok: true }) =>
  Effect.gen(function* () {
    const events = yield* Events
    const sql = yield* SqlClient.SqlClient
    const event = yield* sql.withTransaction(events.publish({ type, data })).pipe(Effect.orDie)
    while ((yield* events.dispatchOnce) > 0);
    return event
  })
