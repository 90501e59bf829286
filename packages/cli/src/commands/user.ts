/**
 * `signet user …` — tenant user administration on the local database, and
 * `signet apikey …`.
 *
 * @module
 */

import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import {
  ApiKeyId,
  ApiKeys,
  Auth,
  CreateApiKey,
  CreateUser,
  Identity,
  policyUse,
  type User,
  UserAdmin,
  UserId,
  UserStatus,
  UserType
} from "@signet/core"
import { parse } from "csv-parse/sync"
import { Console, Effect, Option, Redacted, Schema } from "effect"
import { plain, show, table } from "../Output.js"
import { inTenant } from "../Tenant.js"
import { cards } from "./cards.js"
import { invite } from "./invite.js"
import { phone } from "./phone.js"
import { requireAction } from "./requireAction.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const userId = Args.text({ name: "user-id" }).pipe(Args.withSchema(UserId))
const columns = ["id", "email", "user_type", "status", "given_name", "family_name", "student_number"]

/**
 * Runs `effect` on the local database bound to the tenant `slug`; `readOnly`
 * commands create and migrate nothing (see `localRead`).
 */

const describeError = (e: { readonly message?: string }) => (e.message ?? String(e)).split("\n").slice(-1)[0]!.trim()

const create = Command.make(
  "create",
  {
    tenant: tenantOpt,
    email: Options.text("email"),
    givenName: Options.text("given-name"),
    familyName: Options.text("family-name"),
    type: Options.choice("type", UserType.literals),
    password: Options.redacted("password").pipe(
      Options.withDescription(
        "Initial password (or set SIGNET_NEW_PASSWORD); omit to create a user who cannot log in yet"
      ),
      Options.optional
    ),
    studentNumber: Options.text("student-number").pipe(Options.optional),
    device: Options.text("device").pipe(
      Options.repeated,
      Options.withDescription("Registered device id (students), repeatable"),
      // Optional in the usage line too (a bare `repeated` is printed as if required).
      Options.optional
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        // Prefer SIGNET_NEW_PASSWORD: a --password value is visible to other local users in the process list.
        const password = Option.isSome(o.password)
          ? Option.some(Redacted.value(o.password.value))
          : Option.fromNullable(process.env.SIGNET_NEW_PASSWORD)
        const input = yield* Schema.decodeUnknown(CreateUser)({
          email: o.email,
          given_name: o.givenName,
          family_name: o.familyName,
          user_type: o.type,
          ...(Option.isSome(password) ? { password: password.value } : {}),
          ...(Option.isSome(o.studentNumber) ? { student_number: o.studentNumber.value } : {}),
          ...(Option.isSome(o.device) && o.device.value.length > 0 ? { devices: o.device.value } : {})
        }).pipe(Effect.mapError((e) => new Error(`invalid user: ${describeError(e)}`)))
        const user = yield* Identity.use((i) => i.create(input))
        yield* show(plain(user), o.json)
      })
    )
).pipe(
  Command.withDescription(
    "Create a user.\nExample:\n  signet user create --tenant lycee-hugo --email t.martin@hugo.fr --given-name Thomas --family-name Martin --type teacher --password '…'"
  )
)

const list = Command.make(
  "list",
  {
    tenant: tenantOpt,
    type: Options.choice("type", UserType.literals).pipe(Options.optional),
    status: Options.choice("status", UserStatus.literals).pipe(Options.optional),
    search: Options.text("search").pipe(
      Options.withDescription("Substring of e-mail, username or name"),
      Options.optional
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const all: Array<User> = []
        let cursor: string | undefined
        do {
          const page = yield* Identity.use((i) =>
            i.list({
              user_type: Option.getOrUndefined(o.type),
              status: Option.getOrUndefined(o.status),
              q: Option.getOrUndefined(o.search),
              cursor,
              limit: 200
            })
          )
          all.push(...page.items)
          cursor = page.next_cursor ?? undefined
        } while (cursor)
        if (o.json) return yield* Console.log(JSON.stringify(plain(all), null, 2))
        yield* table(plain(all), columns)
      }),
      true
    )
).pipe(
  Command.withDescription(
    "List users.\nExamples:\n  signet user list --tenant lycee-hugo --type teacher\n  signet user list --tenant lycee-hugo --json"
  )
)

const showCmd = Command.make("show", { tenant: tenantOpt, userId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(
      Identity.use((i) => i.get(o.userId)),
      (u) => show(plain(u), o.json)
    ),
    true
  )
).pipe(Command.withDescription("Show one user.\nExample:\n  signet user show --tenant lycee-hugo 0193…"))

