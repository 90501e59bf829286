/**
 * SMS through a provider interface (issue 18 "SMS through a provider
 * interface with a webhook/HTTP transport (no vendor SDK required)"): the
 * {@link SmsSender} port and its two transports. The per-tenant settings
 * come from the tenant's `sms` channel (issue 22 "Channel configs",
 * `activities/Channels.ts`) through the {@link SmsChannels} port, which the
 * composition root (`Core.ts`) provides over the activities service:
 * identity and academics import accounts and activities imports them, so
 * accounts must not import activities (`module-graph.test.ts`).
 *
 * - **http** ({@link httpSmsSender}): resolves the tenant's enabled `sms`
 *   channel serving the message's event type and sends
 *   `{ to, from, body, tenant, event_type, message_id }` as JSON
 *   (`content-type: application/json`) with its settings' method (POST by
 *   default) to its `url`. The channel's credentials travel as
 *   `Authorization: Bearer <credentials>`, or as the raw value of the
 *   header named by `settings.auth_header` (e.g. `X-Api-Key`). Any 2xx
 *   answer is a delivery; anything else, a redirect (never followed), a
 *   connection failure or the timeout (`timeoutMs`, default 10 s, for
 *   connect, headers and body) is an {@link SmsDeliveryError}. The URL is
 *   re-checked at send time and connections go through the guarded lookup
 *   (`kernel/OutboundUrl.ts`) unless the operator allows private targets
 *   (`SIGNET_CHANNELS_ALLOW_PRIVATE_TARGETS`, `ChannelTargetPolicy`).
 * - **log** ({@link logSmsSender}): development only; prints each message
 *   (number and text — codes included) to the log at WARN level.
 *
 * Callers pass the CloudEvent type the message belongs to (e.g.
 * `signet.accounts.mfa.code`), so a tenant routes each kind of message to
 * the channel enabled for it. No tenant channel → `SmsDeliveryError` with
 * reason `NoChannel`.
 *
 * @module
 */
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Config, Context, Data, Effect, Layer, Option, Redacted } from "effect"
import { request } from "undici"
import {
  ChannelTargetPolicy,
  channelsAllowPrivateTargets,
  checkEndpointUrl,
  guardedAgent
} from "../kernel/OutboundUrl.js"

/**
 * A tenant's SMS channel as the sender needs it: its id, its settings
 * (`{ url, from, method?, auth_header? }`, validated by activities) and its
 * decrypted credentials.
 */
export interface SmsChannel {
  readonly id: string
  readonly url: string
  readonly from: string
  readonly method?: "POST" | "PUT" | undefined
  readonly authHeader?: string | undefined
  readonly credentials: Option.Option<Redacted.Redacted<string>>
}

/**
 * Port: the current tenant's enabled `sms` channel serving an event type
 * (issue 22 "Channel configs"), provided by `Core.ts` over
 * `Activities.channels.resolve`.
 */
export class SmsChannels extends Context.Tag("Signet/SmsChannels")<
  SmsChannels,
  { readonly resolve: (eventType: string) => Effect.Effect<Option.Option<SmsChannel>, never, CurrentTenant> }
>() {}

/** One text message to send. */
export interface OutgoingSms {
  /** The recipient's number (E.164, e.g. `+33612345678`). */
  readonly to: string
  /** The text (plain; the provider splits it into segments). */
  readonly body: string
  /** The CloudEvent type the message belongs to; picks the tenant's channel. */
  readonly eventType: string
  /** An id the receiver can de-duplicate on (default: a random UUID). */
  readonly messageId?: string | undefined
}

/** What a delivered message answers: the channel it went through (null for the log transport) and the HTTP status. */
export interface SmsReceipt {
  readonly channelId: string | null
  readonly status: number | null
}

/** Delivery failed: no channel, the URL refused, a non-2xx answer, a network failure or the timeout. */
export class SmsDeliveryError extends Data.TaggedError("SmsDeliveryError")<{
  readonly reason: "NoChannel" | "Refused" | "Http" | "Network" | "Timeout"
  readonly message: string
  readonly status?: number | undefined
}> {}

/** The SMS port; see the module comment. */
export class SmsSender extends Context.Tag("Signet/SmsSender")<
  SmsSender,
  {
    /** Which transport is in use. */
    readonly transport: "http" | "log"
    /** Sends one message for the current tenant. @errors SmsDeliveryError */
    readonly send: (sms: OutgoingSms) => Effect.Effect<SmsReceipt, SmsDeliveryError, CurrentTenant>
  }
>() {}

/** Options of {@link httpSmsSender}. */
export interface HttpSmsOptions {
  /** Time allowed for connecting and for the whole answer, ms (default 10 000). */
  readonly timeoutMs?: number | undefined
}

/** The JSON body the HTTP transport sends. */
export interface SmsRequestBody {
  readonly to: string
  readonly from: string
  readonly body: string
  /** The tenant's slug. */
  readonly tenant: string
  readonly event_type: string
  readonly message_id: string
}

