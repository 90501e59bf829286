/**
 * Presence tokens and presence proofs (seed 004 Flow A; issue 6 §3; issue
 * 15 §3): a student's device gets a short-lived, single-use token bound to
 * the student, the device and optionally a course; a beacon that saw it
 * submits a signed proof, and a proof that passes every check becomes an
 * `AttendanceCommand.CreateSignatureAttempt` (method FLASHLIGHT for
 * `buzzLightyear` proofs, else BEACON) — the beacon never decides
 * attendance.
 *
 * @module
 */
import { Effect } from "effect"
import type { Kit } from "./Kit.js"
import { makePresenceTokens } from "./PresenceTokens.js"
import { makeProofs } from "./Proofs.js"

/**
 * Presence tokens and proofs over the kit; see the module comment. Composed
 * of `PresenceTokens.ts` (issuing tokens, reading a proof's token) and
 * `Proofs.ts` (the beacon's checks, the student's, attendance).
 */
export const makePresence = Effect.fnUntraced(function* (kit: Kit) {
  const tokens = yield* makePresenceTokens(kit)
  const { submitProof } = makeProofs(kit, tokens)
  return { presenceToken: tokens.presenceToken, submitProof } as const
})
