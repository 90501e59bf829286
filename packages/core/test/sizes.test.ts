import * as Fs from "node:fs"
import * as Path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

// Issue 14 §3 "Split the large services along the domain's seams": no source file over ~600
// lines and no function over ~150, in every package's `src` — factory closures included
// (`makeRoles = (kit) => { …methods…; return {…} }` counts as one function).
const packages = Path.resolve(__dirname, "../..")
const MAX_FILE_LINES = 600
const MAX_FUNCTION_LINES = 150

const sources = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(Path.join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.endsWith(".d.ts")
        ? [Path.join(dir, e.name)]
        : []
  )

const allSources = (): Array<string> =>
  Fs.readdirSync(packages)
    .map((p) => Path.join(packages, p, "src"))
    .filter((dir) => Fs.existsSync(dir))
    .flatMap(sources)

/** Functions of `text` longer than `max` lines, as `file:line (lines)`. */
const longFunctions = (file: string, text: string, max: number): Array<string> => {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: Array<string> = []
  const visit = (node: ts.Node) => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isMethodDeclaration(node)
    ) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      if (end - start + 1 > max) found.push(`${Path.relative(packages, file)}:${start + 1} (${end - start + 1} lines)`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe("source sizes (issue 14 §3)", () => {
  it(`no source file is over ${MAX_FILE_LINES} lines`, () => {
    const big = allSources()
      .map((f) => [Path.relative(packages, f), Fs.readFileSync(f, "utf8").split("\n").length] as const)
      .filter(([, lines]) => lines > MAX_FILE_LINES)
    expect(big).toEqual([])
  })

  it(`no function is over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = allSources().flatMap((f) => longFunctions(f, Fs.readFileSync(f, "utf8"), MAX_FUNCTION_LINES))
    expect(long).toEqual([])
  })

  it("finds a long function when there is one (the check itself)", () => {
    const body = Array.from({ length: 200 }, (_, i) => `  const x${i} = ${i}`).join("\n")
    expect(longFunctions("/x/y.ts", `export const f = () => {\n${body}\n}\n`, MAX_FUNCTION_LINES)).toHaveLength(1)
    expect(longFunctions("/x/y.ts", "export const g = () => 1\n", MAX_FUNCTION_LINES)).toEqual([])
  })
})
