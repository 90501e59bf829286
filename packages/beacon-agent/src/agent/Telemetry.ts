/**
 * Telemetry of `signet-beacon run`: every `telemetryIntervalS` seconds one
 * report (clock drift, queue depth, uptime, firmware) with the beacon
 * token; a failed report is a warning (a 401 invalidates the token), never
 * a stop.
 *
 * @module
 */
import { Duration, Effect, Either } from "effect"
import * as Client from "../Client.js"
import type { RunContext } from "./Shared.js"
import { warn } from "./Shared.js"

const int = (n: number, max: number) => Math.max(-max, Math.min(max, Math.round(n)))

/** Sends one telemetry report and emits it (`telemetry` event), or warns. */
const telemetryOnce = ({ emit, journal, session, startedAtMs, state, url }: RunContext) =>
  Effect.gen(function* () {
    const result = yield* Effect.either(
      Effect.flatMap(session.token, (token) =>
        Effect.gen(function* () {
          const drift = yield* session.clockDriftMs
          const report: Client.Telemetry = {
            ...(drift !== undefined ? { clock_drift_ms: int(drift, 86_400_000) } : {}),
            queue_depth: yield* journal.pendingCount,
            uptime_s: Math.floor((Date.now() - startedAtMs) / 1000),
            ...(state.current.firmware_version !== undefined
              ? { firmware_version: state.current.firmware_version }
              : {})
          }
          yield* Client.sendTelemetry(url, token, report)
          return report
        })
      )
    )
    if (Either.isRight(result)) emit({ event: "telemetry", ...result.right })
    else {
      if (result.left._tag === "ServerError" && result.left.status === 401) yield* session.invalidate
      warn(`telemetry not sent: ${Client.explain(result.left)}`)
    }
  })

/** The telemetry loop: a report, then the interval, forever; never when the interval is 0. */
export const telemetryLoop = (ctx: RunContext): Effect.Effect<never> =>
  ctx.options.telemetryIntervalS > 0
    ? Effect.forever(
        Effect.zipRight(telemetryOnce(ctx), Effect.sleep(Duration.seconds(ctx.options.telemetryIntervalS)))
      )
    : Effect.never
