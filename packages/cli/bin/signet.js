#!/usr/bin/env node
// The `signet` command from the repository (after `npm ci`, which builds dist/).
// `signet --version` alone answers from package.json without loading the command graph
// (issue 23: the repository CLI's --version within 400 ms). Everything else runs main from
// dist/signet.bundle.mjs (scripts/bundle-cli.mjs: one file instead of ~1,900, about half the
// start-up) while that bundle is newer than every compiled file it holds, else from the
// compiled dist/main.js (after a `tsc -b` without the bundle step); SIGNET_CLI_BUNDLE=0
// always takes dist/main.js.
import { readdirSync, readFileSync, statSync } from "node:fs"

/** The newest modification time (ms) of a `.js` file under `dir`; 0 when there is none. */
const newest = (dir) => {
  let t = 0
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`
    if (e.isDirectory()) t = Math.max(t, newest(path))
    else if (e.name.endsWith(".js")) t = Math.max(t, statSync(path).mtimeMs)
  }
  return t
}

/** The bundle's URL when it exists and no compiled file of the packages it holds is newer. */
const freshBundle = () => {
  if (process.env.SIGNET_CLI_BUNDLE === "0") return undefined
  const bundle = new URL("../dist/signet.bundle.mjs", import.meta.url)
  let built
  try {
    built = statSync(bundle).mtimeMs
  } catch {
    return undefined
  }
  for (const pkg of ["contracts", "core", "server", "sdk", "cli"]) {
    const dist = new URL(`../../${pkg}/dist`, import.meta.url).pathname
    if (newest(dist) > built) return undefined
  }
  return bundle.href
}

if (process.argv.length === 3 && process.argv[2] === "--version") {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  process.stdout.write(`${pkg.version}\n`)
} else {
  import(freshBundle() ?? "../dist/main.js").then((m) => m.main())
}
