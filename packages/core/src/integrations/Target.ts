/**
 * Where a webhook may be sent (issue 21 §1 "SSRF defence"): the rules live
 * in `kernel/OutboundUrl.ts` (shared with the activities channel configs
 * and the accounts SMS sender); this module re-exports them for the
 * integrations module.
 *
 * @module
 */
export * from "../kernel/OutboundUrl.js"
