import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { expect, it } from "vitest"

// The README's main command (`npm start`) runs scripts/demo.mjs; `--exit` stops after onboarding.
/** Runs the demo script asynchronously (keeps the test worker responsive). */
const runDemo = (env: NodeJS.ProcessEnv) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [Path.resolve(__dirname, "../../../scripts/demo.mjs"), "--exit"],
      { env, encoding: "utf8", timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

it("npm start's script initialises, serves, onboards the demo tenant and prints how to log in", async () => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-demo-"))
  try {
    const env = { ...process.env, SIGNET_DEMO_DIR: dir, SIGNET_PORT: String(20000 + Math.floor(Math.random() * 20000)) }
    const r = await runDemo(env)
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toContain("onboarded tenant demo-school with its first admin (201)")
    expect(r.stdout).toContain("admin login: authenticated")
    expect(r.stdout).toMatch(/Tenant admin\s+admin@demo-school\.example\.edu \/ demo-/)
    expect(r.stdout).toMatch(/API docs\s+http:\/\/127\.0\.0\.1:\d+\/docs/)
    expect(r.stdout).toMatch(/Operator token\s+sgop_/)
    expect(r.stdout).toMatch(/Audit chain {4}verified \(\d+ rows\)/)
    // Running it again reuses the installation.
    const again = await runDemo(env)
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain("tenant demo-school already onboarded")
    expect(again.stdout).toContain("admin login: authenticated")
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
})
