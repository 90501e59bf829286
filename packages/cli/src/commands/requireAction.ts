/**
 * `signet user require-action` (issue 18 "required actions … enforced at
 * sign-in", as Keycloak's): sets the actions a user must complete at their
 * next sign-in — `verify_email`, `update_password`, `configure_mfa` — or
 * clears them (`--clear`). Runs `UserAdmin.setRequiredActions`
 * (`users:write`, audited `user.required_actions_set`), as REST and RPC do.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { policyUse, UserAdmin, UserId } from "@signet/core"
import { Console, Effect } from "effect"
import { plain, show } from "../Output.js"
import { inTenant } from "../Tenant.js"

const ACTIONS = ["verify_email", "update_password", "configure_mfa"] as const

/** `signet user require-action --tenant … --user … --action update_password [--action …] [--clear] [--json]`. */
export const requireAction = Command.make(
  "require-action",
  {
    tenant: Options.text("tenant").pipe(Options.withDescription("Tenant slug")),
    user: Options.text("user").pipe(Options.withSchema(UserId), Options.withDescription("The user's id")),
    action: Options.choice("action", ACTIONS).pipe(
      Options.repeated,
      Options.withDescription("Repeatable: verify_email, update_password, configure_mfa")
    ),
    clear: Options.boolean("clear").pipe(Options.withDescription("Clear every admin-set action")),
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        if (!o.clear && o.action.length === 0) {
          return yield* Effect.fail(new Error("give at least one --action (or --clear)"))
        }
        const r = yield* UserAdmin.setRequiredActions(o.user, o.clear ? [] : o.action).pipe(policyUse("users:write"))
        if (o.json) return yield* show(plain(r), true)
        yield* Console.log(
          r.actions.length === 0
            ? `${r.user_id}: no required action`
            : `${r.user_id}: required at next sign-in: ${r.actions.join(", ")}`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Require actions of a user at their next sign-in (no session until done), or clear them.\nExample:\n  signet user require-action --tenant lycee-hugo --user 0193… --action update_password"
  )
)
