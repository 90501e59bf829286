/**
 * `signet sso-policy …` — the tenant-wide "SSO only" policy and its
 * break-glass accounts (issue 19 §2, docs/federation.md "SSO only for the
 * whole tenant") on the local database through the same core operations
 * as REST (`SsoAdmin.policy`, `setPolicy`, `markBreakGlass`,
 * `unmarkBreakGlass`). Runs as the system actor; core's rules apply as over
 * HTTP: turning the policy on needs an SSO connection and an active
 * break-glass account, and the last break-glass account cannot be unmarked
 * while it is on. Every change is audited.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { policyUse, SsoAdmin as S, type SsoPolicy } from "@signet/core"
import { Console, Effect } from "effect"
import { plain } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const userArg = Args.text({ name: "user-id" }).pipe(Args.withDescription("The user's id"))

const read = policyUse("sso:read")
const write = policyUse("sso:write")

/** Prints the policy: JSON, or two lines. */
const print = (policy: SsoPolicy, asJson: boolean) =>
  asJson
    ? Console.log(JSON.stringify(plain(policy), null, 2))
    : Console.log(
        `SSO only: ${policy.sso_only ? "on" : "off"}\nbreak-glass: ${
          policy.break_glass.map((a) => a.user_id).join(", ") || "none"
        }`
      )

const showCmd = Command.make("show", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(S.policy().pipe(read), (p) => print(p, o.json))
  )
).pipe(Command.withDescription("Show the tenant-wide SSO-only policy and its break-glass accounts."))

const on = Command.make("on", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(S.setPolicy(true).pipe(write), (p) => print(p, o.json))
  )
).pipe(
  Command.withDescription(
    "Require SSO for every account of the tenant but the break-glass ones (needs an SSO connection and an active break-glass account)."
  )
)

const off = Command.make("off", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(S.setPolicy(false).pipe(write), (p) => print(p, o.json))
  )
).pipe(Command.withDescription("Let every account sign in with a password, an e-mail code or a passkey again."))

const mark = Command.make("add", { tenant: tenantOpt, user: userArg, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(S.markBreakGlass(o.user).pipe(write), (p) => print(p, o.json))
  )
).pipe(Command.withDescription("Mark an active user as a break-glass account (exempt from the policy)."))

const unmark = Command.make("remove", { tenant: tenantOpt, user: userArg, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(S.unmarkBreakGlass(o.user).pipe(write), (p) => print(p, o.json))
  )
).pipe(Command.withDescription("Unmark a break-glass account (not the last one while the policy is on)."))

const breakGlass = Command.make("break-glass").pipe(
  Command.withDescription("The accounts exempt from the tenant-wide SSO-only policy."),
  Command.withSubcommands([mark, unmark])
)

/** `signet sso-policy`: show, on, off, break-glass add|remove. */
export const ssoPolicy = Command.make("sso-policy").pipe(
  Command.withDescription("The tenant-wide SSO-only policy and its break-glass accounts (docs/federation.md)."),
  Command.withSubcommands([showCmd, on, off, breakGlass])
)
