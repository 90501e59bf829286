/**
 * `signet --version` (issue 23: the repository CLI's `--version` within
 * 400 ms): `bin/signet.js` answers it from package.json without loading the
 * command graph, and that answer must be the one the full CLI gives.
 */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const bin = fileURLToPath(new URL("../bin/signet.js", import.meta.url))
const mainJs = new URL("../dist/main.js", import.meta.url).href
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
const node = (args: ReadonlyArray<string>) =>
  spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })

describe("signet --version", () => {
  it("answers the package's version, the same as the full command line", () => {
    const fast = node([bin, "--version"])
    expect(fast.status).toBe(0)
    expect(fast.stdout).toBe(`${pkg.version}\n`)
    // The full CLI (@effect/cli's built-in --version), through main.
    const full = node([
      "--input-type=module",
      "-e",
      `process.argv = [process.execPath, "signet", "--version"]; import(${JSON.stringify(mainJs)}).then((m) => m.main())`
    ])
    expect(full.status).toBe(0)
    expect(full.stdout.trim()).toBe(fast.stdout.trim())
  })
})
