#!/usr/bin/env node
/**
 * Example (b): integrate through `@signet/sdk`'s Promise facade — create a
 * school, import a OneRoster roster, and read a course's attendance.
 *
 *   node examples/sdk-integration.mjs                       # starts a throwaway local server
 *   SIGNET_URL=http://127.0.0.1:8080 SIGNET_OPERATOR_TOKEN=… node examples/sdk-integration.mjs
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { generateOneRoster } from "@signet/core/testing"
import { createSignetClient } from "@signet/sdk"
import { Redacted } from "effect"
import { strToU8, zipSync } from "fflate"

let url = process.env.SIGNET_URL
let operatorToken = process.env.SIGNET_OPERATOR_TOKEN
let server
if (!url) {
  // A throwaway installation: `signet init` + `signet serve` on a free port.
  const bin = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../packages/cli/bin/signet.js")
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-sdk-example-"))
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
  )
  spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
  operatorToken = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8")).SIGNET_BOOTSTRAP_TOKEN
  server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
    cwd: dir,
    env: { ...env, SIGNET_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  url = await new Promise((resolve) => {
    let out = ""
    server.stdout.on("data", (b) => {
      out += b
      const m = /"url":"([^"]+)"/.exec(out)
      if (m) resolve(m[1])
    })
  })
}

try {
  const slug = `sdk-${Date.now().toString(36)}`
  const password = `Example-${randomBytes(9).toString("base64url")}`
  // 1. The platform operator onboards a tenant with its first admin.
  const operator = createSignetClient({ baseUrl: url, tenant: slug, credentials: { operatorToken } })
  await operator.tenants.create({
    slug,
    name: "SDK Example School",
    admin: {
      email: `admin@${slug}.example.edu`,
      password: Redacted.make(password),
      given_name: "Ada",
      family_name: "Admin"
    }
  })
  // 2. The admin signs in (the client logs in on first use and refreshes tokens by itself).
  const admin = createSignetClient({
    baseUrl: url,
    tenant: slug,
    credentials: { login: `admin@${slug}.example.edu`, password }
  })
  const school = await admin.academics.createSchool({ name: "Riverside High", code: "RIV" })
  console.log(`school ${school.name} (${school.id})`)
  // 3. Import a OneRoster roster (generated here; any OneRoster 1.1/1.2 zip works).
  const files = generateOneRoster({
    seed: 7,
    schools: 1,
    students: 24,
    teachers: 2,
    classes: 2,
    enrollmentsPerStudent: 1,
    domain: `${slug}.example.edu`
  })
  const zip = zipSync(Object.fromEntries([...files].map(([n, t]) => [n, strToU8(t)])))
  const summary = await admin.academics.importRoster(zip)
  console.log(
    `roster: ${summary.users.created} users, ${summary.groups.created} classes, ${summary.memberships.added} enrolments`
  )
  // 4. A course for one imported class, happening now.
  const groups = await admin.academics.listGroups({})
  const group = groups.items[0]
  const now = Date.now()
  const course = await admin.academics.createCourse({
    school_id: group.school_id,
    name: `${group.name} — today`,
    start_at: new Date(now - 3 * 60_000).toISOString(),
    end_at: new Date(now + 57 * 60_000).toISOString(),
    group_ids: [group.id]
  })
  // 5. Read the course's attendance.
  const roll = await admin.attendance.roll(course.id)
  console.log(
    `course "${roll.course_name}": ${roll.entries.length} students enrolled, counts ${JSON.stringify(roll.counts)}`
  )
  // Errors are the server's tagged errors:
  const dup = await admin.academics.createSchool({ name: "Again", code: "RIV" }).catch((e) => e)
  console.log(`a duplicate school code rejects with ${dup._tag}: ${dup.message}`)
} finally {
  server?.kill("SIGTERM")
}
