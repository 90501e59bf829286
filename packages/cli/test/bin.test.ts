/**
 * `bin/signet.js`'s choice of what to run (scripts/bundle-cli.mjs, issue 23:
 * the repository CLI's start-up): the one-file bundle while it is newer than
 * every compiled file of the packages it holds, else the compiled
 * `dist/main.js`. Run on a copy of the launcher in a throwaway tree whose
 * `main` modules say which one ran, so the repository's own build is not touched.
 */
import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { afterEach, beforeEach, describe, expect, it } from "vitest"

const launcher = fileURLToPath(new URL("../bin/signet.js", import.meta.url))

let root = ""
const file = (rel: string, text: string, mtime: Date) => {
  const path = Path.join(root, rel)
  Fs.mkdirSync(Path.dirname(path), { recursive: true })
  Fs.writeFileSync(path, text)
  Fs.utimesSync(path, mtime, mtime)
}
const main = (says: string) => `export const main = () => console.log(${JSON.stringify(says)})\n`
const run = (env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [Path.join(root, "packages/cli/bin/signet.js"), "tenant", "list"], {
    encoding: "utf8",
    env: { ...process.env, ...env }
  })
  expect(r.status, r.stderr).toBe(0)
  return r.stdout.trim()
}

const EARLIER = new Date("2026-01-01T00:00:00Z")
const LATER = new Date("2026-01-02T00:00:00Z")

describe("bin/signet.js", () => {
  beforeEach(() => {
    root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bin-"))
    file("packages/cli/package.json", '{ "type": "module" }\n', EARLIER)
    Fs.mkdirSync(Path.join(root, "packages/cli/bin"), { recursive: true })
    Fs.copyFileSync(launcher, Path.join(root, "packages/cli/bin/signet.js"))
    file("packages/cli/dist/main.js", main("compiled"), EARLIER)
    file("packages/core/dist/attendance/Reports.js", "export {}\n", EARLIER)
  })
  afterEach(() => Fs.rmSync(root, { recursive: true, force: true }))

  it("runs the bundle when it is newer than every compiled file", () => {
    file("packages/cli/dist/signet.bundle.mjs", main("bundle"), LATER)
    expect(run()).toBe("bundle")
  })

  it("runs the compiled modules when a compiled file of a bundled package is newer than the bundle", () => {
    file("packages/cli/dist/signet.bundle.mjs", main("bundle"), EARLIER)
    file("packages/core/dist/attendance/Reports.js", "export {}\n", LATER)
    expect(run()).toBe("compiled")
  })

  it("runs the compiled modules when there is no bundle", () => {
    expect(run()).toBe("compiled")
  })

  it("runs the compiled modules when SIGNET_CLI_BUNDLE=0, even with a fresh bundle", () => {
    file("packages/cli/dist/signet.bundle.mjs", main("bundle"), LATER)
    expect(run({ SIGNET_CLI_BUNDLE: "0" })).toBe("compiled")
  })
})
