/**
 * Shared plumbing of CLI commands: the core layer from configuration, the
 * system actor, and one-line error reporting with documented exit codes.
 *
 * Exit codes: 0 success · 1 operational error (database, configuration,
 * not found, conflict) · 2 invalid usage · 3 integrity check failed.
 *
 * @module
 */
import { ValidationError as CliValidationError } from "@effect/cli"
import { AttachmentStore, Core, CurrentActor, Db, systemActor } from "@signet/core"
import { Config, Console, Effect, Layer, Option } from "effect"

/** Exit codes of the `signet` command. */
export const ExitCode = { ok: 0, error: 1, usage: 2, integrity: 3 } as const

/**
 * The core layer built from configuration (`DATABASE_URL`, `SIGNET_PG_APP_ROLE`,
 * `SIGNET_ATTACHMENTS_DIR` — the same attachment files as `signet serve`'s).
 * `readOnly`: neither create a missing database nor migrate one (a read-only
 * command in an empty folder fails with "no database at …" and leaves nothing);
 * `create: false`: migrate an existing database but never create one.
 */
export const coreFromConfig = (
  options: { readonly migrate?: boolean; readonly readOnly?: boolean; readonly create?: boolean } = {}
) =>
  Layer.unwrapEffect(
    Effect.map(
      Config.all({
        databaseUrl: Db.databaseUrlConfig,
        pgAppRole: Db.pgAppRoleConfig,
        attachmentsDir: Config.option(Config.string("SIGNET_ATTACHMENTS_DIR"))
      }),
      ({ attachmentsDir, databaseUrl, pgAppRole }) =>
        Core.layer({
          databaseUrl,
          pgAppRole,
          attachmentStore: Option.isSome(attachmentsDir) ? AttachmentStore.fileSystem(attachmentsDir.value) : undefined,
          migrate: options.readOnly ? false : (options.migrate ?? true),
          create: !options.readOnly && (options.create ?? true),
          pgPoolSize: 2,
          onMigrated: (applied) => {
            for (const m of applied) process.stderr.write(`migrated ${m}\n`)
          }
        })
    )
  )

/**
 * Runs an administrative effect against the local database as the system
 * actor. The database must exist (`signet init` creates it; pending
 * migrations are applied): a command in a folder without one fails with
 * "no database at …; run `signet init`" and leaves nothing behind.
 */
export const local = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provideService(CurrentActor, systemActor), Effect.provide(coreFromConfig({ create: false })))

/** As {@link local}, for commands that only read: they create and migrate nothing. */
export const localRead = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(Effect.provideService(CurrentActor, systemActor), Effect.provide(coreFromConfig({ readOnly: true })))

/** Renders any failure as `signet: <message>` and sets the exit code. */
export const reportFailure = (error: unknown): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (CliValidationError.isValidationError(error)) {
      // @effect/cli has already printed what was wrong with the command line.
      process.exitCode = ExitCode.usage
      return
    }
    const e = error as { _tag?: string; message?: string; cause?: { message?: unknown; code?: unknown } }
    const tag = e?._tag
    const own = typeof e?.message === "string" && e.message.length > 0 && e.message !== tag ? e.message : undefined
    // Errors that carry their reason in `cause` (the platform's ServeError: the port is taken,
    // the address is not local) say it instead of their bare tag (issue 15 §6).
    const fromCause =
      typeof e?.cause?.message === "string" && e.cause.message.length > 0
        ? tag === "ServeError"
          ? `cannot listen: ${e.cause.message}${e.cause.code === "EADDRINUSE" ? " (another process, perhaps a running signet serve, uses it; choose --port)" : ""}`
          : e.cause.message
        : undefined
    const message = own ?? fromCause ?? String(error)
    yield* Console.error(`signet: ${message}`)
    process.exitCode = tag === "IntegrityFailure" ? ExitCode.integrity : ExitCode.error
  })
