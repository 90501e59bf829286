#!/usr/bin/env node
/**
 * Authorization-code logins per second through a tenant's OpenID Connect
 * provider (issue 19 §1) against a real `signet serve` (SQLite,
 * synchronous=FULL), written to docs/benchmarks.md.
 *
 * One login = what a relying party and a fresh browser do: the
 * authorization request (PKCE S256), the interaction, Signet's sign-in
 * completed with an access token the worker obtained once (the password
 * login itself, argon2id, is measured by bench/login.mjs), consent found
 * remembered in the database, the redirect with the code, and the code
 * exchanged at the token endpoint by `openid-client` (confidential client,
 * client_secret_basic) — six HTTP requests, all state in the database.
 *
 *   node bench/oidc.mjs [--seconds 15] [--clients 8] [--binary dist/signet]
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as oidc from "openid-client"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")
const arg = (name, dflt) => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? dflt : Number(process.argv[at + 1])
}
/** `--binary dist/signet`: measure the single executable instead of the repository's CLI. */
const binary = process.argv.includes("--binary")
  ? Path.resolve(process.argv[process.argv.indexOf("--binary") + 1])
  : undefined
const command = (...args) => (binary ? [binary, args] : [process.execPath, [bin, ...args]])
const seconds = arg("seconds", 15)
const clients = arg("clients", 8)
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-oidc-"))
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  SIGNET_RATE_LOGIN_IP: "off",
  SIGNET_RATE_LOGIN_ACCOUNT: "off",
  SIGNET_RATE_API_USER: "off",
  SIGNET_RATE_API_KEY: "off",
  SIGNET_LOG_LEVEL: "none"
}
spawnSync(...command("init"), { cwd: dir, env, stdio: "ignore" })
const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))
const server = spawn(...command("serve", "--port", "0"), {
  cwd: dir,
  env,
  stdio: ["ignore", "pipe", "inherit"]
})
const url = await new Promise((resolve) => {
  let out = ""
  server.stdout.on("data", (b) => {
    out += b
    const m = /"url":"([^"]+)"/.exec(out)
    if (m) resolve(m[1])
  })
})
const post = async (path, body, token) => {
  const r = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body)
  })
  return r.json()
}
const PASSWORD = "benchmark passphrase 2026"
await post(
  "/api/v1/tenants",
  {
    slug: "bench",
    name: "Bench",
    admin: { email: "admin@bench.example.edu", password: PASSWORD, given_name: "A", family_name: "B" }
  },
  config.SIGNET_BOOTSTRAP_TOKEN
)
const login = async () =>
  (await post("/api/v1/tenants/bench/auth/login", { login: "admin@bench.example.edu", password: PASSWORD })).tokens
    .access_token
const admin = await login()
const REDIRECT = "http://127.0.0.1:9/cb"
const created = await post("/api/v1/tenants/bench/oidc/clients", { name: "Bench RP", redirect_uris: [REDIRECT] }, admin)
const rp = await oidc.discovery(
  new URL(`${url}/t/bench`),
  created.client.client_id,
  undefined,
  oidc.ClientSecretBasic(created.client_secret),
  { execute: [oidc.allowInsecureRequests] }
)

/** One authorization-code login by a fresh browser; see the module comment. */
const codeLogin = async (accessToken) => {
  const jar = new Map()
  const go = async (target, init = {}) => {
    const res = await fetch(new URL(target, url), {
      ...init,
      redirect: "manual",
      headers: { ...init.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") }
    })
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";")
      const at = pair.indexOf("=")
      jar.set(pair.slice(0, at), pair.slice(at + 1))
    }
    return { status: res.status, location: res.headers.get("location"), text: await res.text() }
  }
  const verifier = oidc.randomPKCECodeVerifier()
  const state = oidc.randomState()
  let next = oidc.buildAuthorizationUrl(rp, {
    redirect_uri: REDIRECT,
    scope: "openid email",
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state
  }).href
  for (let hop = 0; hop < 10; hop++) {
    if (next.startsWith(REDIRECT))
      return oidc.authorizationCodeGrant(rp, new URL(next), { pkceCodeVerifier: verifier, expectedState: state })
    const res = await go(next)
    if (res.location?.includes("/login?next=")) {
      const interaction = decodeURIComponent(res.location.split("next=")[1])
      const done = await go(`${interaction}/login`, {
        method: "POST",
        headers: { authorization: `Bearer ${accessToken}` }
      })
      next = JSON.parse(done.text).redirect_to
    } else if (res.status === 200 && res.text.includes("Allow")) {
      next = (await go(`${new URL(next, url).pathname}/confirm`, { method: "POST" })).location
    } else if (res.location) next = res.location
    else throw new Error(`unexpected ${res.status}: ${res.text.slice(0, 200)}`)
  }
  throw new Error("too many redirects")
}

await codeLogin(admin) // consent given once; remembered from then on
const tokens = await Promise.all(Array.from({ length: clients }, () => login()))
for (const t of tokens) await codeLogin(t) // warm-up
process.stderr.write(`authorization-code logins with ${clients} clients for ${seconds} s…\n`)
let done = 0
let errors = 0
const latencies = []
const until = Date.now() + seconds * 1000
await Promise.all(
  tokens.map(async (t) => {
    while (Date.now() < until) {
      const t0 = performance.now()
      try {
        const r = await codeLogin(t)
        if (!r.id_token) throw new Error("no id_token")
        done++
        latencies.push(performance.now() - t0)
      } catch (e) {
        errors++
        if (errors < 3) process.stderr.write(`${e}\n`)
      }
    }
  })
)
server.kill("SIGTERM")
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]
const perSecond = done / seconds
const body = [
  `\`node bench/oidc.mjs --seconds ${seconds} --clients ${clients}\` — \`signet serve\` on SQLite; one login = authorization request (PKCE), interaction, Signet sign-in by access token, remembered consent, code redirect, token exchange by openid-client (6 requests).`,
  "",
  "| figure | value |",
  "|---|---|",
  `| authorization-code logins/s (${clients} clients, ${seconds} s) | ${perSecond.toFixed(1)} (${errors} errors) |`,
  `| one login, p50 / p95 | ${pct(latencies, 50)?.toFixed(1)} ms / ${pct(latencies, 95)?.toFixed(1)} ms |`
].join("\n")
writeSection("OpenID Connect provider", body)
process.stdout.write(`${body}\n`)
Fs.rmSync(dir, { recursive: true, force: true })