const disable = Command.make("disable", { tenant: tenantOpt, userId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(
      Auth.use((a) => a.disableUser(o.userId)),
      (u) => (o.json ? show(plain(u), true) : Console.log(`${u.email}: disabled`))
    )
  )
).pipe(
  Command.withDescription(
    "Disable a user and revoke their sessions.\nExample:\n  signet user disable --tenant lycee-hugo 0193…"
  )
)

const enable = Command.make("enable", { tenant: tenantOpt, userId }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(
      Identity.use((i) => i.lifecycle(o.userId, "enabled")),
      (u) => Console.log(`${u.email}: active`)
    )
  )
).pipe(Command.withDescription("Re-enable a disabled user.\nExample:\n  signet user enable --tenant lycee-hugo 0193…"))

const unlock = Command.make("unlock", { tenant: tenantOpt, userId }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(
      Identity.use((i) => i.lifecycle(o.userId, "unlocked")),
      (u) => Console.log(`${u.email}: unlocked`)
    )
  )
).pipe(Command.withDescription("Lift a lockout.\nExample:\n  signet user unlock --tenant lycee-hugo 0193…"))

const password = Command.make(
  "password",
  {
    tenant: tenantOpt,
    userId,
    password: Options.redacted("password").pipe(
      Options.withDescription(
        "The new password (prefer SIGNET_NEW_PASSWORD: a --password value shows in the process list)"
      ),
      Options.optional
    ),
    temporary: Options.boolean("temporary").pipe(
      Options.withDescription("The user must choose a new password at their next sign-in (update_password)")
    )
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const value = Option.isSome(o.password)
          ? o.password.value
          : process.env.SIGNET_NEW_PASSWORD
            ? Redacted.make(process.env.SIGNET_NEW_PASSWORD)
            : undefined
        if (!value) return yield* Effect.fail(new Error("give the new password in SIGNET_NEW_PASSWORD (or --password)"))
        // The administration path (the password policy, the user's sessions revoked), as over REST.
        yield* UserAdmin.resetPassword(o.userId, value, { temporary: o.temporary }).pipe(policyUse("users:write"))
        yield* Console.log(
          `${o.userId}: password set; their sessions are revoked${o.temporary ? "; they choose a new one at their next sign-in" : ""}`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Set a user's password (the tenant's password policy applies) and revoke their sessions. With --temporary the user must choose a new one at their next sign-in (the required action update_password).\nExample:\n  SIGNET_NEW_PASSWORD='…' signet user password --tenant lycee-hugo 0193… --temporary"
  )
)

const mfaReset = Command.make("mfa-reset", { tenant: tenantOpt, userId, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(
      // The administration path (the user's power held; audited `mfa.reset`), as over REST and RPC.
      UserAdmin.resetMfa(o.userId).pipe(policyUse("users:write")),
      (r) =>
        o.json
          ? show(plain(r), true)
          : Console.log(
              `${o.userId}: MFA reset (secret and recovery codes removed); ${r.sessions_revoked} sessions revoked`
            )
    )
  )
).pipe(
  Command.withDescription(
    "Reset a user's MFA (lost authenticator): remove their TOTP secret and recovery codes, turn MFA off and revoke their sessions; audited. They enrol again after signing in.\nExample:\n  signet user mfa-reset --tenant lycee-hugo 0193…"
  )
)

/** Columns a user CSV may carry (header row required; unknown columns are refused). */
export const USER_CSV_COLUMNS = [
  "email",
  "given_name",
  "family_name",
  "user_type",
  "username",
  "student_number",
  "devices",
  "password"
] as const

