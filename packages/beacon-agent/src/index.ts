/**
 * `@signet/beacon-agent` — the `signet-beacon` classroom agent.
 *
 * Only the package boundary exists so far: keys, enrolment, proof signing,
 * the flashlight decoder and the offline journal are built by the beacon
 * issue. Nothing here is functional yet.
 *
 * @module
 */

/** Agent protocol version the server will negotiate against. */
export const AGENT_PROTOCOL_VERSION = 1
