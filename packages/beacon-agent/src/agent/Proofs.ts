/**
 * The presence/proof loop of `signet-beacon run`: each item an input
 * adapter hands over (a presence token, or a flashlight pulse recording)
 * becomes a signed proof — the next counter persisted in the state file
 * first, the proof signed with the beacon key, appended to the journal and
 * queued for delivery. Items are handled one at a time.
 *
 * @module
 */
import * as BeaconProtocol from "@signet/contracts/beacon/Protocol"
import { Deferred, Effect, Either, type Queue, Runtime } from "effect"
import * as Client from "../Client.js"
import type { AgentError } from "../Files.js"
import * as Flashlight from "../Flashlight.js"
import type * as Input from "../Input.js"
import type { SignedProof } from "../Journal.js"
import * as Keys from "../Keys.js"
import { saveState } from "../State.js"
import { MAX_TOKEN_LENGTH, PROOF_TYPE, type RunContext } from "./Shared.js"

/** The presence token an item carries (a flashlight recording decoded first), or why it has none. */
const tokenOf = (
  flashlight: boolean,
  item: Input.InputItem
): Either.Either<string, { readonly reason: string; readonly message: string }> => {
  if (!flashlight) return Either.right(item.text)
  const decoded = Flashlight.decodeText(item.text)
  if (Either.isLeft(decoded)) return Either.left(decoded.left)
  try {
    return Either.right(new TextDecoder("utf-8", { fatal: true }).decode(decoded.right).trim())
  } catch {
    return Either.left({ reason: "NotText", message: "the decoded frame is not UTF-8 text" })
  }
}

/**
 * The input adapters' `onItem` over the run's context: answers `journaled`
 * (with the counter and nonce) or `rejected` (with the reason). A failure
 * retrying cannot fix (the state file or journal cannot be written) fails
 * `fatal` and answers `rejected`. `stop()` makes later items `rejected`
 * (`Stopping`).
 */
export const makeItemHandler = (
  ctx: RunContext,
  queue: Queue.Enqueue<SignedProof | null>,
  fatal: Deferred.Deferred<never, AgentError>
) =>
  Effect.gen(function* () {
    const { classroomId, emit, journal, key, options: o, session, state } = ctx
    let stopping = false
    const itemMutex = yield* Effect.makeSemaphore(1)
    const reject = (reason: string, message: string, origin: string): Input.ItemResult => {
      emit({ event: "rejected", reason, message, origin })
      return { status: "rejected", reason, message }
    }
    const handleItem = (item: Input.InputItem): Effect.Effect<Input.ItemResult, AgentError> =>
      Effect.gen(function* () {
        if (stopping) return { status: "rejected", reason: "Stopping", message: "the agent is stopping" }
        const decoded = tokenOf(o.flashlight, item)
        if (Either.isLeft(decoded)) return reject(decoded.left.reason, decoded.left.message, item.origin)
        const token = decoded.right
        if (token === "" || token.length > MAX_TOKEN_LENGTH || /\s/.test(token))
          return reject(
            "BadToken",
            `a presence token is 1 to ${MAX_TOKEN_LENGTH} characters without spaces`,
            item.origin
          )
        const itemProofType = item.proofType ?? ctx.proofType
        if (!PROOF_TYPE.test(itemProofType))
          return reject("BadProofType", `proof type "${itemProofType}" must match ${PROOF_TYPE.source}`, item.origin)
        const drift = (yield* session.clockDriftMs) ?? 0
        const counter = state.current.counter + 1
        state.current = { ...state.current, counter }
        yield* saveState(o.statePath, state.current) // before the proof exists anywhere else
        const fields = {
          beacon_id: state.current.beacon_id,
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
        yield* queue.offer(proof)
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
    const stop = () => {
      stopping = true
    }
    return { onItem, stop } as const
  })
