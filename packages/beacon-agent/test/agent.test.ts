/**
 * `signet-beacon` end to end: the built CLI (`bin/signet-beacon.js` loads `dist/`: build with
 * `npx tsc -b packages/beacon-agent` first) against a real Signet server started in-process on
 * SQLite. A tenant with a school, a classroom, students with registered devices, a group and a
 * course running now; an admin's enrolment code; then keygen → enroll → status → run with the
 * HTTP input (manual proofs, method BEACON) → run --flashlight (pulse recordings, method
 * FLASHLIGHT) → a crash after journaling (SIGKILL while the server is unreachable) and the
 * recovery on restart → a journal with an already-delivered proof, a stale one and a torn line
 * → run on stdin to its end → decode.
 *
 * Child processes are started asynchronously (never spawnSync: it would block the worker).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { PassThrough } from "node:stream"
import { expect, layer } from "@effect/vitest"
import * as BeaconProtocol from "@signet/contracts/beacon/Protocol"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Either } from "effect"
import { describe, it as vit } from "vitest"
import { newNonce } from "../src/Client.js"
import { encodeText } from "../src/Flashlight.js"
import {
  fileInput,
  type InputAdapter,
  type InputContext,
  type InputItem,
  parseInputSpec,
  stdinInput
} from "../src/Input.js"
import { parseJournal } from "../src/Journal.js"
import { decodeKeyFile, sign } from "../src/Keys.js"

const BIN = Path.resolve(__dirname, "../bin/signet-beacon.js")
const PASSWORD = "correct horse battery staple"
const T = "/api/v1/tenants/bcn-agent"

interface Result {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `signet-beacon …` in `cwd` to completion. */
const beacon = (cwd: string, args: ReadonlyArray<string>, input?: string) =>
  new Promise<Result>((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, encoding: "utf8", timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr })
    )
    if (input !== undefined) child.stdin?.end(input)
  })

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |\.ts:\d+|\.js:\d+/)

/** A long-running `signet-beacon run`, its JSON events collected as they come. */
class RunningAgent {
  readonly events: Array<any> = []
  stderr = ""
  private readonly waiters: Array<() => void> = []
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private readonly child: ChildProcess

  constructor(cwd: string, args: ReadonlyArray<string>) {
    this.child = spawn(process.execPath, [BIN, "run", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] })
    let buffer = ""
    this.child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk
      const lines = buffer.split("\n")
      buffer = lines.pop()!
      for (const line of lines) if (line.trim() !== "") this.events.push(JSON.parse(line))
      for (const w of this.waiters.splice(0)) w()
    })
    this.child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk
      for (const w of this.waiters.splice(0)) w()
    })
    this.exited = new Promise((resolve) =>
      this.child.on("exit", (code, signal) => {
        for (const w of this.waiters.splice(0)) w()
        resolve({ code, signal })
      })
    )
  }

  /** Resolves with the first event matching `p` (already seen or to come). */
  waitFor(p: (e: any) => boolean, what: string): Promise<any> {
    return this.until(() => this.events.find(p), what)
  }

  /** Resolves once standard error matches `re`. */
  waitForStderr(re: RegExp): Promise<unknown> {
    return this.until(() => re.test(this.stderr) || undefined, `stderr ${re}`)
  }

  private async until<A>(probe: () => A | undefined, what: string, timeoutMs = 15_000): Promise<A> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = probe()
      if (found !== undefined) return found
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`agent exited before ${what}; stderr: ${this.stderr}`)
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** The URL of the HTTP input, once it listens. */
  async inputUrl(): Promise<string> {
    return (await this.waitFor((e) => e.event === "listening", "the HTTP input")).url
  }

  async stop(signal: NodeJS.Signals = "SIGTERM") {
    this.child.kill(signal)
    return this.exited
  }
}

