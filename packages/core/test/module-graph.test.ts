import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

// Issue 14 "Module graph" (ARCHITECTURE §1 "Module rule"): the kernel imports no module, and
// modules form no cycle. Built from the relative imports of packages/core/src/<module>/**.
const src = Path.resolve(__dirname, "../src")

const filesOf = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesOf(Path.join(dir, e.name)) : e.name.endsWith(".ts") ? [Path.join(dir, e.name)] : []
  )

const moduleOf = (file: string): string | undefined => {
  const rel = Path.relative(src, file).split(Path.sep)
  return rel.length > 1 ? rel[0] : undefined
}

const edges = (): Map<string, Set<string>> => {
  const graph = new Map<string, Set<string>>()
  for (const file of filesOf(src)) {
    const from = moduleOf(file)
    if (!from) continue
    const targets = graph.get(from) ?? new Set<string>()
    graph.set(from, targets)
    const text = Fs.readFileSync(file, "utf8")
    for (const m of text.matchAll(/(?:import|export)\s[^"']*?from\s+["'](\.[^"']+)["']/g)) {
      const to = moduleOf(Path.resolve(Path.dirname(file), m[1]!))
      if (to && to !== from) targets.add(to)
    }
  }
  return graph
}

const cycles = (graph: Map<string, Set<string>>): Array<Array<string>> => {
  const found: Array<Array<string>> = []
  const visit = (node: string, path: Array<string>) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next)
      if (at >= 0) found.push([...path.slice(at), next])
      else visit(next, [...path, next])
    }
  }
  for (const start of graph.keys()) visit(start, [start])
  return found
}

describe("core module graph (issue 14)", () => {
  it("the kernel imports no module", () => {
    expect([...(edges().get("kernel") ?? [])]).toEqual([])
  })

  it("modules form no cycle", () => {
    expect(cycles(edges()).map((c) => c.join(" → "))).toEqual([])
  })

  it("finds a cycle when there is one (the check itself)", () => {
    const graph = new Map([
      ["a", new Set(["b"])],
      ["b", new Set(["a"])]
    ])
    expect(cycles(graph).length).toBeGreaterThan(0)
  })
})
