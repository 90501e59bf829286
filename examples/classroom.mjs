#!/usr/bin/env node
/**
 * Example (c): a classroom simulation — N virtual student phones and one
 * `signet-beacon` agent signing over the flashlight channel.
 *
 *   node examples/classroom.mjs [--students 12]
 *
 * Starts a throwaway `signet serve`, sets up a class and a course running
 * now in Room 101, enrols a beacon there with `signet-beacon keygen` and
 * `enroll`, and runs `signet-beacon run --flashlight --input http:0`. Each
 * phone logs in, asks for its presence token, and "flashes" it: the pulse
 * recording (docs/flashlight.md) goes to the beacon's light-sensor input,
 * which decodes it, signs a proof and delivers it. Prints the roll.
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Flashlight } from "@signet/beacon-agent"

const here = Path.dirname(fileURLToPath(import.meta.url))
const signetBin = Path.resolve(here, "../packages/cli/bin/signet.js")
const beaconBin = Path.resolve(here, "../packages/beacon-agent/bin/signet-beacon.js")
const at = process.argv.indexOf("--students")
const N = at < 0 ? 12 : Number(process.argv[at + 1])
const PASSWORD = "classroom simulation passphrase"
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-classroom-"))
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
)
const children = []
const stopAll = () => {
  for (const c of children) c.kill("SIGTERM")
}
process.on("exit", stopAll)

/** Spawns a process and resolves with the first stdout match of `re`. */
const startAndWait = (args, cwd, re) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"] })
    children.push(child)
    let out = ""
    child.once("exit", (code) => reject(new Error(`${Path.basename(args[0])} exited (${code})`)))
    child.stdout.on("data", (b) => {
      out += b
      const m = re.exec(out)
      if (m) resolve({ child, match: m, output: () => out })
    })
  })
const run = (bin, args, cwd) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${Path.basename(bin)} ${args[0]}: ${r.stderr || r.stdout}`)
  return r.stdout
}

try {
  // The server.
  run(signetBin, ["init"], dir)
  const operator = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8")).SIGNET_BOOTSTRAP_TOKEN
  const { match } = await startAndWait([signetBin, "serve", "--port", "0"], dir, /"url":"([^"]+)"/)
  const url = match[1]
  const T = `${url}/api/v1/tenants/classroom`
  const api = async (method, path, token, body) => {
    const r = await fetch(path.startsWith("http") ? path : `${T}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {})
    })
    const b = await r.json().catch(() => null)
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(b)}`)
    return b
  }
  await api("POST", `${url}/api/v1/tenants`, operator, {
    slug: "classroom",
    name: "Classroom",
    admin: { email: "admin@classroom.example.edu", password: PASSWORD, given_name: "A", family_name: "D" }
  })
  const login = async (email) =>
    (await api("POST", "/auth/login", "", { login: email, password: PASSWORD })).tokens.access_token
  const admin = await login("admin@classroom.example.edu")
  const school = await api("POST", "/schools", admin, { name: "Simulation High" })
  const room = await api("POST", "/classrooms", admin, { school_id: school.id, name: "Room 101", code: "101" })
  const phones = []
  for (let i = 0; i < N; i++) {
    const email = `student${i}@classroom.example.edu`
    const s = await api("POST", "/users", admin, {
      email,
      given_name: "Student",
      family_name: String(i),
      user_type: "student",
      password: PASSWORD,
      devices: [`phone-${i}`]
    })
    phones.push({ id: s.id, email, device: `phone-${i}` })
  }
  const group = await api("POST", "/groups", admin, { school_id: school.id, name: "Class A" })
  await api("PUT", `/groups/${group.id}/members`, admin, { student_ids: phones.map((p) => p.id) })
  const now = Date.now()
  const course = await api("POST", "/courses", admin, {
    school_id: school.id,
    name: "Physics",
    start_at: new Date(now - 2 * 60_000).toISOString(),
    end_at: new Date(now + 58 * 60_000).toISOString(),
    classroom_ids: [room.id],
    group_ids: [group.id]
  })

  // The beacon: a key, enrolment with a one-time code, then the agent with its light-sensor input.
  const beaconDir = Path.join(dir, "beacon")
  Fs.mkdirSync(beaconDir)
  const { code } = await api("POST", "/beacons/enrolment-codes", admin, { classroom_id: room.id })
  run(beaconBin, ["keygen"], beaconDir)
  run(beaconBin, ["enroll", "--url", url, "--code", code], beaconDir)
  const agent = await startAndWait(
    [beaconBin, "run", "--flashlight", "--input", "http:0", "--telemetry-interval", "5"],
    beaconDir,
    /"event":"listening","url":"([^"]+)"/
  )
  const sensor = agent.match[1]
  console.log(`beacon enrolled in ${room.name}; light sensor input at ${sensor}`)

  // The phones flash their presence tokens (as pulse recordings) at the beacon.
  for (const phone of phones) {
    const token = await login(phone.email)
    const presence = await api("POST", "/me/presence-token", token, { device_identifier: phone.device })
    const pulses = Flashlight.encodeText(new TextEncoder().encode(presence.token), { bitMs: 20 })
    const r = await fetch(new URL("/presence", sensor), { method: "POST", body: pulses })
    if (r.status !== 202) throw new Error(`beacon refused the recording: ${r.status} ${await r.text()}`)
  }
  // Wait until the agent has delivered everything and attendance has decided.
  let roll
  for (let i = 0; i < 100; i++) {
    roll = await api("GET", `/courses/${course.id}/roll`, admin)
    if (roll.counts.PRESENT + roll.counts.LATE >= N) break
    await new Promise((r) => setTimeout(r, 100))
  }
  const flashlight = roll.entries.filter((e) => e.method === "FLASHLIGHT").length
  console.log(
    `roll of ${roll.course_name}: ${JSON.stringify(roll.counts)}; ${flashlight} signed over the flashlight channel`
  )
  const beacon = (await api("GET", "/beacons", admin)).items[0]
  console.log(`beacon ${beacon.status}, last counter ${beacon.last_counter}, clock drift ${beacon.clock_drift_ms} ms`)
} finally {
  stopAll()
  await new Promise((r) => setTimeout(r, 300))
  Fs.rmSync(dir, { recursive: true, force: true })
}