const importCmd = Command.make(
  "import",
  {
    tenant: tenantOpt,
    file: Args.file({ name: "csv", exists: "yes" }),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Validate every row, write nothing")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const text = Fs.readFileSync(o.file, "utf8")
        const records = yield* Effect.try({
          try: () =>
            parse(text, {
              columns: true,
              bom: true,
              skip_empty_lines: true,
              trim: true,
              relax_column_count: false
            }) as Array<Record<string, string>>,
          catch: (e) => new Error(`${o.file}: ${(e as Error).message}`)
        })
        const header = Object.keys(records[0] ?? {})
        const unknown = header.filter((h) => !(USER_CSV_COLUMNS as ReadonlyArray<string>).includes(h))
        if (unknown.length > 0) {
          return yield* Effect.fail(
            new Error(`${o.file}: unknown column(s) ${unknown.join(", ")}; allowed: ${USER_CSV_COLUMNS.join(", ")}`)
          )
        }
        // Validate every row first: all-or-nothing.
        const inputs: Array<CreateUser> = []
        const problems: Array<string> = []
        records.forEach((r, i) => {
          const row = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ""))
          const candidate = {
            ...row,
            ...(row.devices
              ? {
                  devices: row.devices
                    .split(/[;|]/)
                    .map((d) => d.trim())
                    .filter(Boolean)
                }
              : {})
          }
          const decoded = Schema.decodeUnknownEither(CreateUser)(candidate)
          if (decoded._tag === "Left") problems.push(`${o.file}:${i + 2}: ${describeError(decoded.left)}`)
          else inputs.push(decoded.right)
        })
        if (problems.length > 0)
          return yield* Effect.fail(new Error(`${problems.length} invalid row(s):\n${problems.join("\n")}`))
        if (o.dryRun) return yield* Console.log(`${inputs.length} row(s) valid; nothing written (--dry-run)`)
        const created: Array<User> = []
        for (const [i, input] of inputs.entries()) {
          const user = yield* Identity.use((s) => s.create(input)).pipe(
            Effect.mapError(
              (e) => new Error(`${o.file}:${i + 2}: ${e.message} (${created.length} row(s) before it were created)`)
            )
          )
          created.push(user)
          if (!o.json && process.stderr.isTTY) process.stderr.write(`\rimported ${created.length}/${inputs.length}`)
        }
        if (!o.json && process.stderr.isTTY) process.stderr.write("\n")
        if (o.json)
          return yield* Console.log(JSON.stringify({ created: created.length, users: plain(created) }, null, 2))
        yield* Console.log(`created ${created.length} user(s) in ${o.tenant}`)
      })
    )
).pipe(
  Command.withDescription(
    `Import users from CSV (header: ${USER_CSV_COLUMNS.join(",")}; devices separated by ';').\n` +
      "Every row is validated before anything is written.\nExample:\n  signet user import --tenant lycee-hugo staff.csv --dry-run"
  )
)

/** `signet user`. */
export const user = Command.make("user").pipe(
  Command.withDescription("Manage tenant users."),
  Command.withSubcommands([
    create,
    list,
    showCmd,
    disable,
    enable,
    unlock,
    password,
    mfaReset,
    requireAction,
    importCmd,
    invite,
    cards,
    phone
  ])
)

const keyCreate = Command.make(
  "create",
  {
    tenant: tenantOpt,
    name: Options.text("name"),
    permission: Options.text("permission").pipe(
      Options.repeated,
      Options.withDescription("resource:action, repeatable")
    ),
    expires: Options.text("expires-at").pipe(Options.withDescription("ISO-8601 expiry"), Options.optional),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* Schema.decodeUnknown(CreateApiKey)({
          name: o.name,
          permissions: o.permission,
          ...(Option.isSome(o.expires) ? { expires_at: o.expires.value } : {})
        }).pipe(Effect.mapError((e) => new Error(`invalid API key: ${describeError(e)}`)))
        const created = yield* ApiKeys.use((k) => k.create(input))
        if (o.json) return yield* Console.log(JSON.stringify(plain(created), null, 2))
        yield* Console.log(`${created.key}\n(store it now: it is not shown again; id ${created.api_key.id})`)
      })
    )
).pipe(
  Command.withDescription(
    "Create an API key.\nExample:\n  signet apikey create --tenant lycee-hugo --name sis-sync --permission users:read --permission academics:write"
  )
)

const keyList = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(
      ApiKeys.use((k) => k.list),
      (keys) =>
        o.json
          ? Console.log(JSON.stringify(plain(keys), null, 2))
          : table(plain(keys), ["id", "name", "prefix", "permissions", "active", "last_used_at"])
    ),
    true
  )
).pipe(Command.withDescription("List API keys.\nExample:\n  signet apikey list --tenant lycee-hugo"))

const keyRevoke = Command.make(
  "revoke",
  { tenant: tenantOpt, id: Args.text({ name: "key-id" }).pipe(Args.withSchema(ApiKeyId)) },
  (o) =>
    inTenant(
      o.tenant,
      Effect.flatMap(
        ApiKeys.use((k) => k.revoke(o.id)),
        (k) => Console.log(`${k.name}: revoked`)
      )
    )
).pipe(Command.withDescription("Revoke an API key.\nExample:\n  signet apikey revoke --tenant lycee-hugo 0193…"))

/** `signet apikey`. */
export const apikey = Command.make("apikey").pipe(
  Command.withDescription("Manage API keys."),
  Command.withSubcommands([keyCreate, keyList, keyRevoke])
)
