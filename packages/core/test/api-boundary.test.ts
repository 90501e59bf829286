import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, it } from "vitest"

// @signet/core/api must stay contracts-only so @signet/sdk (and browsers) can use it:
// walk its relative import graph and refuse SQL drivers and Node built-ins.
it("@signet/core/api imports no SQL and no Node-only module", () => {
  const src = Path.resolve(__dirname, "../src")
  const seen = new Set<string>()
  const external = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = Fs.readFileSync(file, "utf8")
    for (const m of text.matchAll(/(?:import|export)\s[^"']*?from\s+["']([^"']+)["']/g)) {
      const spec = m[1]!
      if (spec.startsWith(".")) visit(Path.resolve(Path.dirname(file), spec.replace(/\.js$/, ".ts")))
      else external.add(spec)
    }
  }
  visit(Path.join(src, "api.ts"))
  expect(seen.size).toBeGreaterThan(5)
  const forbidden = [...external].filter((s) =>
    /^(node:|pg$|better-sqlite3|@effect\/sql|@effect\/platform-node|fs$|path$|crypto$)/.test(s)
  )
  expect(forbidden).toEqual([])
})
