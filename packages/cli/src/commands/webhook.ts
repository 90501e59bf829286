/**
 * `signet webhook …` — a tenant's outgoing webhooks (issue 21 §1,
 * docs/webhooks.md) on the local database through the same core operations
 * as REST and RPC (`WebhookAdmin`): list, create (prints the secret once),
 * enable/disable, delete, rotate the secret, ping (sends now), the delivery
 * log, and recover (queues a time range again for the server's delivery
 * job). Runs as the system actor; the SSRF rules apply as over HTTP.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import {
  CreateWebhookEndpoint,
  policyUse,
  RecoverWebhookDeliveries,
  UpdateWebhookEndpoint,
  WebhookAdmin as W
} from "@signet/core"
import { Console, DateTime, Effect, Option, Schema } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const endpointId = Args.text({ name: "endpoint-id" }).pipe(
  Args.withDescription("Endpoint id (see signet webhook list)")
)

const read = policyUse("webhooks:read")
const write = policyUse("webhooks:write")

/** Decodes command-line input with the contract's schema; the last line of a refusal becomes the message. */
const decode = <A, I>(schema: Schema.Schema<A, I>, what: string, input: unknown) =>
  Schema.decodeUnknown(schema)(input).pipe(
    Effect.mapError((e) => new Error(`invalid ${what}: ${e.message.split("\n").slice(-1)[0]?.trim()}`))
  )

const print = (asJson: boolean, value: unknown, text: string) =>
  asJson ? Console.log(JSON.stringify(plain(value), null, 2)) : Console.log(text)

const list = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const endpoints = yield* W.listEndpoints().pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(endpoints), null, 2))
      yield* table(
        endpoints.map((e) => ({ ...plain(e), event_types: e.event_types.join(" ") })),
        ["id", "url", "enabled", "event_types", "disabled_reason"]
      )
    })
  )
).pipe(
  Command.withDescription("List the tenant's webhook endpoints.\nExample:\n  signet webhook list --tenant lycee-hugo")
)

const create = Command.make(
  "create",
  {
    tenant: tenantOpt,
    url: Options.text("url").pipe(Options.withDescription("https URL of the receiver")),
    eventType: Options.text("event-type").pipe(
      Options.repeated,
      Options.withDescription("`*`, an exact type or a prefix ending with a dot; repeatable (default *)")
    ),
    description: Options.text("description").pipe(Options.optional),
    ordered: Options.boolean("ordered").pipe(
      Options.withDescription("Deliver one at a time in the order of the events (a failing one holds the rest)")
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* decode(CreateWebhookEndpoint, "endpoint", {
          url: o.url,
          ...(o.eventType.length > 0 ? { event_types: o.eventType } : {}),
          ...(Option.isSome(o.description) ? { description: o.description.value } : {}),
          ...(o.ordered ? { ordered: true } : {})
        })
        const created = yield* W.createEndpoint(input).pipe(write)
        yield* print(
          o.json,
          created,
          `${created.endpoint.id} ${created.endpoint.url}\nsecret (shown once; verify signatures with it): ${created.secret}`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Create an endpoint; prints its signing secret once.\nExample:\n  signet webhook create --tenant lycee-hugo --url https://erp.example.org/hooks --event-type signet.attendance."
  )
)

const setEnabled = (name: "enable" | "disable") =>
  Command.make(name, { tenant: tenantOpt, id: endpointId, json }, (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const updated = yield* W.updateEndpoint(o.id, new UpdateWebhookEndpoint({ enabled: name === "enable" })).pipe(
          write
        )
        yield* print(o.json, updated, `${updated.id} ${updated.enabled ? "enabled" : "disabled"}`)
      })
    )
  ).pipe(Command.withDescription(`${name === "enable" ? "Enable" : "Disable"} an endpoint.`))

const remove = Command.make("delete", { tenant: tenantOpt, id: endpointId }, (o) =>
  inTenant(
    o.tenant,
    Effect.zipRight(W.deleteEndpoint(o.id).pipe(write), Console.log(`deleted ${o.id} with its deliveries`))
  )
).pipe(Command.withDescription("Delete an endpoint with its deliveries and their log."))

const rotate = Command.make("rotate-secret", { tenant: tenantOpt, id: endpointId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(W.rotateSecret(o.id).pipe(write), (r) =>
      print(o.json, r, `new secret (shown once; the old one still signs for 24 h): ${r.secret}`)
    )
  )
).pipe(Command.withDescription("Replace an endpoint's signing secret."))

const ping = Command.make("ping", { tenant: tenantOpt, id: endpointId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const detail = yield* W.ping(o.id).pipe(write)
      const a = detail.attempts.at(-1)
      yield* print(
        o.json,
        detail,
        a === undefined
          ? `ping ${detail.delivery.id}: not sent (another sender holds it)`
          : `ping ${detail.delivery.id}: ${a.status_code ?? "no answer"} in ${a.latency_ms} ms${a.error ? ` (${a.error})` : ""}`
      )
      if (detail.delivery.status !== "succeeded") process.exitCode = 1
    })
  )
).pipe(Command.withDescription("Send a signet.integrations.endpoint.ping event now; exit code 1 when it failed."))

const deliveries = Command.make("deliveries", { tenant: tenantOpt, id: endpointId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const rows = yield* W.listDeliveries(o.id).pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(rows), null, 2))
      yield* table(rows.map(plain), ["id", "event_type", "status", "attempts", "last_status_code", "created_at"])
    })
  )
).pipe(Command.withDescription("An endpoint's latest 100 deliveries, newest first."))

const recover = Command.make(
  "recover",
  {
    tenant: tenantOpt,
    id: endpointId,
    since: Options.text("since").pipe(Options.withDescription("ISO 8601 instant, e.g. 2026-12-01T00:00:00Z")),
    until: Options.text("until").pipe(Options.optional, Options.withDescription("ISO 8601 instant (default now)")),
    all: Options.boolean("all").pipe(Options.withDescription("Succeeded deliveries too, not only failed ones")),
    missed: Options.boolean("missed").pipe(
      Options.withDescription("Events that never had a delivery to this endpoint (disabled or filtered out then)")
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const range = yield* decode(RecoverWebhookDeliveries, "range", {
          since: o.since,
          ...(Option.isSome(o.until) ? { until: o.until.value } : {}),
          include: o.missed ? "missed" : o.all ? "all" : "failed"
        })
        const result = yield* W.recover(o.id, range).pipe(write)
        const until = range.until ? DateTime.formatIso(range.until) : "now"
        yield* print(
          o.json,
          result,
          `queued ${result.requeued} deliveries of ${DateTime.formatIso(range.since)} – ${until} again${result.more ? " (limit reached: run again for the rest)" : ""}; the server's delivery job sends them`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Queue again an endpoint's failed (or, with --all, every) deliveries of a time range.\nExample:\n  signet webhook recover --tenant lycee-hugo 0193… --since 2026-12-01T00:00:00Z"
  )
)

/** `signet webhook`: list, create, enable, disable, delete, rotate-secret, ping, deliveries, recover. */
export const webhook = Command.make("webhook").pipe(
  Command.withDescription("Outgoing webhooks of a tenant (docs/webhooks.md)."),
  Command.withSubcommands([
    list,
    create,
    setEnabled("enable"),
    setEnabled("disable"),
    remove,
    rotate,
    ping,
    deliveries,
    recover
  ])
)
