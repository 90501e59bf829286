/**
 * The beacon's state file (`beacon-state.json`, mode `0600`), written by `signet-beacon enroll`
 * and kept by `signet-beacon run`: where the server is, who the beacon is, its TOTP secret and
 * the last proof counter it used.
 *
 * The counter only moves forward: `run` persists `counter + 1` (atomically, `fsync`ed) before a
 * proof carrying it is journaled or sent, so a crash can skip a counter value but never reuse
 * one (the server refuses a counter that does not exceed the last one: `COUNTER_REPLAY`).
 *
 * @module
 */
import { Effect } from "effect"
import { AgentError, readPrivateFile, writePrivateFile, writePrivateFileSync } from "./Files.js"
import type { BeaconAlg } from "./Keys.js"

/** Default state file of `enroll`, `run` and `status`. */
export const DEFAULT_STATE_FILE = "./beacon-state.json"

/** Content of the state file (JSON). */
export interface BeaconState {
  /** Server base URL, e.g. `https://signet.example.edu` (no trailing slash). */
  readonly url: string
  /** Tenant slug. */
  readonly tenant: string
  /** The beacon's id on the server. */
  readonly beacon_id: string
  /** The classroom the beacon was enrolled for, or null (then `run` needs `--classroom`). */
  readonly classroom_id: string | null
  /** Algorithm of the key the beacon was enrolled with. */
  readonly alg: BeaconAlg
  /** Base32 RFC 6238 secret (SHA-1, 6 digits, 30 s), shown by the server only at enrolment. */
  readonly totp_secret: string
  /** Last proof counter used; `-1` before the first proof. */
  readonly counter: number
  /** Firmware version reported at enrolment and in telemetry. */
  readonly firmware_version?: string
  /** When the beacon was enrolled (ISO 8601). */
  readonly enrolled_at?: string
}

const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0

/**
 * Parses a state file, checking every field.
 *
 * @returns the state, or an {@link AgentError} naming the first bad field.
 */
export const parseState = (path: string, text: string): Effect.Effect<BeaconState, AgentError> => {
  const bad = (what: string) =>
    Effect.fail(new AgentError({ message: `state file ${path}: ${what}`, reason: "BAD_STATE_FILE" }))
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return bad("not valid JSON")
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return bad("not a JSON object")
  const s = parsed as Record<string, unknown>
  for (const k of ["url", "tenant", "beacon_id", "totp_secret"] as const) {
    if (!isString(s[k])) return bad(`'${k}' is missing`)
  }
  if (!/^[A-Z2-7]{26,}=*$/i.test(String(s.totp_secret)))
    return bad("'totp_secret' must be base32 of at least 16 bytes (as the server issued it)")
  if (s.classroom_id !== null && !isString(s.classroom_id)) return bad("'classroom_id' must be a string or null")
  if (s.alg !== "ES256" && s.alg !== "EdDSA") return bad("'alg' must be 'ES256' or 'EdDSA'")
  if (typeof s.counter !== "number" || !Number.isSafeInteger(s.counter) || s.counter < -1)
    return bad("'counter' must be an integer ≥ -1")
  if (s.firmware_version !== undefined && typeof s.firmware_version !== "string")
    return bad("'firmware_version' must be a string")
  return Effect.succeed(s as unknown as BeaconState)
}

/** Reads the state file, refusing one readable by group or others. */
export const readState = (path: string): Effect.Effect<BeaconState, AgentError> =>
  Effect.flatMap(readPrivateFile(path, "state file", "run `signet-beacon enroll --url … --code …` first"), (text) =>
    parseState(path, text)
  )

const render = (state: BeaconState): string => `${JSON.stringify(state, null, 2)}\n`

/** Writes a new state file (enrolment); refuses to replace one unless `overwrite`. */
export const writeState = (path: string, state: BeaconState, overwrite: boolean): Effect.Effect<void, AgentError> =>
  writePrivateFile(path, render(state), { what: "state file", overwrite })

/**
 * Replaces the state file atomically and durably (temporary file, `fsync`, rename): used for
 * every counter increment, before the proof is journaled.
 */
export const saveState = (path: string, state: BeaconState): Effect.Effect<void, AgentError> =>
  Effect.try({
    try: () => writePrivateFileSync(path, render(state)),
    catch: (e) =>
      new AgentError({ message: `cannot save state file ${path}: ${e instanceof Error ? e.message : String(e)}` })
  })