/** A TCP port nobody listens on (bound, then released). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = Net.createServer()
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const postText = async (url: string, text: string) => {
  const res = await fetch(url, { method: "POST", body: text, headers: { "content-type": "text/plain" } })
  return { status: res.status, body: (await res.json()) as any }
}

const iso = (offsetMinutes: number) => new Date(Date.now() + offsetMinutes * 60_000).toISOString()
const mode = (file: string) => Fs.statSync(file).mode & 0o777

layer(testServer("sqlite"), { timeout: 120_000, excludeTestServices: true })("signet-beacon", (it) => {
  it.effect(
    "keygen → enroll → status → run (HTTP, flashlight, crash recovery, stdin) → attendance",
    () =>
      Effect.flatMap(TestServer, (server) =>
        Effect.promise(async () => {
          const api = async (method: string, path: string, body?: unknown, auth: string | false = server.token) => {
            const headers: Record<string, string> = {}
            if (auth !== false) headers.authorization = `Bearer ${auth}`
            if (body !== undefined) headers["content-type"] = "application/json"
            const res = await fetch(server.url + path, {
              method,
              headers,
              ...(body !== undefined ? { body: JSON.stringify(body) } : {})
            })
            const text = await res.text()
            if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`)
            return text ? JSON.parse(text) : undefined
          }
          const login = async (email: string) =>
            (await api("POST", `${T}/auth/login`, { login: email, password: PASSWORD }, false)).tokens
              .access_token as string

          // ——— The school: a course running now in classroom 101, three students ———
          await api("POST", "/api/v1/tenants", {
            slug: "bcn-agent",
            name: "Beacon agent",
            admin: { email: "admin@bcn-agent.example.edu", password: PASSWORD, given_name: "A", family_name: "D" }
          })
          const admin = await login("admin@bcn-agent.example.edu")
          const school = await api("POST", `${T}/schools`, { name: "Hugo" }, admin)
          const room = await api("POST", `${T}/classrooms`, { school_id: school.id, name: "101", code: "101" }, admin)
          const students: Array<{ id: string; token: string; device: string }> = []
          for (const n of [1, 2, 3, 4]) {
            const email = `s${n}@bcn-agent.example.edu`
            const device = `phone-${n}`
            const user = await api(
              "POST",
              `${T}/users`,
              {
                email,
                given_name: `S${n}`,
                family_name: "T",
                user_type: "student",
                password: PASSWORD,
                devices: [device]
              },
              admin
            )
            students.push({ id: user.id, token: await login(email), device })
          }
          const group = await api("POST", `${T}/groups`, { school_id: school.id, name: "G" }, admin)
          await api("PUT", `${T}/groups/${group.id}/members`, { student_ids: students.map((s) => s.id) }, admin)
          const course = await api(
            "POST",
            `${T}/courses`,
            {
              school_id: school.id,
              name: "Maths",
              start_at: iso(-2),
              end_at: iso(58),
              classroom_ids: [room.id],
              group_ids: [group.id]
            },
            admin
          )
          const { code } = await api("POST", `${T}/beacons/enrolment-codes`, { classroom_id: room.id }, admin)
          const presenceToken = async (n: number) =>
            (await api("POST", `${T}/me/presence-token`, { device_identifier: students[n].device }, students[n].token))
              .token as string
          const rollEntry = async (n: number, timeoutMs = 10_000) => {
            const deadline = Date.now() + timeoutMs
            for (;;) {
              const roll = await api("GET", `${T}/courses/${course.id}/roll`, undefined, admin)
              const entry = roll.entries.find((e: any) => e.student_id === students[n].id)
              if (entry?.result === "PRESENT" || Date.now() > deadline) return entry
              await new Promise((r) => setTimeout(r, 200))
            }
          }

          const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-beacon-"))
          try {
            // ——— keygen: 0600, no overwrite without --force ———
            const keygen = await beacon(dir, ["keygen", "--alg", "ES256", "--json"])
            expect(keygen.code, keygen.stderr).toBe(0)
            expect(JSON.parse(keygen.stdout)).toMatchObject({ alg: "ES256", public_jwk: { kty: "EC", crv: "P-256" } })
            const keyFile = Path.join(dir, "beacon-key.json")
            expect(mode(keyFile)).toBe(0o600)
            // Independent commands run side by side (each is a Node start-up).
            Fs.copyFileSync(keyFile, Path.join(dir, "loose-key.json"))
            Fs.chmodSync(Path.join(dir, "loose-key.json"), 0o644)
            const [again, loose, enrolled] = await Promise.all([
              beacon(dir, ["keygen"]),
              beacon(dir, ["enroll", "--url", server.url, "--code", code, "--key", "loose-key.json"]),
              beacon(dir, ["enroll", "--url", `${server.url}/`, "--code", code, "--json"])
            ])
            expect(again.code).toBe(1)
            expect(again.stderr.trim()).toBe(
              "signet-beacon: key file ./beacon-key.json already exists; use --force to replace it"
            )

            // ——— enroll: a key readable by others is refused; then enrol; a used code is refused ———
            expect(loose.code).toBe(1)
            expect(loose.stderr).toContain("key file loose-key.json is readable by others (mode 644)")
            expect(enrolled.code, enrolled.stderr).toBe(0)
            const info = JSON.parse(enrolled.stdout)
            expect(info).toMatchObject({ tenant: "bcn-agent", classroom_id: room.id, url: server.url })
            const stateFile = Path.join(dir, "beacon-state.json")
            expect(mode(stateFile)).toBe(0o600)
            expect(JSON.parse(Fs.readFileSync(stateFile, "utf8"))).toMatchObject({
              url: server.url,
              tenant: "bcn-agent",
              beacon_id: info.beacon_id,
              classroom_id: room.id,
              alg: "ES256",
              counter: -1
            })
            const [used, status] = await Promise.all([
              beacon(dir, ["enroll", "--url", server.url, "--code", code, "--state", "other-state.json"]),
              beacon(dir, ["status", "--json"])
            ])
            expect(used.code).toBe(1)
            expect(used.stderr).toMatch(/^signet-beacon: enrolment refused: .*\(USED_CODE, HTTP 401\)/)
            noStack(used.stderr)
            expect(Fs.existsSync(Path.join(dir, "other-state.json"))).toBe(false)

            // ——— status: authenticates, measures the drift ———
            expect(status.code, status.stderr).toBe(0)
            const st = JSON.parse(status.stdout)
            expect(st).toMatchObject({
              beacon_id: info.beacon_id,
              last_counter: -1,
              undelivered: 0,
              auth: { ok: true }
            })
            expect(Math.abs(st.auth.clock_drift_ms)).toBeLessThan(5_000)

            // ——— run --input http: a manual proof → BEACON; a forged token → refused ———
            const manual = new RunningAgent(dir, ["--input", "http:0", "--telemetry-interval", "1"])
            const manualUrl = await manual.inputUrl()
            const first = await postText(manualUrl, await presenceToken(0))
            expect(first).toMatchObject({ status: 202, body: { status: "journaled", counter: 0 } })
            const accepted = await manual.waitFor((e) => e.event === "proof" && e.counter === 0, "proof 0")
            expect(accepted).toMatchObject({ outcome: "accepted", status: "ACCEPTED", course_id: course.id })
            expect(await rollEntry(0)).toMatchObject({ result: "PRESENT", method: "BEACON" })
            expect((await postText(manualUrl, "forged.token.here")).status).toBe(202)
            const forged = await manual.waitFor((e) => e.event === "proof" && e.counter === 1, "proof 1")
            expect(forged).toMatchObject({
              outcome: "refused",
              reason_code: "PRESENCE_TOKEN_INVALID",
              http_status: 422
            })
            await manual.waitFor((e) => e.event === "telemetry", "telemetry")
            expect(await manual.stop("SIGTERM")).toEqual({ code: 0, signal: null })
            expect(manual.events.at(-1)).toMatchObject({ event: "stopped", counter: 1, queue_depth: 0 })
            const telemetry = await api("GET", `${T}/beacons/${info.beacon_id}/telemetry`, undefined, admin)
            expect(telemetry.length).toBeGreaterThan(0)
            for (const k of ["clock_drift_ms", "queue_depth", "uptime_s"]) expect(typeof telemetry[0][k]).toBe("number")

            // ——— run --flashlight: pulse recordings → FLASHLIGHT; a bad recording is rejected ———
            const light = new RunningAgent(dir, ["--input", "http:0", "--flashlight", "--telemetry-interval", "0"])
            const lightUrl = await light.inputUrl()
            const bad = await postText(lightUrl, "+10,-10,+10")
            expect(bad).toMatchObject({ status: 422, body: { status: "rejected", reason: "NoPreamble" } })
            const pulses = encodeText(new TextEncoder().encode(await presenceToken(1)))
            const flashed = await postText(lightUrl, pulses)
            expect(flashed).toMatchObject({ status: 202, body: { status: "journaled", counter: 2 } })
            expect(await light.waitFor((e) => e.event === "proof" && e.counter === 2, "proof 2")).toMatchObject({
              outcome: "accepted"
            })
            expect(await rollEntry(1)).toMatchObject({ result: "PRESENT", method: "FLASHLIGHT" })
            expect((await light.stop("SIGINT")).code).toBe(0)

            // ——— Crash: journaled while the server is unreachable, SIGKILL, restart ———
            const down = `http://127.0.0.1:${await closedPort()}`
            const offline = new RunningAgent(dir, ["--input", "http:0", "--url", down, "--telemetry-interval", "0"])
            const offlineUrl = await offline.inputUrl()
            const queued = await postText(offlineUrl, await presenceToken(2))
            expect(queued).toMatchObject({ status: 202, body: { status: "journaled", counter: 3 } })
            await offline.waitForStderr(/proof 3: cannot authenticate: cannot reach .*; retrying in/)
            expect(await offline.stop("SIGKILL")).toMatchObject({ signal: "SIGKILL" })
            expect(offline.events.some((e) => e.event === "proof")).toBe(false)
            const journalFile = Path.join(dir, "beacon-journal.jsonl")
            expect(mode(journalFile)).toBe(0o600)
            const crashed = parseJournal(Fs.readFileSync(journalFile, "utf8"))
            expect(crashed.pending.map((p) => p.counter)).toEqual([3])
            expect(JSON.parse(Fs.readFileSync(stateFile, "utf8")).counter).toBe(3)

            const recovery = new RunningAgent(dir, ["--input", "http:0", "--telemetry-interval", "0"])
            expect(await recovery.waitFor((e) => e.event === "started", "start")).toMatchObject({
              counter: 3,
              queue_depth: 1
            })
            expect(
              await recovery.waitFor((e) => e.event === "proof" && e.counter === 3, "resent proof 3")
            ).toMatchObject({ outcome: "accepted", resent: true })
            expect(await rollEntry(2)).toMatchObject({ result: "PRESENT", method: "BEACON" })
            // The next proof continues after the recovered counter.
            const next = await postText(await recovery.inputUrl(), await presenceToken(3))
            expect(next).toMatchObject({ status: 202, body: { counter: 4 } })
            await recovery.waitFor((e) => e.event === "proof" && e.counter === 4, "proof 4")
            expect((await recovery.stop()).code).toBe(0)
            expect(recovery.events.filter((e) => e.event === "proof").map((e) => e.counter)).toEqual([3, 4])
            expect(JSON.parse(Fs.readFileSync(stateFile, "utf8")).counter).toBe(4)
            const after = parseJournal(Fs.readFileSync(journalFile, "utf8"))
            expect(after).toMatchObject({ pending: [], lastCounter: 4 })
            const registry = await api("GET", `${T}/beacons/${info.beacon_id}`, undefined, admin)
            expect(registry).toMatchObject({ status: "active", last_counter: 4 })

            // ——— A journal left by a crash: proof 3 without its done record (sent, answer lost), a
            // stale proof 5 and a torn last line ———
            const records = Fs.readFileSync(journalFile, "utf8")
              .split("\n")
              .filter((l) => l !== "")
              .map((l) => JSON.parse(l))
            const record3 = records.find((r) => r.type === "proof" && r.proof.counter === 3)
            Fs.writeFileSync(
              journalFile,
              records
                .filter((r) => !(r.type === "done" && r.counter === 3))
                .map((r) => `${JSON.stringify(r)}\n`)
                .join("")
            )
            const { signature: _, ...fields3 } = record3.proof
            const staleFields = { ...fields3, counter: 5, nonce: newNonce(), proof_time_ms: Date.now() - 120_000 }
            const pair = Either.getOrThrow(decodeKeyFile(Fs.readFileSync(keyFile, "utf8")))
            const stale = {
              ...staleFields,
              signature: BeaconProtocol.b64url(
                sign(pair.alg, pair.privateKey, BeaconProtocol.proofMessage(staleFields))
              )
            }
            Fs.appendFileSync(
              journalFile,
              `${JSON.stringify({ type: "proof", at_ms: Date.now(), proof: stale })}\n{"type":"pro`
            )

            // ——— run on stdin: resends the journal (marked done on a final refusal), delivers, exits at the end ———
            const piped = await beacon(dir, ["run", "--telemetry-interval", "0"], "# a comment\n\nnot-a-jwt\n")
            expect(piped.code, piped.stderr).toBe(0)
            expect(piped.stderr).toContain("ignored 1 unreadable line(s)")
            const pipedEvents = piped.stdout
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l))
            expect(pipedEvents[0]).toMatchObject({ event: "started", counter: 5, queue_depth: 2 })
            const proofs = pipedEvents.filter((e) => e.event === "proof")
            expect(proofs.map((e) => [e.counter, e.outcome, e.resent ?? false])).toEqual([
              [3, "refused", true],
              [5, "refused", true],
              [6, "refused", false]
            ])
            // Proof 3 was already accepted: REPLAYED_PROOF (STALE_PROOF on a machine slower than 30 s).
            expect(proofs[0].reason_code).toMatch(/^(REPLAYED_PROOF|STALE_PROOF)$/)
            expect(proofs[1].reason_code).toBe("STALE_PROOF")
            expect(proofs[2].reason_code).toBe("PRESENCE_TOKEN_INVALID")
            expect(pipedEvents.at(-1)).toMatchObject({ event: "stopped", counter: 6, queue_depth: 0 })
            expect(parseJournal(Fs.readFileSync(journalFile, "utf8")).pending).toEqual([])

            const finalStatus = await beacon(dir, ["status"])
            expect(finalStatus.code).toBe(0)
            expect(finalStatus.stdout).toMatch(
              /last counter 6\nundelivered {2}0 .*\nauth {9}OK \(clock drift [+-]\d+ ms\)/
            )
          } finally {
            Fs.rmSync(dir, { recursive: true, force: true })
          }
        })
      ),
    // A dozen agent processes started in turn: generous, so a loaded machine cannot fail it (issue 15 §6).
    300_000
  )
})

describe("signet-beacon decode", () => {
  vit("prints the token of a recording; exits 1 with the decoder's reason", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-beacon-decode-"))
    try {
      const token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
      Fs.writeFileSync(Path.join(dir, "ok.txt"), `# recorded by the light sensor\n${encodeText(Buffer.from(token))}`)
      const lines = encodeText(Buffer.from(token)).split("\n")
      Fs.writeFileSync(Path.join(dir, "cut.txt"), lines.slice(0, lines.length - 3).join("\n"))
      Fs.writeFileSync(Path.join(dir, "text.txt"), "+10, on")
      const [ok, cut, text, missing] = await Promise.all([
        beacon(dir, ["decode", "ok.txt"]),
        beacon(dir, ["decode", "cut.txt"]),
        beacon(dir, ["decode", "text.txt"]),
        beacon(dir, ["decode", "nope.txt"])
      ])
      expect(ok).toMatchObject({ code: 0, stdout: `${token}\n` })
      expect(cut.code).toBe(1)
      expect(cut.stderr).toMatch(/^signet-beacon: Truncated: /)
      expect(text.code).toBe(1)
      expect(text.stderr).toMatch(/^signet-beacon: BadText: line 1, column 6/)
      expect(missing).toMatchObject({ code: 1, stderr: "signet-beacon: cannot read nope.txt: no such file\n" })
      noStack(cut.stderr + text.stderr + missing.stderr)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("input adapters and journal parsing", () => {
  const collect = () => {
    const items: Array<InputItem> = []
    const controller = new AbortController()
    const ctx: InputContext = {
      onItem: async (item) => {
        items.push(item)
        return { status: "journaled", counter: items.length, nonce: "n" }
      },
      signal: controller.signal,
      report: () => undefined
    }
    return { items, controller, ctx }
  }
  const until = async (p: () => boolean, timeoutMs = 5_000) => {
    const deadline = Date.now() + timeoutMs
    while (!p()) {
      if (Date.now() > deadline) throw new Error("timed out")
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  vit("stdin: one token per line, or blank-line separated recordings with --flashlight", async () => {
    const lines = collect()
    const stream = new PassThrough()
    const done = stdinInput("line", stream).run(lines.ctx)
    stream.end("# comment\n tok-1 \n\r\ntok-2\r\ntok-3")
    await done
    expect(lines.items.map((i) => [i.text, i.origin])).toEqual([
      ["tok-1", "stdin:2"],
      ["tok-2", "stdin:4"],
      ["tok-3", "stdin:5"]
    ])

    const blocks = collect()
    const pulses = new PassThrough()
    const ended = stdinInput("block", pulses).run(blocks.ctx)
    pulses.end("# first\n+10,-10\n+10\n\n\n+20,-20\n")
    await ended
    expect(blocks.items.map((i) => [i.text, i.origin])).toEqual([
      ["# first\n+10,-10\n+10", "stdin:1"],
      ["+20,-20", "stdin:6"]
    ])
  })

  vit("file: read from the start, followed as it grows, re-read when truncated", async () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-beacon-file-"))
    try {
      const file = Path.join(dir, "tokens.txt")
      Fs.writeFileSync(file, "a\n")
      const c = collect()
      const running = fileInput(file, "line").run(c.ctx)
      await until(() => c.items.length === 1)
      Fs.appendFileSync(file, "b\nc") // "c" has no newline yet: taken after a quiet second
      await until(() => c.items.length === 2)
      expect(c.items.map((i) => i.text)).toEqual(["a", "b"])
      await until(() => c.items.length === 3)
      Fs.writeFileSync(file, "d\n") // truncated and rewritten
      await until(() => c.items.length === 4)
      c.controller.abort()
      await running
      expect(c.items.map((i) => [i.text, i.origin])).toEqual([
        ["a", `file:${file}:1`],
        ["b", `file:${file}:2`],
        ["c", `file:${file}:3`],
        ["d", `file:${file}:1`]
      ])
      await expect(fileInput(Path.join(dir, "none"), "line").run(collect().ctx)).rejects.toThrow("not found")
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  vit("--input specs", () => {
    expect((parseInputSpec("http:8765", "line") as InputAdapter).name).toBe("http:8765")
    expect((parseInputSpec("file:/tmp/x", "block") as InputAdapter).name).toBe("file:/tmp/x")
    expect((parseInputSpec("stdin", "line") as InputAdapter).name).toBe("stdin")
    expect(parseInputSpec("http:70000", "line")).toMatch(/port must be/)
    expect(parseInputSpec("nfc", "line")).toMatch(/expected stdin, file:<path> or http:<port>/)
  })

  vit("journal: undelivered proofs by counter, done records by nonce, torn lines ignored", () => {
    const proof = (counter: number, nonce: string) =>
      JSON.stringify({
        type: "proof",
        at_ms: 1,
        proof: {
          beacon_id: "b",
          classroom_id: "c",
          presence_token: "t",
          proof_type: "manual",
          proof_time_ms: 1,
          counter,
          nonce,
          signature: "s"
        }
      })
    const done = (counter: number, nonce: string) =>
      JSON.stringify({
        type: "done",
        at_ms: 2,
        counter,
        nonce,
        outcome: "accepted",
        reason_code: null,
        http_status: 200
      })
    const parsed = parseJournal(
      [proof(7, "n7"), proof(5, "n5"), done(5, "n5"), proof(6, "n6"), `{"type":"proof","at_ms":3,"pr`].join("\n")
    )
    expect(parsed.pending.map((p) => p.counter)).toEqual([6, 7])
    expect(parsed).toMatchObject({ lastCounter: 7, records: 4, skipped: 1 })
    expect(parseJournal("")).toEqual({ pending: [], lastCounter: -1, records: 0, skipped: 0 })
  })
})
