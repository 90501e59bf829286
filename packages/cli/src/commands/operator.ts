/**
 * `signet operator …` — platform operators (super-admins who manage
 * tenants), on the local database.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { Operators } from "@signet/core"
import { Console, Effect, Option, Redacted } from "effect"
import { plain, show, table } from "../Output.js"
import { local } from "../Runtime.js"
import { configLayer } from "../Settings.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const email = Options.text("email").pipe(Options.withDescription("Operator e-mail"))

const create = Command.make(
  "create",
  {
    email,
    name: Options.text("name"),
    password: Options.redacted("password").pipe(
      Options.withDescription("Password (or SIGNET_NEW_PASSWORD; avoid the flag on shared machines)"),
      Options.optional
    ),
    json
  },
  (o) =>
    local(
      Effect.gen(function* () {
        const password = Option.isSome(o.password)
          ? o.password.value
          : process.env.SIGNET_NEW_PASSWORD
            ? Redacted.make(process.env.SIGNET_NEW_PASSWORD)
            : yield* Effect.fail(new Error("give --password or set SIGNET_NEW_PASSWORD"))
        const op = yield* Operators.use((s) => s.create({ email: o.email, name: o.name, password }))
        yield* show(plain(op), o.json)
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Create a platform operator (logs in at POST /api/v1/platform/auth/login).\nExample:\n  SIGNET_NEW_PASSWORD='…' signet operator create --email ops@example.org --name 'Ops'"
  )
)

const list = Command.make("list", { json }, (o) =>
  local(
    Effect.flatMap(
      Operators.use((s) => s.list),
      (ops) =>
        o.json
          ? Console.log(JSON.stringify(plain(ops), null, 2))
          : table(plain(ops), ["email", "name", "status", "last_login_at"])
    )
  ).pipe(Effect.provide(configLayer()))
).pipe(Command.withDescription("List platform operators.\nExample:\n  signet operator list"))

const status = (name: "disable" | "enable") =>
  Command.make(name, { email }, (o) =>
    local(
      Effect.flatMap(
        Operators.use((s) => s.setStatus(o.email, name === "disable" ? "disabled" : "active")),
        (op) => Console.log(`${op.email}: ${op.status}`)
      )
    ).pipe(Effect.provide(configLayer()))
  ).pipe(
    Command.withDescription(
      `${name === "disable" ? "Disable" : "Re-enable"} an operator.\nExample:\n  signet operator ${name} --email ops@example.org`
    )
  )

/** `signet operator`. */
export const operator = Command.make("operator").pipe(
  Command.withDescription("Manage platform operators."),
  Command.withSubcommands([create, list, status("disable"), status("enable")])
)
