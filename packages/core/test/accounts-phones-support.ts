/**
 * Fixtures of the SMS tests (issue 18 SMS): a local HTTP receiver standing
 * in for the tenant's SMS provider (`sms` channel), tenants whose admin has
 * a phone number, and the codes the receiver got.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { expect } from "@effect/vitest"
import { CreateChannelConfig } from "@signet/contracts/activities/Channels"
import { type Actor, ChannelsAdmin, ChannelTargetPolicy, Events, Mfa, Phones, policyUse, Tenancy } from "@signet/core"
import { Effect, Redacted, Schema } from "effect"
import { afterAll, beforeAll } from "vitest"
import {
  ADMIN_PASSWORD,
  adminSession,
  inTenant,
  onboardWithAdmin,
  type TenantRef,
  testActor,
  totpAt
} from "./support.js"

/** A text the receiver got: the JSON body the HTTP transport posts. */
export interface Texted {
  readonly to: string
  readonly body: string
  readonly tenant: string
  readonly event_type: string
}

const received: Array<Texted> = []
let base = ""
let server: Http.Server

/** Starts the receiver for the calling test file (and stops it after). */
export const useReceiver = () => {
  beforeAll(async () => {
    server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (c: Buffer) => chunks.push(c))
      req.on("end", () => {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")))
        res.writeHead(202).end()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
}

/** The operator lets channels reach loopback (the receiver). */
export const allow = Effect.provideService(ChannelTargetPolicy, { allowPrivateTargets: true })

/** Sends every queued text (runs the outbox dispatcher until idle). */
export const dispatch = Events.use((e) => Effect.repeat(e.dispatchOnce, { until: (n) => n === 0 })).pipe(allow)

/** The texts tenant `t` sent so far (after a dispatch). */
export const textsOf = (t: TenantRef) => dispatch.pipe(Effect.map(() => received.filter((r) => r.tenant === t.slug)))

/** The code in the newest text of tenant `t` to `to` (its leading 6 digits). */
export const lastCode = (t: TenantRef, to: string) =>
  Effect.map(textsOf(t), (texts) => {
    const text = texts.filter((x) => x.to === to).at(-1)
    const m = /^(\d{6}) /.exec(text?.body ?? "")
    if (!m) throw new Error(`no code texted to ${to}`)
    return m[1]!
  })

/** The admin's login: `head@<slug>.example.edu`. */
export const adminEmail = (t: TenantRef) => `head@${t.slug}.example.edu`

/**
 * A tenant with an `sms` channel to the receiver for every event type,
 * and its admin's session. Settings in `settings` are switched on.
 */
export const smsWorld = (slug: string, settings: ReadonlyArray<string> = []) =>
  Effect.gen(function* () {
    const t = yield* onboardWithAdmin(slug)
    const admin = yield* adminSession(t)
    yield* ChannelsAdmin.create(
      Schema.decodeUnknownSync(CreateChannelConfig)({
        kind: "sms",
        name: "Provider",
        settings: { url: `${base}/sms`, from: "Signet" },
        event_types: ["*"]
      })
    ).pipe(policyUse("channels:write"), inTenant(t, admin), allow)
    for (const key of settings)
      yield* Tenancy.use((x) => x.putSetting(t.slug, key, true)).pipe(Effect.provide(testActor))
    return { t, admin }
  })

/** Sets `actor`'s number (texting a verification code), re-authenticated by the admin's password. */
export const setPhone = (t: TenantRef, actor: Actor, phone_number: string, password: string = ADMIN_PASSWORD) =>
  Phones.use((p) => p.setPhoneNumber({ phone_number, password: Redacted.make(password) })).pipe(inTenant(t, actor))

/** Sets and verifies `actor`'s number with the texted code. */
export const verifiedPhone = (t: TenantRef, actor: Actor, phone_number: string) =>
  Effect.gen(function* () {
    const set = yield* setPhone(t, actor, phone_number)
    const code = yield* lastCode(t, set.phone_number!)
    const status = yield* Phones.use((p) => p.confirmPhoneNumber({ code })).pipe(inTenant(t, actor))
    expect(status.verified).toBe(true)
    return status.phone_number!
  })

/** Enrols `actor` (the admin) in TOTP, so a password login answers `mfa_required`. */
export const withTotp = (t: TenantRef, actor: Actor) =>
  Effect.gen(function* () {
    const { secret } = yield* Mfa.use((m) => m.enroll(actor.id!, Redacted.make(ADMIN_PASSWORD))).pipe(inTenant(t))
    yield* Effect.flatMap(totpAt(secret), (c) => Mfa.use((m) => m.confirm(actor.id!, c))).pipe(inTenant(t))
    return secret
  })
