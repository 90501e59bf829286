"use strict"
/**
 * Build step (run by the base Node of the single executable, never shipped):
 * compiles the wrapped bundle exactly as scripts/sea/main.cjs does, runs its
 * module initialisation and writes the V8 code cache, which then holds every
 * function compiled so far.
 *
 *   node code-cache.cjs <app.js> <app.cache> [--train <empty dir> <addons.json>]
 *
 * With --train (the `signet` binary) it first exercises the start-up path, so
 * the cache also covers the functions that `serve` compiles before it is
 * ready: `signet init` in <dir>, then `signet serve --port 0` (127.0.0.1)
 * and a few requests (/ready, /health, /docs, /openapi.json, a failed login),
 * with the native addons loaded from the files named in <addons.json>
 * (scripts/sea/runtime.cjs reads SIGNET_SEA_TRAINING_ADDONS outside a single
 * executable). Whatever happens, the cache of what has been compiled is
 * written at exit; the last line of standard output says how far training got.
 */
const Fs = require("node:fs")
const Path = require("node:path")
const vm = require("node:vm")

const [input, output, mode, dir, addons] = process.argv.slice(2)
const script = new vm.Script(Fs.readFileSync(input, "utf8"), {
  filename: "signet.js"
})
let reached = "module initialisation"
process.on("exit", () => {
  Fs.writeFileSync(output, script.createCachedData())
  process.stderr.write(`code cache: trained up to ${reached}\n`)
})

if (mode === "--train") {
  // The application must not see the developer's configuration.
  for (const k of Object.keys(process.env)) {
    if (k.startsWith("SIGNET_") || k === "DATABASE_URL" || k.startsWith("PG")) delete process.env[k]
  }
  process.env.XDG_CACHE_HOME = Path.join(dir, "cache")
  process.env.XDG_CONFIG_HOME = Path.join(dir, "config")
  process.env.HOME = dir
  process.env.SIGNET_SEA_TRAINING_ADDONS = Fs.readFileSync(addons, "utf8")
  process.chdir(dir)
}

const app = { exports: {} }
script.runInThisContext()(app.exports, require, app, "signet.js", ".")
if (typeof app.exports.main !== "function") throw new Error(`${input} exports no main()`)

if (mode !== "--train") process.exit(0)

const timeout = setTimeout(() => {
  process.stderr.write("code cache: training timed out after 60 s\n")
  process.exit(0)
}, 60_000)
timeout.unref()

const write = process.stdout.write.bind(process.stdout)
let out = ""
let requested = false
process.stdout.write = (chunk, ...rest) => {
  out += String(chunk)
  const m = /"url":"([^"]+)"/.exec(out)
  if (m && !requested) {
    requested = true
    reached = "serve ready"
    exercise(m[1]).then(
      () => {
        reached = "serve ready and requests"
        process.exit(0)
      },
      (e) => {
        process.stderr.write(`code cache: training requests failed: ${e}\n`)
        process.exit(0)
      }
    )
  }
  const cb = rest.find((x) => typeof x === "function")
  if (cb) cb()
  return true
}
void write

const exercise = async (url) => {
  for (const path of ["/ready", "/health", "/docs", "/openapi.json", "/nothing-here"]) {
    const r = await fetch(`${url}${path}`)
    await r.arrayBuffer()
    if (path === "/ready" && r.status !== 200) throw new Error(`/ready answered ${r.status}`)
  }
  const r = await fetch(`${url}/api/v1/tenants/nobody/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login: "nobody@example.invalid", password: "not the password, long enough" })
  })
  await r.arrayBuffer()
}

process.argv = [process.execPath, "signet", "init"]
app.exports.main()
process.once("beforeExit", () => {
  reached = "init"
  process.argv = [process.execPath, "signet", "serve", "--host", "127.0.0.1", "--port", "0"]
  app.exports.main()
})
