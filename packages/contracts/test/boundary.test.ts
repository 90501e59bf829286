import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, it } from "vitest"

// Issue 14 "Packages": @signet/contracts holds what crosses the wire and nothing else, so the
// SDK, the beacon agent and browsers can depend on it alone — no SQL driver, no Node built-in,
// no other Signet package. Every import of every source file is checked.
const root = Path.resolve(__dirname, "..")
const filesOf = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesOf(Path.join(dir, e.name)) : e.name.endsWith(".ts") ? [Path.join(dir, e.name)] : []
  )

it("@signet/contracts imports only effect, @effect/platform, @effect/rpc, uuid and canonicalize", () => {
  const external = new Set<string>()
  const files = filesOf(Path.join(root, "src"))
  for (const file of files) {
    const text = Fs.readFileSync(file, "utf8")
    for (const m of text.matchAll(/(?:import|export)\s[^"']*?from\s+["']([^"']+)["']/g)) {
      if (!m[1]!.startsWith("."))
        external.add(
          m[1]!
            .split("/")
            .slice(0, m[1]!.startsWith("@") ? 2 : 1)
            .join("/")
        )
    }
  }
  expect(files.length).toBeGreaterThan(20)
  expect([...external].sort()).toEqual(["@effect/platform", "@effect/rpc", "canonicalize", "effect", "uuid"])
})

it("its package declares exactly those dependencies", () => {
  const pkg = JSON.parse(Fs.readFileSync(Path.join(root, "package.json"), "utf8"))
  expect(Object.keys(pkg.dependencies).sort()).toEqual([
    "@effect/platform",
    "@effect/rpc",
    "canonicalize",
    "effect",
    "uuid"
  ])
})
