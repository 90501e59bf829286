/**
 * The `signet` command line.
 *
 * Each subcommand's module is loaded only when the command line names it:
 * `signet serve` does not build the option parsers of the other twenty-odd
 * commands nor load what only they use (CSV and iCalendar parsers, the remote
 * HTTP client), which is part of the single binary's start-up budget
 * (docs/binary.md). A command line that names no subcommand (`--help`,
 * `--completions`, a typo) gets the whole tree, so help, completions and
 * "did you mean" work as before.
 *
 * @module
 */
import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Console, Effect, HashMap } from "effect"
import { ExitCode, reportFailure } from "./Runtime.js"

type AnyCommand = Command.Command<any, any, any, any>

/**
 * The subcommands in help order, each with the loader of its module. A
 * module that defines several top-level commands is loaded once for any of
 * them (imports are cached).
 */
const subcommands: ReadonlyArray<readonly [name: string, load: () => Promise<AnyCommand>]> = [
  ["init", () => import("./commands/init.js").then((m) => m.init)],
  ["serve", () => import("./commands/serve.js").then((m) => m.serve)],
  ["migrate", () => import("./commands/migrate.js").then((m) => m.migrate)],
  ["doctor", () => import("./commands/ops.js").then((m) => m.doctor)],
  ["backup", () => import("./commands/ops.js").then((m) => m.backup)],
  ["restore", () => import("./commands/ops.js").then((m) => m.restore)],
  ["tenant", () => import("./commands/tenant.js").then((m) => m.tenant)],
  ["user", () => import("./commands/user.js").then((m) => m.user)],
  ["role", () => import("./commands/role.js").then((m) => m.role)],
  ["webhook", () => import("./commands/webhook.js").then((m) => m.webhook)],
  ["oidc-client", () => import("./commands/oidc-client.js").then((m) => m.oidcClient)],
  ["oauth-provider", () => import("./commands/oauth.js").then((m) => m.oauthProvider)],
  ["oauth-binding", () => import("./commands/oauth.js").then((m) => m.oauthBinding)],
  ["sso-connection", () => import("./commands/sso.js").then((m) => m.ssoConnection)],
  ["sso-policy", () => import("./commands/sso-policy.js").then((m) => m.ssoPolicy)],
  ["apikey", () => import("./commands/user.js").then((m) => m.apikey)],
  ["plan", () => import("./commands/billing.js").then((m) => m.plan)],
  ["subscription", () => import("./commands/billing.js").then((m) => m.subscription)],
  ["usage", () => import("./commands/billing.js").then((m) => m.usage)],
  ["invoice", () => import("./commands/invoice.js").then((m) => m.invoice)],
  ["scim-token", () => import("./commands/scim.js").then((m) => m.scimToken)],
  ["operator", () => import("./commands/operator.js").then((m) => m.operator)],
  ["school", () => import("./commands/academics.js").then((m) => m.academicsCommands[0])],
  ["classroom", () => import("./commands/academics.js").then((m) => m.academicsCommands[1])],
  ["group", () => import("./commands/academics.js").then((m) => m.academicsCommands[2])],
  ["course", () => import("./commands/academics.js").then((m) => m.academicsCommands[3])],
  ["attendance", () => import("./commands/attendance.js").then((m) => m.attendance)],
  ["roster", () => import("./commands/roster.js").then((m) => m.roster)],
  ["timetable", () => import("./commands/timetable.js").then((m) => m.timetable)],
  ["events", () => import("./commands/events.js").then((m) => m.events)],
  ["call", () => import("./commands/activities.js").then((m) => m.call)],
  ["event", () => import("./commands/activities.js").then((m) => m.event)],
  ["attachment", () => import("./commands/attachment.js").then((m) => m.attachment)],
  ["activity", () => import("./commands/activity.js").then((m) => m.activity)],
  ["carbon", () => import("./commands/carbon.js").then((m) => m.carbon)],
  ["channel", () => import("./commands/channel.js").then((m) => m.channel)],
  ["audit", () => import("./commands/audit.js").then((m) => m.audit)],
  ["keys", () => import("./commands/keys.js").then((m) => m.keys)],
  ["login", () => import("./commands/login.js").then((m) => m.remoteCommands[0])],
  ["whoami", () => import("./commands/login.js").then((m) => m.remoteCommands[1])],
  ["logout", () => import("./commands/login.js").then((m) => m.remoteCommands[2])]
]

/** Names of every `signet` subcommand, in help order. */
export const subcommandNames: ReadonlyArray<string> = subcommands.map(([name]) => name)

/**
 * The root command with the subcommands that `argv` (as `process.argv`)
 * needs: the one it names in first position, or all of them when it names
 * none. `signetCommand()` (no argument) is the whole tree.
 */
export const signetCommand = (argv?: ReadonlyArray<string>): Effect.Effect<AnyCommand> =>
  Effect.promise(async () => {
    const named = argv === undefined ? undefined : subcommands.find(([name]) => name === argv[2])
    const commands = await Promise.all((named ? [named] : subcommands).map(([, load]) => load()))
    return Command.make("signet").pipe(
      Command.withDescription(
        "Signet: identity, tenancy, RBAC, academics, attendance and classroom beacons — self-hosted."
      ),
      Command.withSubcommands(commands as [AnyCommand, ...Array<AnyCommand>])
    )
  })

/**
 * `signet <group> <name> …` where `<group>` has subcommands and `<name>` is
 * none of them (a typo, or `--help` after it): @effect/cli would answer
 * "Invalid subcommand for signet - use '<group>'", or the top-level help with
 * exit code 0. Says what is wrong and where to look instead, exit code 2.
 */
const unknownSubcommand = (argv: ReadonlyArray<string>): Effect.Effect<boolean> => {
  const entry = subcommands.find(([name]) => name === argv[2])
  const word = argv[3]
  if (!entry || word === undefined || word.startsWith("-")) return Effect.succeed(false)
  return Effect.flatMap(
    Effect.promise(() => entry[1]()),
    (command) => {
      const names = [...HashMap.keys(Command.getSubcommands(command))].filter((n) => n !== entry[0])
      if (names.length === 0 || names.includes(word)) return Effect.succeed(false)
      return Console.error(
        `signet: unknown command "${argv[2]} ${word}"; the ${argv[2]} commands are ${names.join(", ")} (signet ${argv[2]} --help)`
      ).pipe(Effect.zipRight(Effect.sync(() => (process.exitCode = ExitCode.usage))), Effect.as(true))
    }
  )
}

/**
 * Runs the CLI with `argv` (as `process.argv`). Failures are printed as one
 * line `signet: …` with the exit code set (Runtime.ts `ExitCode`); nothing
 * is rethrown.
 */
export const run = (argv: ReadonlyArray<string>) =>
  Effect.flatMap(signetCommand(argv), (signet) =>
    Effect.flatMap(unknownSubcommand(argv), (unknown) =>
      unknown ? Effect.void : Command.run(signet, { name: "signet", version: "0.1.0" })(argv)
    )
  ).pipe(
    Effect.catchAll(reportFailure),
    Effect.catchAllDefect((d) => reportFailure(d)),
    Effect.provide(NodeContext.layer)
  )

/** Entry point used by `bin/signet.js` and the single executable. */
export const main = () => NodeRuntime.runMain(run(process.argv) as Effect.Effect<void>, { disablePrettyLogger: true })
