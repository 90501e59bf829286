import { execFile } from "node:child_process"
import * as Path from "node:path"
import { expect, it } from "vitest"

/** Runs an example script asynchronously, as its doc comment says to. */
const example = (name: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
    )
    execFile(
      process.execPath,
      [Path.resolve(__dirname, "..", name)],
      { env, encoding: "utf8", timeout: 90_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
  })

it("(a) embeds @signet/core on its own SQLite file and prints a course's roll", async () => {
  const r = await example("embed-core.mjs")
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain("Ada signed by QR: ACCEPTED")
  expect(r.stdout).toContain('Roll of Mathematics: {"PRESENT":2,"LATE":0,"ABSENT":0,"EXCUSED":0,"UNMARKED":1}')
  expect(r.stdout).toMatch(/alan\s+PRESENT \(TEACHER\)/)
})

it("(b) integrates through the SDK: school, OneRoster import, a course's attendance, tagged errors", async () => {
  const r = await example("sdk-integration.mjs")
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain("roster: 26 users, 2 classes, 24 enrolments")
  expect(r.stdout).toMatch(/students enrolled, counts \{"PRESENT":0,"LATE":0,"ABSENT":0,"EXCUSED":0,"UNMARKED":\d+\}/)
  expect(r.stdout).toContain("a duplicate school code rejects with Conflict")
})

it("(c) simulates a classroom: phones flash presence tokens at a real signet-beacon, which signs and delivers them", async () => {
  const r = await example("classroom.mjs")
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain(
    'roll of Physics: {"PRESENT":12,"LATE":0,"ABSENT":0,"EXCUSED":0,"UNMARKED":0}; 12 signed over the flashlight channel'
  )
  expect(r.stdout).toMatch(/beacon active, last counter 11, clock drift -?\d+ ms/)
})

it("(d) receives Signet's webhooks: a ping and a school event, each verified with standardwebhooks (issue 21)", async () => {
  const r = await example("webhook-receiver.mjs")
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain("ping answered HTTP 204")
  expect(r.stdout).toMatch(/verified signet\.integrations\.endpoint\.ping/)
  expect(r.stdout).toContain("school event delivered: signet.academics.school.created")
  expect(r.stdout).not.toContain("refused a request")
})

it("(e) a second application signs a user in with Signet's OpenID Connect provider (issue 19 §1)", async () => {
  const r = await example("oidc-client/index.mjs")
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain("Signet asks the user to sign in")
  expect(r.stdout).toContain("consent page: Library asks to:")
  expect(r.stdout).toMatch(/Signed in as Ada Lovelace <admin@oidc-[a-z0-9]+\.example\.edu>, admin, roles admin/)
})
