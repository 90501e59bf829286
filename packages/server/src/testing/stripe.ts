/**
 * `@signet/server/testing/stripe` — a local stand-in for Stripe's API (issue 20 "Payments"): an HTTP server
 * that records every request (method, path, form parameters, headers) and
 * answers with the documented JSON shapes of `customer`,
 * `checkout.session` and `billing_portal.session` (trimmed to the fields
 * Signet reads, plus `object`/`livemode`). Nothing here reaches Stripe.
 * Point `SIGNET_STRIPE_API_URL` at its `url`. Shared by the server's and
 * the CLI's test suites.
 *
 * @module
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** One request the recorder received. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  /** The `application/x-www-form-urlencoded` body, keys as Stripe encodes them (`metadata[x]`). */
  readonly form: Record<string, string>
  readonly idempotencyKey: string | undefined
  readonly authorization: string | undefined
}

/** The running recorder. */
export interface StripeRecorder {
  readonly url: string
  readonly requests: Array<RecordedRequest>
  readonly close: () => Promise<void>
}

let seq = 0

const answer = (path: string, form: Record<string, string>): [number, unknown] => {
  seq += 1
  const created = Math.floor(Date.now() / 1000)
  if (path === "/v1/customers")
    return [
      200,
      {
        id: `cus_test_${seq}`,
        object: "customer",
        created,
        livemode: false,
        name: form.name ?? null,
        email: null,
        metadata: Object.fromEntries(
          Object.entries(form)
            .filter(([k]) => k.startsWith("metadata["))
            .map(([k, v]) => [k.slice(9, -1), v])
        )
      }
    ]
  if (path === "/v1/checkout/sessions")
    return [
      200,
      {
        id: `cs_test_${seq}`,
        object: "checkout.session",
        created,
        livemode: false,
        mode: "payment",
        status: "open",
        payment_status: "unpaid",
        customer: form.customer ?? null,
        client_reference_id: form.client_reference_id ?? null,
        currency: form["line_items[0][price_data][currency]"] ?? null,
        amount_total: Number(form["line_items[0][price_data][unit_amount]"] ?? 0),
        metadata: {},
        payment_intent: null,
        success_url: form.success_url ?? null,
        cancel_url: form.cancel_url ?? null,
        url: `https://checkout.stripe.com/c/pay/cs_test_${seq}`
      }
    ]
  if (path === "/v1/billing_portal/sessions")
    return [
      200,
      {
        id: `bps_test_${seq}`,
        object: "billing_portal.session",
        created,
        livemode: false,
        customer: form.customer ?? null,
        return_url: form.return_url ?? null,
        url: `https://billing.stripe.com/p/session/test_${seq}`
      }
    ]
  return [404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (POST: ${path})` } }]
}

/** Starts a recorder on 127.0.0.1 (a free port). */
export const startStripeRecorder = (): Promise<StripeRecorder> =>
  new Promise((resolve) => {
    const requests: Array<RecordedRequest> = []
    const server = Http.createServer((req, res) => {
      let body = ""
      req.on("data", (c) => {
        body += c
      })
      req.on("end", () => {
        const form = Object.fromEntries(new URLSearchParams(body))
        const path = (req.url ?? "").split("?")[0]!
        const header = (name: string) => {
          const v = req.headers[name]
          return Array.isArray(v) ? v[0] : v
        }
        requests.push({
          method: req.method ?? "",
          path,
          form,
          idempotencyKey: header("idempotency-key"),
          authorization: header("authorization")
        })
        const [status, json] = answer(path, form)
        res.writeHead(status, { "content-type": "application/json", "request-id": `req_test_${seq}` })
        res.end(JSON.stringify(json))
      })
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((r) => server.close(() => r()))
      })
    })
  })
