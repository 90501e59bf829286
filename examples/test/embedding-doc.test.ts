/**
 * Issue 14 "Embedding": docs/embedding.md's integration runs verbatim — its ```js block is
 * written next to the repository's node_modules and run with Node, and it prints what the
 * document says it prints.
 */
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { expect, it } from "vitest"

const repo = Path.resolve(__dirname, "../..")
const doc = Fs.readFileSync(Path.join(repo, "docs/embedding.md"), "utf8")
const blocks = [...doc.matchAll(/```(\w*)\n([\s\S]*?)```/g)]

it("docs/embedding.md's integration runs as written and prints what the document says", async () => {
  const code = blocks.find(([, lang]) => lang === "js")?.[2]
  const printed = blocks.find(([, lang, body]) => lang === "" && body!.startsWith("login:"))?.[2]
  expect(code).toBeDefined()
  expect(printed).toBeDefined()
  const dir = Fs.mkdtempSync(Path.join(repo, "node_modules", ".embedding-doc-"))
  try {
    const file = Path.join(dir, "embedding.mjs")
    Fs.writeFileSync(file, code!)
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
    )
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [file], { env, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, stdout, stderr })
      )
    )
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe(printed!.trim())
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
}, 180_000)
