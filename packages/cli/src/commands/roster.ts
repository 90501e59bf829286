/**
 * `signet roster import <dir|zip> --tenant <slug>` — OneRoster 1.1/1.2, Microsoft
 * SDS or Clever CSV bulk import on the local database, all-or-nothing, with file:line warnings and
 * errors and a summary (`--json` for scripts). Warnings are printed grouped by
 * kind (`warning <code> ×<count>, e.g. file:line …`); `--json` lists every one. The directory or zip is read with
 * `OneRoster.readRosterSource`, under the upload limits (`OneRoster.DEFAULT_ZIP_LIMITS`).
 *
 * @module
 */
import { Args, Command, Options } from "@effect/cli"
import {
  CurrentTenant,
  ImportMessage,
  type MessageGroup,
  OneRoster,
  Roster,
  type RosterSummary,
  Tenancy
} from "@signet/core"
import { groupMessages } from "@signet/core/academics/Kit"
import { Console, Data, Effect } from "effect"
import { plain } from "../Output.js"
import { local } from "../Runtime.js"
import { configLayer } from "../Settings.js"

/** The import refused the files (exit code 1, errors already printed). */
export class RosterRefused extends Data.TaggedError("RosterRefused")<{ readonly message: string }> {}

const progress = (text: string) =>
  Effect.sync(() => process.stderr.isTTY && process.stderr.write(`\r${text.padEnd(60)}`))

/**
 * One line per group of warnings: `warning <code> ×<count>, e.g. <file:line> <file:line> …: <first message>`
 * (issue 16). The examples are the group's first locations.
 */
export const groupLines = (groups: ReadonlyArray<MessageGroup>): Array<string> =>
  groups.map((g) => {
    const first = g.examples[0]
    const where = g.examples.map((e) => `${e.file}:${e.line}`).join(" ")
    const more = g.count > g.examples.length ? " …" : ""
    return `warning ${g.code} ×${g.count}, e.g. ${where}${more}${first ? `: ${first.message}` : ""}`
  })

/** The dialect a summary's `version` names. */
const DIALECTS: Readonly<Record<string, string>> = { sds: "Microsoft SDS v2.1", clever: "Clever CSV" }

const printSummary = (s: RosterSummary) => {
  const row = (name: string, c: { created: number; updated: number; deleted: number; unchanged: number }) =>
    `  ${name.padEnd(8)} ${String(c.created).padStart(7)} ${String(c.updated).padStart(8)} ${String(c.deleted).padStart(8)} ${String(c.unchanged).padStart(10)}`
  return Console.log(
    [
      `${DIALECTS[s.version] ?? `OneRoster ${s.version}`}${s.dry_run ? " (dry run: nothing written)" : ""}`,
      "           created  updated  deleted  unchanged",
      row("schools", s.schools),
      row("users", s.users),
      row("groups", s.groups),
      row("sessions", s.sessions),
      `  memberships +${s.memberships.added} −${s.memberships.removed}   teacher assignments +${s.teacher_assignments.added} −${s.teacher_assignments.removed}`,
      `  ${s.warnings.length} warning(s) of ${s.warning_groups.length} kind(s), ${s.errors.length} error(s)`
    ].join("\n")
  )
}

const importCmd = Command.make(
  "import",
  {
    source: Args.path({ name: "dir-or-zip", exists: "yes" }),
    tenant: Options.text("tenant").pipe(Options.withDescription("Tenant slug")),
    dryRun: Options.boolean("dry-run").pipe(Options.withDescription("Validate and report; write nothing")),
    quiet: Options.boolean("quiet").pipe(Options.withDescription("Do not list warnings")),
    json: Options.boolean("json").pipe(Options.withDescription("Print the summary as JSON"))
  },
  (o) =>
    local(
      Effect.gen(function* () {
        yield* progress(`reading ${o.source}…`)
        // The same bounded reader as uploads (issue 15 §1): entry count, sizes and ratio capped.
        const files = yield* OneRoster.readRosterSource(o.source).pipe(
          Effect.mapError((e) => new RosterRefused({ message: e.message }))
        )
        yield* progress(`parsing ${files.size} file(s)…`)
        const plan = OneRoster.parseOneRoster(files)
        // Issue 16: warnings by kind (count and a few examples), not one line each; --json keeps them all.
        if (!o.json && !o.quiet) {
          for (const line of groupLines(groupMessages(plan.warnings.map((w) => new ImportMessage(w)))))
            yield* Console.error(line)
        }
        for (const e of plan.errors)
          if (!o.json) yield* Console.error(`error ${e.file}:${e.line} ${e.code}: ${e.message}`)
        yield* progress(
          `importing ${plan.schools.length} schools, ${plan.users.length} users, ${plan.groups.length} classes, ${plan.enrollments.length} enrollments…`
        )
        const tenant = yield* Tenancy.use((t) => t.get(o.tenant))
        const summary = yield* Roster.use((r) => r.importPlan(plan, { dryRun: o.dryRun })).pipe(
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }),
          Effect.catchTag("RosterImportFailed", (f) =>
            o.json
              ? Effect.zipRight(
                  Console.log(
                    JSON.stringify(
                      {
                        errors: plain(f.errors),
                        warnings: plain(f.warnings),
                        warning_groups: plain(f.warning_groups ?? [])
                      },
                      null,
                      2
                    )
                  ),
                  Effect.fail(new RosterRefused({ message: f.message }))
                )
              : Effect.fail(new RosterRefused({ message: f.message }))
          )
        )
        if (process.stderr.isTTY) process.stderr.write("\n")
        if (o.json) return yield* Console.log(JSON.stringify(plain(summary), null, 2))
        yield* printSummary(summary)
      })
    ).pipe(Effect.provide(configLayer()))
).pipe(
  Command.withDescription(
    "Import a roster (a directory of CSV files or a zip): OneRoster 1.1/1.2, Microsoft SDS v2.1 or Clever CSV,\n" +
      "detected from the file names and headers. orgs/schools → schools, classes/sections → groups, users, enrollments,\n" +
      "academic sessions. All-or-nothing; re-importing the same files changes nothing; errors name file:line;\n" +
      "warnings are printed grouped by kind with a count and examples (--json lists every one). See docs/rosters.md.\n" +
      "Limits: 100 zip entries, 256 MiB per CSV file, 512 MiB in total, compression ratio 100:1.\n" +
      "Examples:\n  signet roster import ./export --tenant lycee-hugo --dry-run\n  signet roster import export.zip --tenant lycee-hugo --json"
  )
)

/** `signet roster`. */
export const roster = Command.make("roster").pipe(
  Command.withDescription("Rosters (OneRoster, Microsoft SDS and Clever CSV bulk import)."),
  Command.withSubcommands([importCmd])
)