const describe = (e: unknown): SmsDeliveryError => {
  const name = (e as { name?: string })?.name
  if (name === "TimeoutError" || name === "AbortError" || (e as { code?: string })?.code?.includes("TIMEOUT"))
    return new SmsDeliveryError({ reason: "Timeout", message: "the SMS provider did not answer in time" })
  return new SmsDeliveryError({
    reason: "Network",
    message: `the SMS provider could not be reached: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300)
  })
}

/**
 * The HTTP transport over the tenant's `sms` channel (see the module
 * comment). Needs the {@link SmsChannels} port (channel lookup).
 */
export const httpSmsSender = (options: HttpSmsOptions = {}): Layer.Layer<SmsSender, never, SmsChannels> =>
  Layer.effect(
    SmsSender,
    Effect.gen(function* () {
      const channels = yield* SmsChannels
      const envAllow = yield* channelsAllowPrivateTargets.pipe(Effect.orDie)
      const timeoutMs = options.timeoutMs ?? 10_000
      const send = (sms: OutgoingSms) =>
        Effect.gen(function* () {
          const tenant = yield* CurrentTenant
          const found = yield* channels.resolve(sms.eventType)
          if (Option.isNone(found))
            return yield* new SmsDeliveryError({
              reason: "NoChannel",
              message: `the tenant has no enabled sms channel for ${sms.eventType}`
            })
          const channel = found.value
          const policy = yield* ChannelTargetPolicy
          const target = { allowPrivateTargets: envAllow || policy.allowPrivateTargets }
          const url = checkEndpointUrl(channel.url, target)
          if (typeof url === "string")
            return yield* new SmsDeliveryError({ reason: "Refused", message: `the channel's URL ${url}` })
          const payload: SmsRequestBody = {
            to: sms.to,
            from: channel.from,
            body: sms.body,
            tenant: tenant.slug,
            event_type: sms.eventType,
            message_id: sms.messageId ?? crypto.randomUUID()
          }
          const headers: Record<string, string> = { "content-type": "application/json" }
          if (Option.isSome(channel.credentials)) {
            const secret = Redacted.value(channel.credentials.value)
            if (channel.authHeader) headers[channel.authHeader.toLowerCase()] = secret
            else headers.authorization = `Bearer ${secret}`
          }
          const status = yield* Effect.acquireUseRelease(
            Effect.sync(() => guardedAgent(target, timeoutMs)),
            (agent) =>
              Effect.tryPromise({
                try: async () => {
                  const res = await request(url, {
                    method: channel.method === "PUT" ? "PUT" : "POST",
                    headers,
                    body: JSON.stringify(payload),
                    dispatcher: agent,
                    signal: AbortSignal.timeout(timeoutMs)
                  })
                  await res.body.dump().catch(() => undefined)
                  return res.statusCode
                },
                catch: describe
              }),
            (agent) => Effect.promise(() => agent.destroy().catch(() => undefined))
          )
          if (status < 200 || status >= 300)
            return yield* new SmsDeliveryError({
              reason: "Http",
              status,
              message: `the SMS provider answered HTTP ${status}${status >= 300 && status < 400 ? " (redirects are not followed)" : ""}`
            })
          return { channelId: channel.id, status }
        }).pipe(Effect.withSpan("SmsSender.send", { attributes: { transport: "http", eventType: sms.eventType } }))
      return { transport: "http" as const, send }
    })
  )

/** The development transport: logs each message at WARN (see the module comment). */
export const logSmsSender: Layer.Layer<SmsSender> = Layer.effect(
  SmsSender,
  Effect.gen(function* () {
    yield* Effect.logWarning("SMS: the log transport prints every message; set an sms channel for production")
    return {
      transport: "log" as const,
      send: (sms: OutgoingSms) =>
        Effect.flatMap(CurrentTenant, (tenant) =>
          Effect.as(Effect.logWarning(`SMS to ${sms.to} (${tenant.slug}, ${sms.eventType}): ${sms.body}`), {
            channelId: null,
            status: null
          } satisfies SmsReceipt)
        )
    }
  })
)

/**
 * The transport named by `SIGNET_SMS_TRANSPORT`: `http` (default; the
 * tenant's `sms` channel, timeout `SIGNET_SMS_TIMEOUT_MS`, default 10 000)
 * or `log` (development). What `Core.layer` uses unless given `sms`.
 */
export const smsSenderFromEnv: Layer.Layer<SmsSender, never, SmsChannels> = Layer.unwrapEffect(
  Effect.gen(function* () {
    const transport = yield* Config.literal("http", "log")("SIGNET_SMS_TRANSPORT").pipe(Config.withDefault("http"))
    const timeoutMs = yield* Config.integer("SIGNET_SMS_TIMEOUT_MS").pipe(Config.withDefault(10_000))
    return transport === "log" ? logSmsSender : httpSmsSender({ timeoutMs })
  }).pipe(Effect.orDie)
)
