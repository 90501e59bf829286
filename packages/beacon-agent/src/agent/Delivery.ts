/**
 * Delivery of `signet-beacon run`: a single sender takes queued proofs in
 * counter order (the server requires counters to increase) and posts each
 * with the beacon token until the server answers for good. The token comes
 * from the authentication session; a 401 invalidates it and the next try
 * authenticates again. Network failures and transient answers are retried
 * with exponential backoff ({@link BACKOFF_MS}); a revoked or unknown
 * beacon (or a key the server refuses) stops the agent.
 *
 * @module
 */
import { Duration, Effect, Either, Queue } from "effect"
import * as Client from "../Client.js"
import { AgentError } from "../Files.js"
import type { Outcome, SignedProof } from "../Journal.js"
import { BACKOFF_MS, type RunContext, warn } from "./Shared.js"

const outcomeOf = (status: unknown): Outcome =>
  status === "ACCEPTED" ? "accepted" : status === "LATE" ? "late" : "refused"

/** The agent error that stops the run for a server's final refusal. */
const stopFatal = (e: Client.ServerError) =>
  new AgentError({ message: Client.explain(e), reason: e.reason_code ?? e.code ?? "HTTP" })

/**
 * Records and reports the server's final answer to a proof (a `done`
 * journal record, a `proof` event); stops the run for a revoked or unknown
 * beacon, warns when the server has the beacon in another classroom.
 * @errors AgentError (BEACON_REVOKED, UNKNOWN_BEACON)
 */
const settle = (
  { emit, journal }: RunContext,
  resent: ReadonlySet<string>,
  proof: SignedProof,
  answer: Client.Answer,
  failed: Client.ServerError | undefined
) =>
  Effect.gen(function* () {
    const ok = failed === undefined
    const body = answer.body ?? {}
    const outcome: Outcome = ok ? outcomeOf(body.status) : "refused"
    const reason_code: string | null = ok
      ? typeof body.reason_code === "string"
        ? body.reason_code
        : null
      : (failed.reason_code ?? failed.code)
    yield* journal.appendDone(proof, { outcome, reason_code, http_status: answer.status })
    emit({
      event: "proof",
      outcome,
      counter: proof.counter,
      nonce: proof.nonce,
      status: ok ? (body.status ?? null) : null,
      reason_code,
      message: ok ? (body.message ?? null) : failed.message,
      course_id: ok ? (body.course_id ?? null) : null,
      http_status: answer.status,
      ...(resent.has(proof.nonce) ? { resent: true } : {})
    })
    if (reason_code === "BEACON_REVOKED" || reason_code === "UNKNOWN_BEACON") return yield* stopFatal(failed!)
    if (reason_code === "BEACON_NOT_ASSIGNED" || reason_code === "CLASSROOM_MISMATCH")
      warn(
        `the server has this beacon in ${reason_code === "BEACON_NOT_ASSIGNED" ? "no" : "another"} classroom: ` +
          "ask an admin to assign it (PATCH …/beacons/{id}) and restart with --classroom <id>"
      )
  })

/**
 * Delivers one proof: authenticates when needed, posts it, retries with
 * backoff until the server answers for good, then settles it.
 * @errors AgentError (a final authentication refusal, a revoked or unknown beacon, the journal)
 */
const deliver = (ctx: RunContext, resent: ReadonlySet<string>, proof: SignedProof): Effect.Effect<void, AgentError> =>
  Effect.gen(function* () {
    const { session, url } = ctx
    let delay: number = BACKOFF_MS.first
    const retry = (why: string) =>
      Effect.gen(function* () {
        const wait = Math.round(delay * (0.75 + Math.random() * 0.5))
        warn(`proof ${proof.counter}: ${why}; retrying in ${(wait / 1000).toFixed(1)} s`)
        yield* Effect.sleep(Duration.millis(wait))
        delay = Math.min(delay * 2, BACKOFF_MS.max)
      })
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
      return yield* settle(ctx, resent, proof, answer, failed)
    }
  })

/**
 * The sender: delivers queued proofs one by one, in queue order, until it
 * takes `null` (the input ended). `resent` holds the nonces of proofs
 * replayed from the journal at start-up (their events say `resent: true`).
 */
export const sender = (ctx: RunContext, queue: Queue.Dequeue<SignedProof | null>, resent: ReadonlySet<string>) =>
  Effect.gen(function* () {
    for (;;) {
      const next = yield* Queue.take(queue)
      if (next === null) return
      yield* deliver(ctx, resent, next)
    }
  })
