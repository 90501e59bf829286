/**
 * `signet tenant …` — tenant administration on the local database.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { CreateTenant, PlanTier, Region, Tenancy, type Tenant, TenantStatus } from "@signet/core"
import { Console, Effect, Option, Schema } from "effect"
import { plain, show, table } from "../Output.js"
import { local, localRead } from "../Runtime.js"
import { configLayer } from "../Settings.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const slug = Args.text({ name: "slug" }).pipe(Args.withDescription("Tenant slug"))
const columns = ["slug", "name", "status", "region", "plan", "custom_domain", "id"]

const printTenant = (t: Tenant, asJson: boolean) => show(plain(t), asJson)

const create = Command.make(
  "create",
  {
    slug,
    name: Options.text("name").pipe(Options.withDescription("Display name")),
    region: Options.choice("region", Region.literals).pipe(Options.withDefault("global" as const)),
    plan: Options.choice("plan", PlanTier.literals).pipe(Options.withDefault("free" as const)),
    domain: Options.text("domain").pipe(Options.withDescription("Custom domain"), Options.optional),
    json
  },
  (o) =>
    local(
      Effect.gen(function* () {
        const input = yield* Schema.decodeUnknown(CreateTenant)({
          slug: o.slug,
          name: o.name,
          region: o.region,
          plan: o.plan,
          ...(Option.isSome(o.domain) ? { custom_domain: o.domain.value } : {})
        }).pipe(Effect.mapError((e) => new Error(`invalid tenant: ${e.message.split("\n").slice(-1)[0]?.trim()}`)))
        const tenant = yield* Tenancy.use((t) => t.create(input))
        yield* printTenant(tenant, o.json)
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    'Onboard a tenant.\nExample:\n  signet tenant create lycee-hugo --name "Lycée Victor Hugo" --region eu'
  )
)

const list = Command.make(
  "list",
  { status: Options.choice("status", TenantStatus.literals).pipe(Options.optional), json },
  (o) =>
    localRead(
      Effect.gen(function* () {
        const all: Array<Tenant> = []
        let cursor: string | undefined
        do {
          const page = yield* Tenancy.use((t) =>
            t.list({ status: Option.getOrUndefined(o.status), cursor, limit: 200 })
          )
          all.push(...page.items)
          cursor = page.next_cursor ?? undefined
        } while (cursor)
        if (o.json) return yield* Console.log(JSON.stringify(plain(all), null, 2))
        yield* table(plain(all), columns)
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "List tenants.\nExamples:\n  signet tenant list\n  signet tenant list --status suspended --json"
  )
)

const showCmd = Command.make("show", { slug, json }, (o) =>
  localRead(
    Effect.flatMap(
      Tenancy.use((t) => t.get(o.slug)),
      (t) => printTenant(t, o.json)
    )
  ).pipe(Effect.provide(configLayer()))
).pipe(Command.withDescription("Show one tenant.\nExample:\n  signet tenant show lycee-hugo --json"))

const lifecycle = (name: "suspend" | "reactivate" | "delete" | "restore", description: string) =>
  Command.make(name, { slug, json }, (o) =>
    local(
      Effect.flatMap(
        Tenancy.use((t) =>
          name === "suspend"
            ? t.suspend(o.slug)
            : name === "reactivate"
              ? t.reactivate(o.slug)
              : name === "delete"
                ? t.remove(o.slug)
                : t.restore(o.slug)
        ),
        (t) => (o.json ? printTenant(t, true) : Console.log(`${t.slug}: ${t.status}`))
      )
    ).pipe(Effect.provide(configLayer()))
  ).pipe(Command.withDescription(`${description}\nExample:\n  signet tenant ${name} lycee-hugo`))

const settings = Command.make("settings", { slug, json }, (o) =>
  localRead(
    Effect.flatMap(
      Tenancy.use((t) => t.listSettings(o.slug)),
      (s) =>
        o.json
          ? Console.log(JSON.stringify(plain(s), null, 2))
          : table(plain(s), ["key", "value", "is_default", "description"])
    )
  ).pipe(Effect.provide(configLayer()))
).pipe(Command.withDescription("List a tenant's settings.\nExample:\n  signet tenant settings lycee-hugo"))

const set = Command.make(
  "set",
  { slug, key: Args.text({ name: "key" }), value: Args.text({ name: "json-value" }), json },
  (o) =>
    local(
      Effect.gen(function* () {
        const value = yield* Effect.try({
          try: () => JSON.parse(o.value) as unknown,
          catch: () => new Error(`value must be JSON (e.g. 14, true, "\\"Europe/Paris\\"")`)
        })
        const s = yield* Tenancy.use((t) => t.putSetting(o.slug, o.key, value))
        yield* o.json
          ? Console.log(JSON.stringify(plain(s), null, 2))
          : Console.log(`${s.key} = ${JSON.stringify(s.value)}`)
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Set a tenant setting (JSON value).\nExample:\n  signet tenant set lycee-hugo auth.password_min_length 14"
  )
)

/** `signet tenant`. */
export const tenant = Command.make("tenant").pipe(
  Command.withDescription("Manage tenants (onboarding, lifecycle, settings)."),
  Command.withSubcommands([
    create,
    list,
    showCmd,
    lifecycle("suspend", "Suspend a tenant: its users are refused until reactivated."),
    lifecycle("reactivate", "Reactivate a suspended tenant."),
    lifecycle("delete", "Soft-delete a tenant (restorable with `signet tenant restore`)."),
    lifecycle("restore", "Restore a soft-deleted tenant."),
    settings,
    set
  ])
)
