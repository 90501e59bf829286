/**
 * `signet user phone clear` (issue 18 SMS): clears a user's phone number
 * and ends their texted codes — a lost or stolen phone stops receiving
 * login codes; the user may set a new number. Runs `PhonesAdmin.clear`
 * (`users:write`, audited `account.phone_number_cleared`), as REST does
 * (`DELETE …/users/{id}/phone`).
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { PhonesAdmin, policyUse, UserId } from "@signet/core"
import { Console, Effect } from "effect"
import { inTenant } from "../Tenant.js"

/**
 * `signet user phone clear --tenant … <user-id>`. One command with the action
 * as an argument, so help does not list it with a doubled name.
 */
export const phone = Command.make(
  "phone",
  {
    action: Args.choice([["clear", "clear"]] as const, { name: "action" }),
    userId: Args.text({ name: "user-id" }).pipe(Args.withSchema(UserId)),
    tenant: Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.flatMap(PhonesAdmin.clear(o.userId).pipe(policyUse("users:write")), () =>
        Console.log(`${o.userId}: phone number cleared`)
      )
    )
).pipe(
  Command.withDescription(
    "Users' phone numbers (SMS codes, issue 18): clear one (no more texted codes until they verify a new one).\nExample:\n  signet user phone clear --tenant lycee-hugo 0193…"
  )
)
