/**
 * `@signet/server/testing/sms` — a local SMS provider for tests (issue 18
 * "SMS through a provider interface with a webhook/HTTP transport … tested
 * against a local receiver"): a `node:http` server on 127.0.0.1 that
 * accepts what Signet's HTTP SMS transport posts (`accounts/Sms.ts`:
 * `{ to, from, body, tenant, event_type, message_id }` as JSON), keeps
 * every text and answers 202. Point a tenant's `sms` channel at
 * `${url}/sms` (and allow private targets, `SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS`).
 * Nothing here reaches a real provider. Shared by the server's, the SDK's
 * and the web app's test suites.
 *
 * @module
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { call, onboardTenant } from "../testing.js"

/** One text the receiver got: the JSON body of the HTTP transport. */
export interface ReceivedText {
  readonly to: string
  readonly from?: string
  readonly body: string
  /** The tenant's slug. */
  readonly tenant: string
  /** The CloudEvent type the text belongs to, e.g. `signet.accounts.sign_in.code`. */
  readonly event_type: string
}

/** The running receiver. */
export interface SmsReceiver {
  /** `http://127.0.0.1:<port>`; the channel URL is `${url}/sms`. */
  readonly url: string
  /** Every text received, oldest first. */
  readonly received: Array<ReceivedText>
  /** The texts of tenant `slug` to `to`. */
  readonly textsTo: (slug: string, to: string) => ReadonlyArray<ReceivedText>
  /**
   * The code (the leading 6 digits) of the `n`-th (1-based) text of tenant
   * `slug` to `to`, once it arrives; polls every 50 ms and rejects after
   * `attempts` polls (default 600, 30 s).
   */
  readonly nthCode: (slug: string, to: string, n: number, attempts?: number) => Promise<string>
  readonly close: () => Promise<void>
}

/** Starts an {@link SmsReceiver} on an ephemeral loopback port. */
export const startSmsReceiver = async (): Promise<SmsReceiver> => {
  const received: Array<ReceivedText> = []
  const server = Http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      try {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReceivedText)
        res.writeHead(202).end()
      } catch {
        res.writeHead(400).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const textsTo = (slug: string, to: string) => received.filter((r) => r.tenant === slug && r.to === to)
  const nthCode = async (slug: string, to: string, n: number, attempts = 600) => {
    for (let i = 0; i < attempts; i++) {
      const texts = textsTo(slug, to)
      if (texts.length >= n) {
        const m = /^(\d{6}) /.exec(texts[n - 1]!.body)
        if (m) return m[1]!
        throw new Error(`text ${n} to ${to} holds no code: ${texts[n - 1]!.body}`)
      }
      await new Promise((done) => setTimeout(done, 50))
    }
    throw new Error(`no text ${n} to ${to}`)
  }
  const close = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  return { url, received, textsTo, nthCode, close }
}

/**
 * Onboards tenant `slug` (`onboardTenant`) with an `sms` channel to
 * `receiver` (every event type) and the boolean tenant settings `settings`
 * (e.g. `auth.sms_code_sign_in`, `auth.mfa_sms_codes`) turned on; answers
 * the admin's access token. Needs the test server (`TestServer`) and fails
 * the test when a step is refused.
 */
export const smsSchool = (receiver: SmsReceiver, slug: string, settings: ReadonlyArray<string> = []) =>
  Effect.gen(function* () {
    const access = yield* onboardTenant(slug)
    const api = `/api/v1/tenants/${slug}`
    const channel = yield* call("POST", `${api}/channels`, {
      auth: access,
      body: { kind: "sms", name: "Texts", settings: { url: `${receiver.url}/sms`, from: "Signet" }, event_types: ["*"] }
    })
    if (channel.status !== 201) return yield* Effect.die(new Error(`sms channel: ${channel.status} ${channel.text}`))
    for (const key of settings) {
      const put = yield* call("PUT", `${api}/settings/${key}`, { body: { value: true } })
      if (put.status !== 200) return yield* Effect.die(new Error(`setting ${key}: ${put.status} ${put.text}`))
    }
    return access
  })
