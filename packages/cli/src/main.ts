/**
 * The `signet` command line.
 *
 * @module
 */
import { Command } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { academicsCommands } from "./commands/academics.js"
import { attendance } from "./commands/attendance.js"
import { audit } from "./commands/audit.js"
import { events } from "./commands/events.js"
import { init } from "./commands/init.js"
import { keys } from "./commands/keys.js"
import { remoteCommands } from "./commands/login.js"
import { migrate } from "./commands/migrate.js"
import { operator } from "./commands/operator.js"
import { backup, doctor, restore } from "./commands/ops.js"
import { role } from "./commands/role.js"
import { roster } from "./commands/roster.js"
import { serve } from "./commands/serve.js"
import { tenant } from "./commands/tenant.js"
import { timetable } from "./commands/timetable.js"
import { apikey, user } from "./commands/user.js"
import { reportFailure } from "./Runtime.js"

/** The root command and its subcommands. */
export const signet = Command.make("signet").pipe(
  Command.withDescription(
    "Signet: identity, tenancy, RBAC, academics, attendance and classroom beacons — self-hosted."
  ),
  Command.withSubcommands([
    init,
    serve,
    migrate,
    doctor,
    backup,
    restore,
    tenant,
    user,
    role,
    apikey,
    operator,
    ...academicsCommands,
    attendance,
    roster,
    timetable,
    events,
    audit,
    keys,
    ...remoteCommands
  ])
)

/** Runs the CLI with `argv` (as `process.argv`). */
export const run = (argv: ReadonlyArray<string>) =>
  Command.run(signet, { name: "signet", version: "0.1.0" })(argv).pipe(
    Effect.catchAll(reportFailure),
    Effect.catchAllDefect((d) => reportFailure(d)),
    Effect.provide(NodeContext.layer)
  )

/** Entry point used by `bin/signet.js` and the single executable. */
export const main = () => NodeRuntime.runMain(run(process.argv) as Effect.Effect<void>, { disablePrettyLogger: true })
