#!/usr/bin/env node
/**
 * Smoke test of the single executable's lazily loaded libraries
 * (scripts/build-binary.mjs `LAZY_CJS`, `LAZY_DYNAMIC`): each is bundled on
 * its own, embedded as a brotli asset and evaluated on first use, so a
 * mistake there shows only in the binary, which the test suite does not run.
 * Starts `dist/signet serve` on a fresh SQLite installation and drives, over
 * REST, one path per library:
 *
 * - `pdf-lib`: printable sign-in cards (`POST …/invitations/cards`) → a PDF;
 * - `libphonenumber-js`: a national number set on the admin's profile is
 *   answered in E.164;
 * - `@node-saml/node-saml` (and `selfsigned`): a SAML connection's sign-in
 *   redirects to the IdP with a deflated AuthnRequest, and the SP metadata
 *   is XML;
 * - `stripe`: with `SIGNET_PAYMENTS=stripe` pointed at the loopback Stripe
 *   recorder (`@signet/server/testing/stripe`), a Customer Portal link is
 *   made (a customer and a portal session requested from it).
 *
 *   npm run build:binary && node scripts/binary-smoke.mjs [path/to/signet]
 *
 * Exits non-zero naming the first step that failed.
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const binary = Path.resolve(process.argv[2] ?? Path.join(root, "dist/signet"))
if (!Fs.existsSync(binary)) {
  console.error(`binary-smoke: ${binary} does not exist: run \`npm run build:binary\` first`)
  process.exit(1)
}
const { startStripeRecorder } = await import(Path.join(root, "packages/server/dist/testing/stripe.js"))
const { samlTestIdp } = await import(Path.join(root, "packages/core/dist/testing/saml.js"))
const { Effect } = await import("effect")

const stripe = await startStripeRecorder()
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-smoke-"))
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  XDG_CACHE_HOME: Path.join(dir, "cache"),
  SIGNET_LOG_LEVEL: "warn",
  SIGNET_PAYMENTS: "stripe",
  SIGNET_STRIPE_SECRET_KEY: "sk_test_smoke",
  SIGNET_STRIPE_WEBHOOK_SECRET: "whsec_smoke",
  SIGNET_STRIPE_API_URL: stripe.url
}
const init = spawnSync(binary, ["init"], { cwd: dir, env, encoding: "utf8" })
if (init.status !== 0) {
  console.error(`binary-smoke: signet init failed:\n${init.stdout}${init.stderr}`)
  process.exit(1)
}
const operator = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8")).SIGNET_BOOTSTRAP_TOKEN
const server = spawn(binary, ["serve", "--port", "0"], { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"] })
const url = await new Promise((resolve, reject) => {
  let out = ""
  server.stdout.on("data", (b) => {
    out += b
    const m = /"url":"([^"]+)"/.exec(out)
    if (m) resolve(m[1])
  })
  server.once("exit", (code) => reject(new Error(`signet serve exited (${code}):\n${out}`)))
})

let failed = false
const finish = async () => {
  server.kill("SIGTERM")
  await new Promise((r) => server.once("exit", r))
  await stripe.close()
  Fs.rmSync(dir, { recursive: true, force: true })
  process.exit(failed ? 1 : 0)
}
/** Runs one named step; a thrown error or a false answer fails it. */
const step = async (name, run) => {
  try {
    const detail = await run()
    console.log(`ok   ${name}${typeof detail === "string" ? ` (${detail})` : ""}`)
  } catch (e) {
    failed = true
    console.log(`FAIL ${name}: ${e instanceof Error ? e.message : String(e)}`)
  }
}
const request = async (method, path, { token = operator, body, redirect } = {}) => {
  const res = await fetch(url + path, {
    method,
    redirect: redirect ?? "follow",
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined
  })
  return res
}
const json = async (method, path, options) => {
  const res = await request(method, path, options)
  const text = await res.text()
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`)
  return text ? JSON.parse(text) : undefined
}

const SLUG = "smoke"
const T = `/api/v1/tenants/${SLUG}`
const PASSWORD = "smoke test passphrase 2026"
await json("POST", "/api/v1/tenants", {
  body: {
    slug: SLUG,
    name: "Smoke",
    admin: { email: `admin@${SLUG}.example.edu`, password: PASSWORD, given_name: "A", family_name: "D" }
  }
})
const admin = (
  await json("POST", `${T}/auth/login`, { body: { login: `admin@${SLUG}.example.edu`, password: PASSWORD } })
).tokens.access_token

await step("pdf-lib: sign-in cards are a PDF", async () => {
  const school = await json("POST", `${T}/schools`, { token: admin, body: { name: "Zola", code: "ZOLA" } })
  const group = await json("POST", `${T}/groups`, { token: admin, body: { school_id: school.id, name: "5e B" } })
  const kid = await json("POST", `${T}/users`, {
    token: admin,
    body: { email: `kid@${SLUG}.example.edu`, given_name: "Kid", family_name: "Zola", user_type: "student" }
  })
  await json("PUT", `${T}/groups/${group.id}/members`, { token: admin, body: { student_ids: [kid.id] } })
  const res = await request("POST", `${T}/invitations/cards`, { token: admin, body: { group_id: group.id } })
  const bytes = Buffer.from(await res.arrayBuffer())
  if (res.status !== 200 || bytes.subarray(0, 5).toString() !== "%PDF-")
    throw new Error(`${res.status} ${bytes.subarray(0, 200).toString()}`)
  return `${bytes.length} bytes`
})

await step("libphonenumber-js: a French national number is answered in E.164", async () => {
  const set = await json("PUT", `${T}/me/phone`, {
    token: admin,
    body: { phone_number: "06 12 34 56 78", region: "FR", password: PASSWORD }
  })
  if (set.phone_number !== "+33612345678") throw new Error(JSON.stringify(set))
  return set.phone_number
})

await step("@node-saml/node-saml: SAML sign-in redirects with an AuthnRequest; SP metadata is XML", async () => {
  const idp = await Effect.runPromise(samlTestIdp)
  await json("PUT", `${T}/sso/saml-connections/school`, {
    token: admin,
    body: {
      idp_entity_id: idp.entityId,
      sso_url: idp.ssoUrl,
      certificates: [idp.certificate],
      domains: ["school.example"],
      provisioning: "jit"
    }
  })
  const start = await request("GET", `${T}/sso/login?connection=school`, { redirect: "manual" })
  const location = start.headers.get("location") ?? ""
  if (start.status !== 302 || !location.startsWith(idp.ssoUrl)) throw new Error(`${start.status} ${location}`)
  const authn = idp.requestOf(location)
  if (!authn.id) throw new Error(`no AuthnRequest in ${location}`)
  const meta = await request("GET", `${T}/sso/connections/school/saml-metadata`)
  const xml = await meta.text()
  if (meta.status !== 200 || !xml.includes("EntityDescriptor")) throw new Error(`${meta.status} ${xml.slice(0, 200)}`)
  return `AuthnRequest ${authn.id}`
})

await step("stripe: a Customer Portal link is made through the Stripe client", async () => {
  const link = await json("POST", `${T}/billing/portal`, { token: admin, body: {} })
  const paths = stripe.requests.map((r) => r.path)
  if (link.provider !== "stripe" || !paths.includes("/v1/billing_portal/sessions"))
    throw new Error(`${JSON.stringify(link)} ${paths.join(", ")}`)
  return paths.join(", ")
})

await finish()
