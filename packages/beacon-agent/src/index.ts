/**
 * `@signet/beacon-agent` — the `signet-beacon` classroom agent (issue 6; docs/beacon-agent.md):
 * device keys and signatures with `@noble/curves` (`Keys`), the flashlight channel codec
 * (`Flashlight`, spec in docs/flashlight.md), the owner-only key and state files (`Files`,
 * `State`), the proof journal (`Journal`), the server protocol client (`Client`), presence
 * token sources (`Input`: the `InputAdapter` interface for stdin, files, HTTP, NFC and BLE
 * readers) and the agent loop (`Agent`).
 *
 * @module
 */
export * as Agent from "./Agent.js"
export * as Client from "./Client.js"
export * as Files from "./Files.js"
export * as Flashlight from "./Flashlight.js"
export * as Input from "./Input.js"
export * as Journal from "./Journal.js"
export * as Keys from "./Keys.js"
export * as State from "./State.js"

/** Agent protocol version the server will negotiate against. */
export const AGENT_PROTOCOL_VERSION = 1
