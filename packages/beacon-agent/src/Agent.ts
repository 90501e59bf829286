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
 * @module
 */
import * as BeaconProtocol from "@signet/contracts/beacon/Protocol"
import { Deferred, Duration, Effect, Either, Fiber, Queue, Runtime, type Scope } from "effect"
import * as Client from "./Client.js"
import { AgentError, readKeyFile } from "./Files.js"
import * as Flashlight from "./Flashlight.js"
import type * as Input from "./Input.js"
import { type Outcome, openJournal, readJournal, type SignedProof } from "./Journal.js"
import * as Keys from "./Keys.js"
import { type BeaconState, readState, saveState } from "./State.js"

/** A JSON event printed by the agent (one line on standard output). */
export type AgentEvent = { readonly event: string } & Record<string, unknown>

/** Prints an event as one JSON line on standard output. */
export const printEvent = (e: AgentEvent): void => {
  process.stdout.write(`${JSON.stringify(e)}\n`)
}

/** Prints a human warning on standard error (`signet-beacon: …`). */
export const warn = (message: string): void => {
  process.stderr.write(`signet-beacon: ${message}\n`)
}

/** `proof_type` values the server accepts. */
export const PROOF_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/

/** The `proof_type` of flashlight proofs (attendance method `FLASHLIGHT`). */
export const FLASHLIGHT_PROOF_TYPE = "buzzLightyear"

/** Longest presence token the server accepts. */
export const MAX_TOKEN_LENGTH = 2048

/** Backoff of deliveries: first delay and cap (ms). */
export const BACKOFF_MS = { first: 500, max: 30_000 } as const

/** Options of {@link run}. */
export interface RunOptions {
  /** State file (`enroll` wrote it; the counter is kept there). */
  readonly statePath: string
  /** Key file (mode `0600`). */
  readonly keyPath: string
  /** Proof journal (JSON Lines, see `Journal`). */
  readonly journalPath: string
  /** Where the items come from. */
  readonly input: Input.InputAdapter
  /** Items are flashlight pulse recordings (decoded to the token); proof type `buzzLightyear`. */
  readonly flashlight: boolean
  /** Overrides the proof type (default: `buzzLightyear` with `flashlight`, else the adapter's). */
  readonly proofType?: string | undefined
  /** Seconds between telemetry reports; 0 disables them. */
  readonly telemetryIntervalS: number
  /** Overrides the server URL of the state file. */
  readonly url?: string | undefined
  /** Overrides (or supplies) the classroom of the state file. */
  readonly classroomId?: string | undefined
  /** Where events go (default {@link printEvent}). */
  readonly emit?: (event: AgentEvent) => void
}

const outcomeOf = (status: unknown): Outcome =>
  status === "ACCEPTED" ? "accepted" : status === "LATE" ? "late" : "refused"

const int = (n: number, max: number) => Math.max(-max, Math.min(max, Math.round(n)))

