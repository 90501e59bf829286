/**
 * `@signet/core/api` — kept for existing integrators: the contracts now live in
 * `@signet/contracts` (schemas, HttpApi groups, RPC groups, errors; no SQL, no Node-only
 * module). New code imports `@signet/contracts` directly.
 *
 * @module
 */
export * from "@signet/contracts"
