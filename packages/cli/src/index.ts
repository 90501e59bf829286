/**
 * `@signet/cli` — the `signet` command as a library.
 *
 * @module
 */
export { main, run, signetCommand, subcommandNames } from "./main.js"
export { ExitCode } from "./Runtime.js"
