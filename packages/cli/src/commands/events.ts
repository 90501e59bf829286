/**
 * `signet events …` — dead letters of the outbox.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { EventId, Events } from "@signet/core"
import { Console, Effect } from "effect"
import { plain, table } from "../Output.js"
import { local } from "../Runtime.js"
import { configLayer } from "../Settings.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))

const dead = Command.make("dead", { json }, (o) =>
  local(
    Effect.flatMap(
      Events.use((e) => e.dead(1000)),
      (entries) =>
        o.json
          ? Console.log(JSON.stringify(plain(entries), null, 2))
          : table(
              entries.map((e) => ({
                id: e.event.id,
                type: e.event.type,
                time: e.event.time,
                attempts: e.attempts,
                last_error: e.last_error
              })),
              ["id", "type", "time", "attempts", "last_error"]
            )
    )
  ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription("List events that exhausted their delivery attempts.\nExample:\n  signet events dead --json")
)

const replay = Command.make(
  "replay",
  { id: Args.text({ name: "event-id" }).pipe(Args.withSchema(EventId)), json },
  (o) =>
    local(
      Effect.flatMap(
        Events.use((e) => e.replay(o.id)),
        (entry) =>
          o.json
            ? Console.log(JSON.stringify(plain(entry), null, 2))
            : Console.log(`${entry.event.id}: ${entry.status}`)
      )
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Queue a dead event for delivery again (a running server delivers it).\nExample:\n  signet events replay 0193…"
  )
)

/** `signet events`. */
export const events = Command.make("events").pipe(
  Command.withDescription("Inspect and replay outbox events."),
  Command.withSubcommands([dead, replay])
)
