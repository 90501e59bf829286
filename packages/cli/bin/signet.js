#!/usr/bin/env node
// The `signet` command from the repository (after `npm ci`, which builds dist/).
// `signet --version` alone answers from package.json without loading the command graph
// (issue 23: the repository CLI's --version within 400 ms); everything else runs main.
import { readFileSync } from "node:fs"

if (process.argv.length === 3 && process.argv[2] === "--version") {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  process.stdout.write(`${pkg.version}\n`)
} else {
  import("../dist/main.js").then((m) => m.main())
}
