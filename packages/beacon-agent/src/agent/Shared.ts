/**
 * What the agent loop's seams share (issue 14 §3): its events and
 * warnings, the limits of what it signs, the delivery backoff, and the
 * {@link RunContext} that start-up builds for the proof, delivery and
 * telemetry loops. `Agent.ts` re-exports the public part.
 *
 * @module
 */
import type * as Client from "../Client.js"
import type * as Input from "../Input.js"
import type { Journal } from "../Journal.js"
import type * as Keys from "../Keys.js"
import type { BeaconState } from "../State.js"

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

/** Options of `Agent.run`. */
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

/** What start-up (`Startup.ts`) hands to the agent's loops. */
export interface RunContext {
  readonly options: RunOptions
  readonly emit: (event: AgentEvent) => void
  /** When the agent started (ms since the epoch; telemetry's `uptime_s`). */
  readonly startedAtMs: number
  readonly key: Keys.BeaconKeyPair
  /** The state file's contents; `current` moves with every counter taken. */
  readonly state: { current: BeaconState }
  readonly url: string
  readonly classroomId: string
  /** The run's default proof type. */
  readonly proofType: string
  readonly journal: Journal
  readonly session: Client.Session
}
