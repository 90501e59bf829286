import { jsonLineLogger, jsonLines } from "@signet/server"
import { Cause, Effect, FiberRef, HashSet, Logger } from "effect"
import { describe, expect, it, vi } from "vitest"

/** Runs `effect` with the server's logger and returns the lines it wrote to standard output. */
const linesOf = async (effect: Effect.Effect<void>) => {
  const lines: Array<string> = []
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: unknown) => {
    lines.push(String(chunk))
    return true
  })
  try {
    await Effect.runPromise(effect.pipe(Effect.provide(jsonLines)))
  } finally {
    spy.mockRestore()
  }
  return lines
}

describe("server log lines", () => {
  it("are JSON in the request log's shape, with annotations, detail and the cause chain", async () => {
    const failure = Cause.die(new Error("Failed to prepare statement", { cause: new Error("no such table: tenants") }))
    const lines = await linesOf(
      Effect.logError("unhandled error", failure).pipe(Effect.annotateLogs("request_id", "req-1"))
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]!.endsWith("\n")).toBe(true)
    const line = JSON.parse(lines[0]!)
    expect(line).toMatchObject({ level: "error", msg: "unhandled error", request_id: "req-1" })
    expect(Date.parse(line.time)).not.toBeNaN()
    expect(line.cause).toContain("Failed to prepare statement")
    expect(line.cause).toContain("caused by: Error: no such table: tenants")

    const [info] = await linesOf(Effect.logWarning("outbox dispatch failed", "endpoint unreachable"))
    expect(JSON.parse(info!)).toMatchObject({
      level: "warn",
      msg: "outbox dispatch failed",
      detail: "endpoint unreachable"
    })
    expect(JSON.parse(info!).cause).toBeUndefined()
  })

  it("replace Effect's default logger (which would print logfmt too) rather than add to it", async () => {
    const loggers = await Effect.runPromise(
      FiberRef.get(FiberRef.currentLoggers).pipe(Effect.map(HashSet.toValues), Effect.provide(jsonLines))
    )
    expect(loggers).toContain(jsonLineLogger)
    expect(loggers).not.toContain(Logger.defaultLogger)
  })
})
