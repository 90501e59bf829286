/**
 * `signet role …` — RBAC administration on the local database through the
 * same core operations as REST and RPC (`AccessAdmin`): a user named must be
 * a live user of the tenant, nobody hands out what they do not hold. It runs
 * as the system actor, so no step-up is asked: whoever runs this has the
 * server's files and keys already.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { AccessAdmin, CreateRole, policyUse, UserId } from "@signet/core"
import { Console, Effect, Option, Schema } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const roleName = Args.text({ name: "role" }).pipe(Args.withDescription("Role name"))

/** Resolves a role name to its id. */
const roleId = (name: string) =>
  Effect.flatMap(AccessAdmin.findRoleByName(name).pipe(policyUse("roles:read")), (r) =>
    Option.isSome(r) ? Effect.succeed(r.value.id) : Effect.fail(new Error(`no role "${name}"`))
  )

const list = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const page = yield* AccessAdmin.listRoles({ limit: 200 }).pipe(policyUse("roles:read"))
      const details = yield* Effect.forEach(page.items, (r) => AccessAdmin.getRole(r.id).pipe(policyUse("roles:read")))
      if (o.json) return yield* Console.log(JSON.stringify(plain(details), null, 2))
      yield* table(
        details.map((d) => ({ ...plain(d), permissions: d.permissions.join(" ") })),
        ["name", "priority", "is_system", "permissions"]
      )
    })
  )
).pipe(Command.withDescription("List roles with their permissions.\nExample:\n  signet role list --tenant lycee-hugo"))

const create = Command.make(
  "create",
  {
    tenant: tenantOpt,
    name: roleName,
    description: Options.text("description").pipe(Options.withDefault("")),
    priority: Options.integer("priority").pipe(Options.withDefault(50)),
    permission: Options.text("permission").pipe(
      Options.repeated,
      Options.withDescription("resource:action, repeatable")
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* Schema.decodeUnknown(CreateRole)({
          name: o.name,
          ...(o.description ? { description: o.description } : {}),
          priority: o.priority,
          permissions: o.permission
        }).pipe(Effect.mapError((e) => new Error(`invalid role: ${e.message.split("\n").slice(-1)[0]?.trim()}`)))
        const role = yield* AccessAdmin.createRole(input).pipe(policyUse("roles:write"))
        yield* o.json
          ? Console.log(JSON.stringify(plain(role), null, 2))
          : Console.log(`${role.name}: ${role.permissions.join(" ")}`)
      })
    )
).pipe(
  Command.withDescription(
    "Create a role.\nExample:\n  signet role create registrar --tenant lycee-hugo --permission users:read --permission users:write"
  )
)

const permissionCommand = (name: "grant" | "revoke", description: string) =>
  Command.make(name, { tenant: tenantOpt, role: roleName, permission: Args.text({ name: "permission" }) }, (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const id = yield* roleId(o.role)
        const role = yield* (
          name === "grant" ? AccessAdmin.grant(id, o.permission) : AccessAdmin.revoke(id, o.permission)
        ).pipe(policyUse("roles:write"))
        yield* Console.log(`${role.name}: ${role.permissions.join(" ")}`)
      })
    )
  ).pipe(
    Command.withDescription(
      `${description}\nExample:\n  signet role ${name} teacher attendance:admin --tenant lycee-hugo`
    )
  )

const assignment = (name: "assign" | "unassign", description: string) =>
  Command.make(
    name,
    { tenant: tenantOpt, role: roleName, user: Args.text({ name: "user-id" }).pipe(Args.withSchema(UserId)) },
    (o) =>
      inTenant(
        o.tenant,
        Effect.gen(function* () {
          const id = yield* roleId(o.role)
          yield* (
            name === "assign" ? Effect.asVoid(AccessAdmin.assignRole(o.user, id)) : AccessAdmin.unassignRole(o.user, id)
          ).pipe(policyUse("roles:write"))
          yield* Console.log(`${o.role} ${name === "assign" ? "assigned to" : "removed from"} ${o.user}`)
        })
      )
  ).pipe(Command.withDescription(`${description}\nExample:\n  signet role ${name} manager 0193… --tenant lycee-hugo`))

const explain = Command.make(
  "explain",
  {
    tenant: tenantOpt,
    user: Args.text({ name: "user-id" }).pipe(Args.withSchema(UserId)),
    permission: Args.text({ name: "permission" }),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const e = yield* AccessAdmin.explain(o.user, o.permission).pipe(policyUse("roles:read"))
        if (o.json) return yield* Console.log(JSON.stringify(plain(e), null, 2))
        const src = e.source ? ` by ${e.source.kind} ${e.source.name ?? e.source.id} (${e.source.pattern})` : ""
        yield* Console.log(`${o.permission}: ${e.allowed ? "allowed" : "denied"} — ${e.decision}${src}`)
      })
    )
).pipe(
  Command.withDescription(
    "Explain a permission decision.\nExample:\n  signet role explain 0193… users:write --tenant lycee-hugo"
  )
)

/** `signet role`. */
export const role = Command.make("role").pipe(
  Command.withDescription("Manage roles and their assignment (RBAC)."),
  Command.withSubcommands([
    list,
    create,
    permissionCommand("grant", "Grant a permission pattern to a role."),
    permissionCommand("revoke", "Revoke a permission pattern from a role."),
    assignment("assign", "Give a user a role."),
    assignment("unassign", "Take a role from a user."),
    explain
  ])
)
