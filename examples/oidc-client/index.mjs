#!/usr/bin/env node
/**
 * Example (e): a second application signs users in with Signet's
 * OpenID Connect provider (issue 19 §1, docs/federation.md).
 *
 *   node examples/oidc-client/index.mjs   # starts a throwaway local Signet, registers
 *                                         # the app (app.mjs) as a client, and signs in
 *                                         # as a browser would
 *
 * The "browser" below follows redirects with a cookie jar: the app sends it
 * to Signet; Signet's interaction sends it to the sign-in page; it signs in
 * (what the web app's login page does) and allows the consent; Signet sends
 * it back to the app with a code, which the app exchanges for tokens.
 */
import { spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { createSignetClient } from "@signet/sdk"
import { Redacted } from "effect"
import { startApp } from "./app.mjs"

// --- A throwaway Signet installation. ---------------------------------------------------------
const bin = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../packages/cli/bin/signet.js")
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-oidc-example-"))
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
)
spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
const operatorToken = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8")).SIGNET_BOOTSTRAP_TOKEN
const server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
  cwd: dir,
  env: { ...env, SIGNET_LOG_LEVEL: "none" },
  stdio: ["ignore", "pipe", "inherit"]
})
const signet = await new Promise((resolve) => {
  let out = ""
  server.stdout.on("data", (b) => {
    out += b
    const m = /"url":"([^"]+)"/.exec(out)
    if (m) resolve(m[1])
  })
})

let app
try {
  const slug = `oidc-${Date.now().toString(36)}`
  const email = `admin@${slug}.example.edu`
  const password = `Example-${randomBytes(9).toString("base64url")}`
  const operator = createSignetClient({ baseUrl: signet, tenant: slug, credentials: { operatorToken } })
  await operator.tenants.create({
    slug,
    name: "OIDC Example School",
    admin: { email, password: Redacted.make(password), given_name: "Ada", family_name: "Lovelace" }
  })
  const admin = createSignetClient({ baseUrl: signet, tenant: slug, credentials: { login: email, password } })

  // The app's port is known once it listens; register it with that redirect URI.
  const port = 20000 + Math.floor(Math.random() * 20000)
  const { client, client_secret } = await admin.oidcClients.create({
    name: "Library",
    redirect_uris: [`http://127.0.0.1:${port}/callback`],
    post_logout_redirect_uris: [`http://127.0.0.1:${port}/`]
  })
  app = await startApp({
    issuer: `${signet}/t/${slug}`,
    clientId: client.client_id,
    clientSecret: client_secret,
    port,
    allowHttp: true
  })
  console.log(`app at ${app.url}, client ${client.client_id}`)

  // --- The browser. ---------------------------------------------------------------------------
  const jar = new Map()
  const go = async (target, init = {}) => {
    const res = await fetch(target, {
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
  let next = `${app.url}/login`
  for (let hop = 0; hop < 12; hop++) {
    const res = await go(next)
    if (res.location?.includes("/login?next=")) {
      // Signet's sign-in page: log in (the web app's login page does exactly this), then continue.
      const interaction = new URL(decodeURIComponent(res.location.split("next=")[1]), signet).href
      console.log("Signet asks the user to sign in")
      const login = await fetch(`${signet}/api/v1/tenants/${slug}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ login: email, password })
      }).then((r) => r.json())
      const done = await go(`${interaction}/login`, {
        method: "POST",
        headers: { authorization: `Bearer ${login.tokens.access_token}` }
      })
      next = new URL(JSON.parse(done.text).redirect_to, signet).href
    } else if (res.status === 200 && res.text.includes("Allow")) {
      console.log(`consent page: ${/<h1>([^<]+)<\/h1>/.exec(res.text)?.[1]}`)
      next = new URL((await go(`${next}/confirm`, { method: "POST" })).location, signet).href
    } else if (res.location) next = new URL(res.location, next).href
    else {
      // The app's home page, as text.
      const text = res.text
        .replace(/<[^>]+>/g, " ")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
      console.log(text.replace(/\s+/g, " ").trim())
      break
    }
  }
} finally {
  app?.close()
  server.kill("SIGTERM")
}
