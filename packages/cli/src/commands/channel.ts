/**
 * `signet channel …` — a tenant's communication channels (issue 22
 * "Channel configs", docs/activities.md) on the local database through the
 * same core operations as REST (`ChannelsAdmin`): add, list, update,
 * remove. Runs as the system actor; the rules (settings per kind, https
 * URLs, name unique) apply as over HTTP. Credentials are read from a file
 * or an environment variable, never from the command line (which other
 * users of the machine can see), and never printed.
 *
 * @module
 */
import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import { ChannelsAdmin as C, CreateChannelConfig, policyUse, UpdateChannelConfig } from "@signet/core"
import { Console, Effect, Option, Schema } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const settingsOpt = Options.text("settings").pipe(
  Options.withDescription(
    'Settings as JSON: sms {"url","from","method"?,"auth_header"?}; email {"from_address","reply_to"?}; webhook and chat {"url"}'
  )
)
const eventOpt = Options.text("event").pipe(
  Options.repeated,
  Options.withDescription("An event type the channel serves (e.g. signet.accounts.mfa.code, or *); repeatable")
)
const credentialsFile = Options.file("credentials-file").pipe(
  Options.optional,
  Options.withDescription("Read the credentials (token, password) from this file; a trailing newline is dropped")
)
const credentialsEnv = Options.text("credentials-env").pipe(
  Options.optional,
  Options.withDescription("Read the credentials from this environment variable")
)

const read = policyUse("channels:read")
const write = policyUse("channels:write")

/** The credentials named by `--credentials-file` or `--credentials-env`, if any. */
const credentialsOf = (file: Option.Option<string>, env: Option.Option<string>) =>
  Effect.try({
    try: () => {
      if (Option.isSome(file)) return Option.some(Fs.readFileSync(file.value, "utf8").replace(/\r?\n$/, ""))
      if (Option.isSome(env)) {
        const value = process.env[env.value]
        if (value === undefined || value === "") throw new Error(`environment variable ${env.value} is empty`)
        return Option.some(value)
      }
      return Option.none<string>()
    },
    catch: (e) => new Error(`credentials: ${e instanceof Error ? e.message : String(e)}`)
  })

const parseSettings = (text: string) =>
  Effect.try({ try: () => JSON.parse(text) as unknown, catch: () => new Error("--settings must be JSON") })

const invalid = (e: { readonly message: string }) =>
  new Error(`invalid channel: ${e.message.split("\n").slice(-1)[0]?.trim()}`)

const row = (c: object) => {
  const p = plain(c)
  return { ...p, settings: JSON.stringify(p.settings), event_types: (p.event_types ?? []).join(" ") }
}

const list = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const channels = yield* C.list().pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(channels), null, 2))
      yield* table(channels.map(row), ["id", "kind", "name", "enabled", "has_credentials", "event_types", "settings"])
    })
  )
).pipe(Command.withDescription("List the tenant's channels.\nExample:\n  signet channel list --tenant lycee-hugo"))

const add = Command.make(
  "add",
  {
    tenant: tenantOpt,
    kind: Options.choice("kind", ["email", "sms", "webhook", "chat"]),
    name: Options.text("name"),
    settings: settingsOpt,
    event: eventOpt,
    disabled: Options.boolean("disabled").pipe(Options.withDescription("Add it disabled")),
    credentialsFile,
    credentialsEnv,
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const credentials = yield* credentialsOf(o.credentialsFile, o.credentialsEnv)
        const input = yield* Schema.decodeUnknown(CreateChannelConfig)({
          kind: o.kind,
          name: o.name,
          settings: yield* parseSettings(o.settings),
          event_types: o.event,
          enabled: !o.disabled,
          ...(Option.isSome(credentials) ? { credentials: credentials.value } : {})
        }).pipe(Effect.mapError(invalid))
        const created = yield* C.create(input).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(created), null, 2))
        yield* Console.log(`${created.id} ${created.kind} ${created.name}`)
      })
    )
).pipe(
  Command.withDescription(
    `Add a channel.\nExample:\n  signet channel add --tenant lycee-hugo --kind sms --name Texts --settings '{"url":"https://sms.example.com/send","from":"Lycee"}' --event signet.accounts.mfa.code --credentials-env SMS_TOKEN`
  )
)

const idArg = Args.text({ name: "id" }).pipe(Args.withDescription("See signet channel list"))

const update = Command.make(
  "update",
  {
    tenant: tenantOpt,
    id: idArg,
    name: Options.text("name").pipe(Options.optional),
    settings: settingsOpt.pipe(Options.optional),
    event: eventOpt,
    enable: Options.boolean("enable"),
    disable: Options.boolean("disable"),
    clearCredentials: Options.boolean("clear-credentials").pipe(Options.withDescription("Remove the credentials")),
    credentialsFile,
    credentialsEnv,
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const credentials = yield* credentialsOf(o.credentialsFile, o.credentialsEnv)
        const patch = yield* Schema.decodeUnknown(UpdateChannelConfig)({
          ...(Option.isSome(o.name) ? { name: o.name.value } : {}),
          ...(Option.isSome(o.settings) ? { settings: yield* parseSettings(o.settings.value) } : {}),
          ...(o.event.length > 0 ? { event_types: o.event } : {}),
          ...(o.enable ? { enabled: true } : o.disable ? { enabled: false } : {}),
          ...(o.clearCredentials
            ? { credentials: null }
            : Option.isSome(credentials)
              ? { credentials: credentials.value }
              : {})
        }).pipe(Effect.mapError(invalid))
        const updated = yield* C.update(o.id, patch).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(updated), null, 2))
        yield* Console.log(
          `${updated.id} ${updated.kind} ${updated.name} (${updated.enabled ? "enabled" : "disabled"})`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Change a channel; --event replaces the event types.\nExample:\n  signet channel update --tenant lycee-hugo <id> --disable"
  )
)

const remove = Command.make("remove", { tenant: tenantOpt, id: idArg }, (o) =>
  inTenant(o.tenant, Effect.zipRight(C.remove(o.id).pipe(write), Console.log(`removed ${o.id}`)))
).pipe(Command.withDescription("Remove (soft-delete) a channel; REST can restore it."))

/** `signet channel`: add, list, update, remove. */
export const channel = Command.make("channel").pipe(
  Command.withDescription("A tenant's communication channels: e-mail, SMS, webhook, chat (docs/activities.md)."),
  Command.withSubcommands([add, list, update, remove])
)
