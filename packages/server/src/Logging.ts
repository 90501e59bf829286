/**
 * The server's log lines: one JSON object per line on standard output, the
 * same shape as the request log the middleware writes (`time`, `level`,
 * `msg`, then the fiber's log annotations such as `request_id`, the other
 * message parts as `detail`, and a failure's `cause`, pretty-printed with
 * the chain of its errors' causes).
 *
 * @module
 */
import { Cause, HashMap, Logger } from "effect"

/** The text of one message part. */
const text = (part: unknown): unknown => (typeof part === "string" ? part : part instanceof Error ? part.message : part)

/**
 * The failure pretty-printed, then the chain of its errors' own `cause`s (a
 * `SqlError` says "Failed to prepare statement"; its cause says which table is missing).
 */
const describeCause = (cause: Cause.Cause<unknown>): string => {
  const chain: Array<string> = []
  let error: unknown = Cause.squash(cause)
  for (let depth = 0; depth < 5; depth++) {
    error = (error as { cause?: unknown } | null)?.cause
    if (error === undefined || error === null) break
    chain.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error))
  }
  return [Cause.pretty(cause), ...chain.map((c) => `caused by: ${c}`)].join("\n")
}

/**
 * A logger writing JSON lines to standard output; `Effect.logError("job failed", cause)` becomes
 * `{"time":…,"level":"error","msg":"job failed","cause":"…"}`.
 */
export const jsonLineLogger: Logger.Logger<unknown, void> = Logger.make(
  ({ annotations, cause, date, logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    const line: Record<string, unknown> = {
      time: date.toISOString(),
      level: logLevel.label === "WARN" ? "warn" : logLevel.label.toLowerCase(),
      msg: String(text(parts[0]) ?? "")
    }
    for (const [key, value] of HashMap.toEntries(annotations)) line[key] = value
    if (parts.length > 1) line.detail = parts.length === 2 ? text(parts[1]) : parts.slice(1).map(text)
    if (!Cause.isEmpty(cause)) line.cause = describeCause(cause)
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
)

/** Replaces Effect's default logger with {@link jsonLineLogger} (provide it to the server's launch). */
export const jsonLines = Logger.replace(Logger.defaultLogger, jsonLineLogger)
