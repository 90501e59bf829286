/**
 * Issue 14 "core is the security boundary": the server only adapts transports. Its REST and RPC
 * handler files hold no domain logic — no `Effect.gen` block, no SQL — so every rule lives in
 * core's facades, where an in-process embedder meets it too.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { describe, expect, it } from "vitest"

const src = Path.resolve(__dirname, "../src")
const handlerFiles = ["http", "rpc"].flatMap((dir) =>
  Fs.readdirSync(Path.join(src, dir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => Path.join(dir, f))
)

/** Patterns that mean domain logic (or storage) in a handler file. */
const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/Effect\.gen\(/, "an Effect.gen block"],
  [/\bsql`/, "SQL"],
  [/@effect\/sql/, "the SQL client"],
  [/\bDb\.\w+/, "database plumbing"]
]

describe("server handler files (issue 14)", () => {
  it("exist", () => {
    expect(handlerFiles.length).toBeGreaterThan(10)
  })

  for (const file of handlerFiles) {
    it(`${file} holds no domain logic`, () => {
      const text = Fs.readFileSync(Path.join(src, file), "utf8")
      const found = FORBIDDEN.filter(([pattern]) => pattern.test(text)).map(([, what]) => what)
      expect(found).toEqual([])
    })
  }

  it("the server's own permission guards are gone (core's policyUse is the one check)", () => {
    const auth = Fs.readFileSync(Path.join(src, "Auth.ts"), "utf8")
    for (const name of ["requirePermission", "permissionCovers", "requireTenantUser", "guarded"])
      expect(auth).not.toMatch(new RegExp(`export const ${name}\\b`))
  })
})
