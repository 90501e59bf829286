/**
 * `@signet/cli` — the `signet` command as a library.
 *
 * @module
 */
export { main, run, signet } from "./main.js"
export { ExitCode } from "./Runtime.js"
