/**
 * `@signet/server/testing/stripe` — a local stand-in for Stripe's API (issue 20 "Payments"): an HTTP server
 * that records every request (method, path, form parameters, headers) and
 * answers with the documented JSON shapes of `customer`,
 * `customer` (create, update), `checkout.session`, `billing_portal.session`, `invoice` (create,
 * finalize: `total` is the sum of the items added to it; pay and void, a second one of either
 * refused with 400 `invoice_unexpected_state`) and `invoiceitem`
 * (trimmed to the fields Signet reads, plus `object`/`livemode`). While
 * `down` is set it answers every request `500 api_error` (a Stripe outage). Nothing here reaches Stripe.
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
  /** The status and JSON the recorder answered. */
  readonly status: number
  readonly response: Readonly<Record<string, unknown>>
}

/** The running recorder. */
export interface StripeRecorder {
  readonly url: string
  readonly requests: Array<RecordedRequest>
  /** While true, every request is recorded and answered `500` (a Stripe outage). */
  down: boolean
  readonly close: () => Promise<void>
}

let seq = 0
/** Invoice id → its items' amounts (minor units), for `total` at finalize. */
const invoiceItems = new Map<string, Array<number>>()
/** Invoice id → the state `pay` or `void` left it in (a second settle is refused, as Stripe does). */
const settledInvoices = new Map<string, "paid" | "void">()

const stripeInvoice = (id: string, form: Record<string, string>, status: "draft" | "open") => {
  const total = (invoiceItems.get(id) ?? []).reduce((a, b) => a + b, 0)
  return {
    id,
    object: "invoice",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    status,
    customer: form.customer ?? null,
    currency: form.currency ?? "eur",
    collection_method: form.collection_method ?? "send_invoice",
    total,
    amount_due: total,
    metadata: metadataOf(form),
    hosted_invoice_url: status === "open" ? `https://invoice.stripe.com/i/test_${id}` : null
  }
}

const metadataOf = (form: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(form)
      .filter(([k]) => k.startsWith("metadata["))
      .map(([k, v]) => [k.slice(9, -1), v])
  )

const answer = (path: string, form: Record<string, string>): [number, Record<string, unknown>] => {
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
  const customer = /^\/v1\/customers\/([^/]+)$/.exec(path)
  if (customer)
    return [
      200,
      {
        id: customer[1]!,
        object: "customer",
        created,
        livemode: false,
        name: null,
        email: null,
        metadata: metadataOf(form)
      }
    ]
  if (path === "/v1/invoices") {
    const id = `in_test_${seq}`
    invoiceItems.set(id, [])
    return [200, stripeInvoice(id, form, "draft")]
  }
  const finalize = /^\/v1\/invoices\/([^/]+)\/finalize$/.exec(path)
  if (finalize) return [200, stripeInvoice(finalize[1]!, form, "open")]
  const settle = /^\/v1\/invoices\/([^/]+)\/(pay|void)$/.exec(path)
  if (settle) {
    const [, id, verb] = settle as unknown as [string, string, "pay" | "void"]
    if (settledInvoices.has(id))
      return [
        400,
        {
          error: {
            type: "invalid_request_error",
            code: "invoice_unexpected_state",
            message: `Invoice is already ${settledInvoices.get(id)}.`
          }
        }
      ]
    const status = verb === "pay" ? "paid" : "void"
    settledInvoices.set(id, status)
    return [200, { ...stripeInvoice(id, form, "open"), status, hosted_invoice_url: null }]
  }
  if (path === "/v1/invoiceitems") {
    const amount = Number(form.amount ?? 0)
    invoiceItems.get(form.invoice ?? "")?.push(amount)
    return [
      200,
      {
        id: `ii_test_${seq}`,
        object: "invoiceitem",
        livemode: false,
        customer: form.customer ?? null,
        invoice: form.invoice ?? null,
        amount,
        currency: form.currency ?? null,
        description: form.description ?? null,
        metadata: metadataOf(form)
      }
    ]
  }
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
        const [status, json] = recorder.down
          ? [500, { error: { type: "api_error", message: "recorder is down (a simulated outage)" } }]
          : answer(path, form)
        requests.push({
          method: req.method ?? "",
          path,
          form,
          idempotencyKey: header("idempotency-key"),
          authorization: header("authorization"),
          status,
          response: json
        })
        res.writeHead(status, { "content-type": "application/json", "request-id": `req_test_${seq}` })
        res.end(JSON.stringify(json))
      })
    })
    const recorder: StripeRecorder = {
      url: "",
      requests,
      down: false,
      close: () => new Promise((r) => server.close(() => r()))
    }
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo
      resolve(Object.assign(recorder, { url: `http://127.0.0.1:${port}` }))
    })
  })