/** Checks the key against the state and builds the credentials. */
const credentials = (state: BeaconState, key: Keys.BeaconKeyPair, url: string) =>
  key.alg === state.alg
    ? Effect.succeed<Client.Credentials>({
        url,
        tenant: state.tenant,
        beacon_id: state.beacon_id,
        totp_secret: state.totp_secret,
        key
      })
    : Effect.fail(
        new AgentError({
          message: `the key file holds an ${key.alg} key but the beacon was enrolled with ${state.alg}`,
          reason: "KEY_MISMATCH"
        })
      )

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
    const emit = o.emit ?? printEvent
    const startedAt = Date.now()
    const key = yield* readKeyFile(o.keyPath)
    let state = yield* readState(o.statePath)
    const url = o.url ?? state.url
    const creds = yield* credentials(state, key, url)
    const classroomId = o.classroomId ?? state.classroom_id
    if (classroomId === null)
      return yield* new AgentError({
        message:
          "this beacon is not assigned to a classroom; ask an admin to assign it (PATCH …/beacons/{id}) and pass --classroom <id>",
        reason: "BEACON_NOT_ASSIGNED"
      })
    const proofType = o.proofType ?? (o.flashlight ? FLASHLIGHT_PROOF_TYPE : o.input.proofType)
    if (!PROOF_TYPE.test(proofType))
      return yield* new AgentError({ message: `proof type "${proofType}" must match ${PROOF_TYPE.source}` })

    const journal = yield* openJournal(o.journalPath)
    if (journal.initial.skipped > 0)
      warn(`journal ${o.journalPath}: ignored ${journal.initial.skipped} unreadable line(s) (torn write?)`)
    // The counter never goes back: a crash between the state and the journal write is covered.
    const recovered = Math.max(state.counter, journal.initial.lastCounter)
    if (recovered !== state.counter) {
      state = { ...state, counter: recovered }
      yield* saveState(o.statePath, state)
    }

    const session = yield* Client.makeSession(creds, (a) =>
      Effect.sync(() => emit({ event: "authenticated", clock_drift_ms: a.clock_drift_ms, expires_in: a.expires_in }))
    )
    const fatal = yield* Deferred.make<never, AgentError>()
    const queue = yield* Queue.unbounded<SignedProof | null>()
    const resent = new Set<string>()
    for (const p of journal.initial.pending) {
      resent.add(p.nonce)
      yield* Queue.offer(queue, p)
    }
    emit({
      event: "started",
      beacon_id: state.beacon_id,
      tenant: state.tenant,
      url,
      classroom_id: classroomId,
      input: o.input.name,
      proof_type: proofType,
      counter: state.counter,
      queue_depth: journal.initial.pending.length
    })

    // ——— Items → signed, journaled proofs ————————————————————————————————————————
    let stopping = false
    const itemMutex = yield* Effect.makeSemaphore(1)
    const reject = (reason: string, message: string, origin: string): Input.ItemResult => {
      emit({ event: "rejected", reason, message, origin })
      return { status: "rejected", reason, message }
    }
    const handleItem = (item: Input.InputItem): Effect.Effect<Input.ItemResult, AgentError> =>
      Effect.gen(function* () {
        if (stopping) return { status: "rejected", reason: "Stopping", message: "the agent is stopping" }
        let token = item.text
        if (o.flashlight) {
          const decoded = Flashlight.decodeText(item.text)
          if (Either.isLeft(decoded)) return reject(decoded.left.reason, decoded.left.message, item.origin)
          try {
            token = new TextDecoder("utf-8", { fatal: true }).decode(decoded.right).trim()
          } catch {
            return reject("NotText", "the decoded frame is not UTF-8 text", item.origin)
          }
        }
        if (token === "" || token.length > MAX_TOKEN_LENGTH || /\s/.test(token))
          return reject(
            "BadToken",
            `a presence token is 1 to ${MAX_TOKEN_LENGTH} characters without spaces`,
            item.origin
          )
        const itemProofType = item.proofType ?? proofType
        if (!PROOF_TYPE.test(itemProofType))
          return reject("BadProofType", `proof type "${itemProofType}" must match ${PROOF_TYPE.source}`, item.origin)
        const drift = (yield* session.clockDriftMs) ?? 0
        const counter = state.counter + 1
        state = { ...state, counter }
        yield* saveState(o.statePath, state) // before the proof exists anywhere else
        const fields = {
          beacon_id: state.beacon_id,
          classroom_id: classroomId,
          presence_token: token,
          proof_type: itemProofType,
          proof_time_ms: Math.round(item.receivedAtMs - drift),
          counter,
          nonce: Client.newNonce()
        }
        const signature = BeaconProtocol.b64url(Keys.sign(key.alg, key.privateKey, BeaconProtocol.proofMessage(fields)))
        const proof: SignedProof = { ...fields, signature }
        yield* journal.appendProof(proof)
        yield* Queue.offer(queue, proof)
        emit({ event: "journaled", counter, nonce: proof.nonce, origin: item.origin })
        return { status: "journaled", counter, nonce: proof.nonce }
      })
    const runtime = yield* Effect.runtime<never>()
    const onItem = (item: Input.InputItem): Promise<Input.ItemResult> =>
      Runtime.runPromise(runtime)(
        itemMutex
          .withPermits(1)(handleItem(item))
          .pipe(
            Effect.catchAll((e) =>
              Effect.as(Deferred.fail(fatal, e), {
                status: "rejected" as const,
                reason: e.reason ?? "Error",
                message: e.message
              })
            )
          )
      )

    // ——— Delivery ————————————————————————————————————————————————————————————
    const deliver = (proof: SignedProof): Effect.Effect<void, AgentError> =>
      Effect.gen(function* () {
        let delay: number = BACKOFF_MS.first
        const retry = (why: string) =>
          Effect.gen(function* () {
            const wait = Math.round(delay * (0.75 + Math.random() * 0.5))
            warn(`proof ${proof.counter}: ${why}; retrying in ${(wait / 1000).toFixed(1)} s`)
            yield* Effect.sleep(Duration.millis(wait))
            delay = Math.min(delay * 2, BACKOFF_MS.max)
          })
        const stopFatal = (e: Client.ServerError) =>
          new AgentError({ message: Client.explain(e), reason: e.reason_code ?? e.code ?? "HTTP" })
        for (;;) {
          const token = yield* Effect.either(session.token)
          if (Either.isLeft(token)) {
            const e = token.left
            if (e._tag === "ServerError" && e.reason_code !== null && Client.FATAL_AUTH_REASONS.has(e.reason_code))
              return yield* stopFatal(e)
            yield* retry(`cannot authenticate: ${Client.explain(e)}`)
            continue
          }
          const sent = yield* Effect.either(Client.submitProof(url, token.right, proof))
          if (Either.isLeft(sent)) {
            yield* retry(sent.left.message)
            continue
          }
          const answer = sent.right
          if (answer.status === 401) {
            yield* session.invalidate
            const e = Client.toServerError(url, "/api/v1/beacon/proofs", answer)
            if (e.reason_code !== null && Client.FATAL_AUTH_REASONS.has(e.reason_code)) return yield* stopFatal(e)
            yield* retry(`beacon token refused (${e.reason_code ?? e.code ?? "401"}); authenticating again`)
            continue
          }
          const failed = answer.status >= 300 ? Client.toServerError(url, "/api/v1/beacon/proofs", answer) : undefined
          if (failed !== undefined && Client.isTransient(failed)) {
            yield* retry(Client.explain(failed))
            continue
          }
          const ok = failed === undefined
          const body = answer.body ?? {}
          const error = failed
          const outcome: Outcome = ok ? outcomeOf(body.status) : "refused"
          const reason_code: string | null = ok
            ? typeof body.reason_code === "string"
              ? body.reason_code
              : null
            : (error!.reason_code ?? error!.code)
          yield* journal.appendDone(proof, { outcome, reason_code, http_status: answer.status })
          emit({
            event: "proof",
            outcome,
            counter: proof.counter,
            nonce: proof.nonce,
            status: ok ? (body.status ?? null) : null,
            reason_code,
            message: ok ? (body.message ?? null) : error!.message,
            course_id: ok ? (body.course_id ?? null) : null,
            http_status: answer.status,
            ...(resent.has(proof.nonce) ? { resent: true } : {})
          })
          if (reason_code === "BEACON_REVOKED" || reason_code === "UNKNOWN_BEACON") return yield* stopFatal(error!)
          if (reason_code === "BEACON_NOT_ASSIGNED" || reason_code === "CLASSROOM_MISMATCH")
            warn(
              `the server has this beacon in ${reason_code === "BEACON_NOT_ASSIGNED" ? "no" : "another"} classroom: ` +
                "ask an admin to assign it (PATCH …/beacons/{id}) and restart with --classroom <id>"
            )
          return
        }
      })
    const sender = Effect.gen(function* () {
      for (;;) {
        const next = yield* Queue.take(queue)
        if (next === null) return
        yield* deliver(next)
      }
    })

    // ——— Telemetry ——————————————————————————————————————————————————————————
    const telemetryOnce = Effect.gen(function* () {
      const result = yield* Effect.either(
        Effect.flatMap(session.token, (token) =>
          Effect.gen(function* () {
            const drift = yield* session.clockDriftMs
            const report: Client.Telemetry = {
              ...(drift !== undefined ? { clock_drift_ms: int(drift, 86_400_000) } : {}),
              queue_depth: yield* journal.pendingCount,
              uptime_s: Math.floor((Date.now() - startedAt) / 1000),
              ...(state.firmware_version !== undefined ? { firmware_version: state.firmware_version } : {})
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
    const telemetry =
      o.telemetryIntervalS > 0
        ? Effect.forever(Effect.zipRight(telemetryOnce, Effect.sleep(Duration.seconds(o.telemetryIntervalS))))
        : Effect.never

    // ——— Input ————————————————————————————————————————————————————————————————
    const input = Effect.tryPromise({
      try: (signal) =>
        o.input.run({
          onItem,
          signal,
          report: (e) => emit({ ...e, event: String(e.event ?? "input"), input: o.input.name })
        }),
      catch: (e) => new AgentError({ message: e instanceof Error ? e.message : String(e), reason: "INPUT" })
    })

    const senderFiber = yield* Effect.fork(sender)
    yield* Effect.fork(telemetry)
    const untilInputEnds = Effect.gen(function* () {
      yield* input
      stopping = true
      emit({ event: "input_ended", queue_depth: yield* journal.pendingCount })
      yield* Queue.offer(queue, null)
      yield* Fiber.join(senderFiber)
    })
    yield* untilInputEnds.pipe(
      Effect.raceFirst(Deferred.await(fatal)),
      Effect.raceFirst(Fiber.join(senderFiber)),
      Effect.onExit(() =>
        Effect.gen(function* () {
          stopping = true
          yield* Fiber.interrupt(senderFiber)
          emit({ event: "stopped", counter: state.counter, queue_depth: yield* journal.pendingCount })
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
