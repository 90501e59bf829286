/**
 * Shared by the bench scripts: a throwaway `signet serve` from the
 * repository build (`signet init` in a temporary directory, SQLite unless
 * `env.DATABASE_URL` says otherwise), started on a free port, with the
 * operator's bootstrap token and small JSON helpers. The caller's own
 * `SIGNET_*` and `DATABASE_URL` variables are dropped so a developer's shell
 * does not leak into a measurement.
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** The repository's root. */
export const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")

/** A free TCP port on loopback. */
export const freePort = () =>
  new Promise((resolve) => {
    const s = Net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })

/**
 * Starts `signet serve` with `env` added (API rate limits off and logs
 * silent unless `env` says otherwise); answers `{ url, token, dir, server,
 * post, get, put, patch, stop }` where `token` is the operator's bootstrap
 * token and the helpers send JSON with it (or `options.token`).
 */
export const startSignet = async (name, env = {}) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), `signet-bench-${name}-`))
  const fullEnv = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")
    ),
    SIGNET_RATE_API_USER: "off",
    SIGNET_RATE_API_KEY: "off",
    SIGNET_LOG_LEVEL: "none",
    ...env
  }
  const init = spawnSync(process.execPath, [bin, "init"], { cwd: dir, env: fullEnv, stdio: "pipe" })
  if (init.status !== 0) throw new Error(`signet init failed: ${init.stderr}`)
  const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))
  const server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
    cwd: dir,
    env: fullEnv,
    stdio: ["ignore", "pipe", "inherit"]
  })
  const url = await new Promise((resolve, reject) => {
    let out = ""
    server.on("exit", (code) => reject(new Error(`signet serve exited (${code})`)))
    server.stdout.on("data", (b) => {
      out += b
      const m = /"url":"([^"]+)"/.exec(out)
      if (m) resolve(m[1])
    })
  })
  const token = config.SIGNET_BOOTSTRAP_TOKEN
  const send =
    (method) =>
    async (path, body, options = {}) => {
      const r = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${options.token ?? token}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const text = await r.text()
      if (!r.ok && !options.allowError) throw new Error(`${method} ${path} → ${r.status}: ${text.slice(0, 300)}`)
      return text === "" ? undefined : JSON.parse(text)
    }
  return {
    url,
    token,
    dir,
    server,
    post: send("POST"),
    get: send("GET"),
    put: send("PUT"),
    patch: send("PATCH"),
    stop: () => {
      server.removeAllListeners("exit")
      server.kill("SIGTERM")
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The median of `xs`. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
