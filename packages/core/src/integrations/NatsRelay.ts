/**
 * The NATS JetStream adapter of the broker relay (issue 21 §2): implements
 * the {@link BrokerPublisher} port over the official `nats` client.
 *
 * - Connects to `SIGNET_NATS_URL` (`nats://[user:pass@|token@]host:4222`,
 *   several comma-separated for a cluster), reconnecting forever.
 * - Creates or updates one stream per topic family (`Topics.ts`) at
 *   connection: `[PREFIX_]CORE_USER_EVENTS` with subjects
 *   `[prefix.]core.user.events.>`, file storage, the de-duplication window
 *   `duplicateWindowMs` and a maximum age `maxAgeMs` (idempotent: an
 *   existing stream is updated to this configuration).
 * - Publishes each event as its CloudEvent JSON (structured mode,
 *   `content-type: application/cloudevents+json`, CloudEvents NATS binding)
 *   with `Nats-Msg-Id` = the event id, so JetStream drops a re-sent event
 *   inside the window, plus `ce-*` headers (`ce-id`, `ce-type`, `ce-source`,
 *   `ce-time`, `ce-specversion`, `ce-subject`, `ce-tenantid`) for routing
 *   without parsing the body. A message counts as sent only once its PubAck
 *   arrives.
 *
 * The `nats` module loads lazily in the single binary (scripts/build-binary.mjs).
 *
 * @module
 */
import { Effect, Redacted } from "effect"
import { connect, headers, type JetStreamClient, type NatsConnection, nanos, RetentionPolicy, StorageType } from "nats"
import { BrokerError, type BrokerMessage, type BrokerPublisher, type PublishOutcome } from "./Broker.js"
import { PREFIX_PATTERN, streamName, streamSubjects, subjectOf, TOPIC_FAMILIES } from "./Topics.js"

/** Settings of the NATS JetStream publisher. */
export interface NatsOptions {
  /** Server URL(s), `nats://[user:pass@|token@]host:port`, comma-separated (credentials kept redacted). */
  readonly url: Redacted.Redacted<string>
  /** Prefix of stream names and subjects ({@link PREFIX_PATTERN}; default none). */
  readonly prefix?: string | undefined
  /** JetStream de-duplication window, ms (default 600 000 = 10 min; longer than the relay's lease). */
  readonly duplicateWindowMs?: number | undefined
  /** How long a stream keeps messages, ms (default 7 days; 0 = no age limit). */
  readonly maxAgeMs?: number | undefined
  /** Time allowed for a PubAck, ms (default 10 000). */
  readonly ackTimeoutMs?: number | undefined
}

/** Default de-duplication window (ms). */
export const DEFAULT_DUPLICATE_WINDOW_MS = 600_000
/** Default maximum message age of a stream (ms). */
export const DEFAULT_MAX_AGE_MS = 7 * 24 * 3_600_000

/** `nats://user:pass@host:4222,nats://host2` → server list and credentials (the URLs' user info). */
export const parseNatsUrl = (url: string) => {
  const servers: Array<string> = []
  let user: string | undefined
  let pass: string | undefined
  for (const part of url
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const u = new URL(part.includes("://") ? part : `nats://${part}`)
    if (!/^(nats|tls):$/.test(u.protocol)) throw new Error(`unsupported NATS URL scheme ${u.protocol}`)
    if (u.username) {
      user = decodeURIComponent(u.username)
      pass = u.password ? decodeURIComponent(u.password) : undefined
    }
    servers.push(`${u.protocol}//${u.host}`)
  }
  if (servers.length === 0) throw new Error("no NATS server in the URL")
  return { servers, user, pass }
}

/** The CloudEvent attributes sent as `ce-*` headers (the data stays in the body only). */
const CE_HEADERS = ["specversion", "id", "source", "type", "subject", "time", "tenantid"] as const

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500)

/** Creates every family's stream, or updates it to the wanted configuration when it exists. */
const ensureStreams = async (nc: NatsConnection, prefix: string, duplicateWindowMs: number, maxAgeMs: number) => {
  const jsm = await nc.jetstreamManager()
  for (const family of TOPIC_FAMILIES) {
    const name = streamName(prefix, family)
    const config = {
      subjects: [streamSubjects(prefix, family)],
      duplicate_window: nanos(duplicateWindowMs),
      max_age: nanos(maxAgeMs)
    }
    try {
      await jsm.streams.add({ name, retention: RetentionPolicy.Limits, storage: StorageType.File, ...config })
    } catch {
      // It exists with another configuration: bring the mutable parts up to date.
      await jsm.streams.update(name, config)
    }
  }
}

/** Publishes one message and waits for its PubAck. */
const publishOne = async (js: JetStreamClient, prefix: string, m: BrokerMessage, timeout: number) => {
  const h = headers()
  h.set("content-type", "application/cloudevents+json; charset=utf-8")
  const event = JSON.parse(m.payload) as Record<string, unknown>
  for (const k of CE_HEADERS) if (typeof event[k] === "string") h.set(`ce-${k}`, event[k] as string)
  return js.publish(subjectOf(prefix, m.type, m.tenantId), new TextEncoder().encode(m.payload), {
    msgID: m.id,
    headers: h,
    timeout
  })
}

/**
 * Connects to NATS, sets up the streams and answers the publisher; the
 * connection drains when the scope closes.
 * @errors BrokerError when the URL is malformed, the server unreachable or JetStream refuses a stream.
 */
export const natsPublisher = (options: NatsOptions) =>
  Effect.gen(function* () {
    const prefix = options.prefix ?? ""
    if (!PREFIX_PATTERN.test(prefix))
      return yield* new BrokerError({ message: `NATS prefix must match ${PREFIX_PATTERN}` })
    const target = yield* Effect.try({
      try: () => parseNatsUrl(Redacted.value(options.url)),
      catch: (e) => new BrokerError({ message: `bad SIGNET_NATS_URL: ${errorText(e)}` })
    })
    const nc = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          connect({
            servers: target.servers,
            ...(target.user !== undefined && target.pass !== undefined
              ? { user: target.user, pass: target.pass }
              : target.user !== undefined
                ? { token: target.user }
                : {}),
            name: "signet-relay",
            maxReconnectAttempts: -1,
            reconnectTimeWait: 1_000
          }),
        catch: (e) => new BrokerError({ message: `NATS connection failed: ${errorText(e)}`, cause: e })
      }),
      (c) => Effect.promise(() => c.drain().catch(() => c.close()))
    )
    yield* Effect.tryPromise({
      try: () =>
        ensureStreams(
          nc,
          prefix,
          options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
          options.maxAgeMs ?? DEFAULT_MAX_AGE_MS
        ),
      catch: (e) => new BrokerError({ message: `JetStream stream set-up failed: ${errorText(e)}`, cause: e })
    })
    const js = nc.jetstream()
    const timeout = options.ackTimeoutMs ?? 10_000
    const publish = (messages: ReadonlyArray<BrokerMessage>): Effect.Effect<PublishOutcome> =>
      Effect.promise(async () => {
        // Sent together on the one connection (in order), acknowledged one by one.
        const results = await Promise.allSettled(messages.map((m) => publishOne(js, prefix, m, timeout)))
        const acked: Array<string> = []
        const failed: Array<{ id: string; error: string }> = []
        results.forEach((r, i) => {
          const id = messages[i]!.id
          if (r.status === "fulfilled") acked.push(id)
          else failed.push({ id, error: errorText(r.reason) })
        })
        return { acked, failed }
      })
    return {
      name: "nats",
      publish,
      closed: Effect.sync(() => nc.isClosed())
    } satisfies BrokerPublisher
  })
