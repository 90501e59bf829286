/**
 * `signet activity …` — operations across the kinds of activities (issue
 * 22, docs/activities.md) on the local database, through the same facade
 * as REST and RPC (`ActivitiesAdmin`), as the local system actor:
 *
 * - `search --tenant … --query …` (`-q`): the full-text search of live notes, tasks
 *   and events (`--kinds note,task`, one target with `--target-type` and
 *   `--target-id`, `--limit`, `--cursor`); best first.
 * - `restore <kind> <id> --tenant …`: brings back a soft-deleted note,
 *   task, call log, event, attachment or carbon footprint (`kind`: notes, tasks, calls, events,
 *   attachments, footprints); a live
 *   one is refused (409 over REST).
 *
 * Refusals answer as over REST: `signet: <message>`, exit code 1.
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import { ActivitiesAdmin as A, policyUse } from "@signet/core"
import { Console, Effect, Option } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))

/** `Some(v)` as `{ [key]: v }`, `None` as nothing (for optional fields). */
const opt = <K extends string, V>(key: K, value: Option.Option<V>) =>
  Option.match(value, { onNone: () => ({}), onSome: (v) => ({ [key]: v }) as { [k in K]: V } })

const search = Command.make(
  "search",
  {
    tenant: tenantOpt,
    q: Options.text("query").pipe(
      Options.withAlias("q"),
      Options.withDescription("Plain words, all must match; the last one is also a prefix")
    ),
    kinds: Options.text("kinds").pipe(
      Options.withDescription("Comma-separated kinds: note, task, event, call, review (default all)"),
      Options.optional
    ),
    targetType: Options.text("target-type").pipe(Options.withDescription("Only this target's type"), Options.optional),
    targetId: Options.text("target-id").pipe(Options.withDescription("Only this target's id"), Options.optional),
    limit: Options.integer("limit").pipe(Options.withDescription("Page size (1–100, default 50)"), Options.optional),
    cursor: Options.text("cursor").pipe(
      Options.withDescription("Next page (a search's next_cursor)"),
      Options.optional
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const page = yield* A.search(o.q, {
          ...opt(
            "kinds",
            Option.map(o.kinds, (k) => k.split(",").map((s) => s.trim()))
          ),
          ...opt("target_type", o.targetType),
          ...opt("target_id", o.targetId),
          ...opt("limit", o.limit),
          ...opt("cursor", o.cursor)
        }).pipe(policyUse("activities:read"))
        if (o.json) return yield* Console.log(JSON.stringify(plain(page), null, 2))
        yield* table(
          page.items.map((h) => ({
            kind: h.kind,
            id: h.id,
            target: `${h.target_type}:${h.target_id}`,
            snippet: h.snippet
          })),
          ["kind", "id", "target", "snippet"]
        )
        if (page.next_cursor !== null) yield* Console.log(`next page: --cursor ${page.next_cursor}`)
      }),
      true
    )
).pipe(
  Command.withDescription(
    "Full-text search of live notes, tasks, events, call summaries and review comments, best first."
  )
)

const restore = Command.make(
  "restore",
  {
    tenant: tenantOpt,
    kind: Args.choice([
      ["notes", "notes"],
      ["tasks", "tasks"],
      ["calls", "calls"],
      ["events", "events"],
      ["attachments", "attachments"],
      ["footprints", "footprints"]
    ] as const).pipe(Args.withDescription("notes, tasks, calls, events, attachments or footprints")),
    id: Args.text({ name: "id" }).pipe(Args.withDescription("The deleted activity's id"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.zipRight(
        o.kind === "attachments"
          ? A.restoreAttachment(o.id).pipe(policyUse("attachments:write"), Effect.asVoid)
          : o.kind === "footprints"
            ? A.restoreFootprint(o.id).pipe(policyUse("carbon:write"), Effect.asVoid)
            : A.restore(o.kind, o.id).pipe(policyUse("activities:write"), Effect.asVoid),
        Console.log(`restored ${o.kind} ${o.id}`)
      )
    )
).pipe(
  Command.withDescription(
    "Restore a soft-deleted note, task, call log, event, attachment or carbon footprint (audited)."
  )
)

/** `signet activity`: search across notes, tasks, events, calls and reviews; restore a soft-deleted activity (issue 22). */
export const activity = Command.make("activity").pipe(
  Command.withDescription("Search activities and restore deleted ones (docs/activities.md)."),
  Command.withSubcommands([search, restore])
)
