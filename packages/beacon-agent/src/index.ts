/**
 * `@signet/beacon-agent` — the `signet-beacon` classroom agent (issue 6):
 * device keys and signatures with `@noble/curves` (`Keys`), the flashlight
 * channel codec (`Flashlight`, spec in docs/flashlight.md).
 *
 * @module
 */
export * as Flashlight from "./Flashlight.js"
export * as Keys from "./Keys.js"

/** Agent protocol version the server will negotiate against. */
export const AGENT_PROTOCOL_VERSION = 1
