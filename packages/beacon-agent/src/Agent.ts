/**
 * `signet-beacon run` and `signet-beacon status`: the agent loop.
 *
 * For every item an {@link Input.InputAdapter} hands over (a presence token, or a flashlight
 * pulse recording decoded with `Flashlight.decodeText`), the agent
 *
 * 1. takes the next counter and persists it in the state file (atomic, `fsync`ed),
 * 2. signs the proof (`BeaconProtocol.proofMessage`, the beacon key),
 * 3. appends it to the journal (`fsync`ed) and queues it,
 *
 * and a single sender delivers queued proofs in counter order (the server requires counters
 * to increase): `POST /api/v1/beacon/proofs` with the beacon token, retried with exponential
 * backoff (0.5 s … 30 s) while the server is unreachable or failing, re-authenticating after a
 * 401. Once the server has answered for good — attendance's `ACCEPTED` / `LATE` / `REFUSED`,
 * or a 422 refusal such as `STALE_PROOF` or `REPLAYED_PROOF` — a `done` record is journaled
 * and one JSON line is printed. On start, undelivered journal entries are sent first.
 *
 * Every event is one JSON line on standard output (`{"event": …}`); retries and warnings are
 * human lines on standard error.
 *
 * The loop is composed of its seams under `agent/` (issue 14 §3): `Startup.ts` (files, counter
 * recovery, the authentication session), `Proofs.ts` (items → signed, journaled proofs),
 * `Delivery.ts` (the sender, re-authentication and backoff) and `Telemetry.ts`, sharing
 * `Shared.ts`.
 *
 * @module
 */
import { Deferred, Effect, Either, Fiber, Queue, type Scope } from "effect"
import { sender } from "./agent/Delivery.js"
import { makeItemHandler } from "./agent/Proofs.js"
import type { RunOptions } from "./agent/Shared.js"
import { credentials, startUp } from "./agent/Startup.js"
import { telemetryLoop } from "./agent/Telemetry.js"
import * as Client from "./Client.js"
import { AgentError, readKeyFile } from "./Files.js"
import { readJournal, type SignedProof } from "./Journal.js"
import type * as Keys from "./Keys.js"
import { readState } from "./State.js"

export {
  type AgentEvent,
  BACKOFF_MS,
  FLASHLIGHT_PROOF_TYPE,
  MAX_TOKEN_LENGTH,
  PROOF_TYPE,
  printEvent,
  type RunOptions,
  warn
} from "./agent/Shared.js"

/** Normalises a server base URL (http or https, no trailing slash). */
export const normaliseUrl = (url: string): Either.Either<string, string> => {
  try {
    const u = new URL(url)
    if (u.protocol !== "http:" && u.protocol !== "https:") return Either.left(`--url ${url}: must be http(s)`)
    return Either.right(u.toString().replace(/\/+$/, ""))
  } catch {
    return Either.left(`--url ${url}: not a URL`)
  }
}

/**
 * Runs the agent until the input ends (then delivers what is queued and returns) or the fiber
 * is interrupted (SIGINT/SIGTERM: stops the input, leaves undelivered proofs in the journal).
 * Fails with an {@link AgentError} for problems retrying cannot fix (missing files, a revoked
 * beacon, a key the server does not recognise, a full disk).
 */
export const run = (o: RunOptions): Effect.Effect<void, AgentError, Scope.Scope> =>
  Effect.gen(function* () {
    const ctx = yield* startUp(o)
    const { emit, journal, state } = ctx
    const fatal = yield* Deferred.make<never, AgentError>()
    const queue = yield* Queue.unbounded<SignedProof | null>()
    const resent = new Set<string>()
    for (const p of journal.initial.pending) {
      resent.add(p.nonce)
      yield* Queue.offer(queue, p)
    }
    emit({
      event: "started",
      beacon_id: state.current.beacon_id,
      tenant: state.current.tenant,
      url: ctx.url,
      classroom_id: ctx.classroomId,
      input: o.input.name,
      proof_type: ctx.proofType,
      counter: state.current.counter,
      queue_depth: journal.initial.pending.length
    })
    const items = yield* makeItemHandler(ctx, queue, fatal)
    const input = Effect.tryPromise({
      try: (signal) =>
        o.input.run({
          onItem: items.onItem,
          signal,
          report: (e) => emit({ ...e, event: String(e.event ?? "input"), input: o.input.name })
        }),
      catch: (e) => new AgentError({ message: e instanceof Error ? e.message : String(e), reason: "INPUT" })
    })

    const senderFiber = yield* Effect.fork(sender(ctx, queue, resent))
    yield* Effect.fork(telemetryLoop(ctx))
    const untilInputEnds = Effect.gen(function* () {
      yield* input
      items.stop()
      emit({ event: "input_ended", queue_depth: yield* journal.pendingCount })
      yield* Queue.offer(queue, null)
      yield* Fiber.join(senderFiber)
    })
    yield* untilInputEnds.pipe(
      Effect.raceFirst(Deferred.await(fatal)),
      Effect.raceFirst(Fiber.join(senderFiber)),
      Effect.onExit(() =>
        Effect.gen(function* () {
          items.stop()
          yield* Fiber.interrupt(senderFiber)
          emit({ event: "stopped", counter: state.current.counter, queue_depth: yield* journal.pendingCount })
        })
      )
    )
  })

/** What `signet-beacon status` reports. */
export interface StatusReport {
  readonly beacon_id: string
  readonly tenant: string
  readonly url: string
  readonly classroom_id: string | null
  readonly alg: Keys.BeaconAlg
  readonly firmware_version: string | null
  /** Last proof counter used (state file, or a journal entry past it). */
  readonly last_counter: number
  /** Proofs journaled but not answered for good yet. */
  readonly undelivered: number
  readonly journal: string
  /** Whether the beacon could authenticate just now, and the clock drift measured. */
  readonly auth:
    | { readonly ok: true; readonly clock_drift_ms: number; readonly expires_in: number }
    | { readonly ok: false; readonly error: string; readonly reason_code: string | null }
}

/**
 * `signet-beacon status`: the state and journal (read only, no lock), then one
 * authentication against the server to check the credentials and measure the clock drift.
 */
export const status = (o: {
  readonly statePath: string
  readonly keyPath: string
  readonly journalPath: string
  readonly url?: string | undefined
}): Effect.Effect<StatusReport, AgentError> =>
  Effect.gen(function* () {
    const state = yield* readState(o.statePath)
    const key = yield* readKeyFile(o.keyPath)
    const url = o.url ?? state.url
    const creds = yield* credentials(state, key, url)
    const journal = yield* readJournal(o.journalPath)
    const auth = yield* Effect.either(Client.authenticate(creds))
    return {
      beacon_id: state.beacon_id,
      tenant: state.tenant,
      url,
      classroom_id: state.classroom_id,
      alg: state.alg,
      firmware_version: state.firmware_version ?? null,
      last_counter: Math.max(state.counter, journal.lastCounter),
      undelivered: journal.pending.length,
      journal: o.journalPath,
      auth: Either.isRight(auth)
        ? { ok: true, clock_drift_ms: auth.right.clock_drift_ms, expires_in: auth.right.expires_in }
        : {
            ok: false,
            error: Client.explain(auth.left),
            reason_code: auth.left._tag === "ServerError" ? (auth.left.reason_code ?? auth.left.code) : null
          }
    } satisfies StatusReport
  })
