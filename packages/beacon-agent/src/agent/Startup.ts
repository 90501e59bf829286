/**
 * Start-up of `signet-beacon run`: reads the key and state files, checks
 * them against each other and the options, opens the journal and recovers
 * the counter from it, and opens the authentication session (which
 * re-authenticates on demand).
 *
 * @module
 */
import { Effect, type Scope } from "effect"
import * as Client from "../Client.js"
import { AgentError, readKeyFile } from "../Files.js"
import { openJournal } from "../Journal.js"
import type * as Keys from "../Keys.js"
import { type BeaconState, readState, saveState } from "../State.js"
import { FLASHLIGHT_PROOF_TYPE, PROOF_TYPE, printEvent, type RunContext, type RunOptions, warn } from "./Shared.js"

/** Checks the key against the state and builds the credentials. @errors AgentError (KEY_MISMATCH) */
export const credentials = (state: BeaconState, key: Keys.BeaconKeyPair, url: string) =>
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

/**
 * Everything the run's loops need (see {@link RunContext}). The counter
 * never goes back: when the journal holds a counter past the state file's
 * (a crash between the two writes), the state file is moved up first.
 * @errors AgentError (missing or mismatched files, no classroom, a bad proof type)
 */
export const startUp = (o: RunOptions): Effect.Effect<RunContext, AgentError, Scope.Scope> =>
  Effect.gen(function* () {
    const emit = o.emit ?? printEvent
    const startedAtMs = Date.now()
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
    return {
      options: o,
      emit,
      startedAtMs,
      key,
      state: { current: state },
      url,
      classroomId,
      proofType,
      journal,
      session
    }
  })
