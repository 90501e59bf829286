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
      { env, encoding: "utf8", timeout: 150_000 },
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
    expect(r.stdout).toMatch(/Web app\s+http:\/\/127\.0\.0\.1:\d+\/t\/demo-school\/login/)
    expect(r.stdout).toMatch(/teacher\s+\S+@demo-school\.example\.edu \/ Day-\S+/)
    expect(r.stdout).toMatch(/student\s+\S+@demo-school\.example\.edu \/ Day-\S+/)
    expect(r.stdout).toMatch(/Operator token\s+sgop_/)
    expect(r.stdout).toMatch(/Audit chain {4}verified \(\d+ rows\)/)
    // The school day: imports, beacons, signatures, roll calls, an excuse, the close job and the report.
    expect(r.stdout).toContain("roster imported (OneRoster 1.1): 1 school, 93 users, 3 classes, 90 new enrolments")
    expect(r.stdout).toContain("timetable imported (iCalendar): 3 courses in rooms R101, R102, R103")
    expect(r.stdout).toContain("beacons: 3 enrolled and authenticated")
    expect(r.stdout).toContain("period 2: 25 students signed through the R102 beacon (flashlight channel), 2 by QR")
    expect(r.stdout).toContain("period 3: 4 latecomers signed by QR (4 LATE); 2 never came")
    expect(r.stdout).toContain("close: 1 course(s) closed, 1 student(s) marked absent")
    // Per course: present, late, absent, excused, still open.
    expect(r.stdout).toMatch(/Period 1 — .+ \(closed\)\s+22\s+1\s+1\s+1\s+0\n/)
    expect(r.stdout).toMatch(/Period 2 — .+\s+27\s+0\s+0\s+0\s+3\n/)
    expect(r.stdout).toMatch(/Period 3 — .+\s+29\s+4\s+0\s+0\s+2\n/)
    const csv = /CSV: (.+\.csv)/.exec(r.stdout)![1]!
    const rows = Fs.readFileSync(csv, "utf8").trim().split("\n")
    expect(rows[0]).toBe("student_id,email,name,courses,present,late,absent,excused,unmarked,rate")
    expect(rows).toHaveLength(91)
    expect(r.stdout).toMatch(/the whole run took (\d+\.\d) s/)
    expect(Number(/the whole run took (\d+\.\d) s/.exec(r.stdout)![1])).toBeLessThan(60)
    // Running it again reuses the installation.
    const again = await runDemo(env)
    expect(again.status, again.stderr).toBe(0)
    expect(again.stdout).toContain("tenant demo-school already onboarded")
    expect(again.stdout).toContain("admin login: authenticated")
    expect(again.stdout).toMatch(/Period 2 — .+\s+27\s+0\s+0\s+0\s+3\n/)
  } finally {
    Fs.rmSync(dir, { recursive: true, force: true })
  }
  // Two whole runs; the suite's browser tests may share the machine's two cores meanwhile.
}, 360_000)
