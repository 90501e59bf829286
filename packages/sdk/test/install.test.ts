/**
 * Issue 14 "Packages": the SDK and the beacon agent install from their `npm pack` tarballs in an
 * empty folder outside the repository — with `@signet/contracts`, and without `@signet/core`
 * (no SQL driver, no argon2) — then work against a running server.
 */
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { expect, layer } from "@effect/vitest"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const repo = Path.resolve(__dirname, "../../..")

const run = (cmd: string, args: ReadonlyArray<string>, cwd: string) =>
  Effect.async<string, Error>((resume) => {
    ChildProcess.execFile(cmd, [...args], { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resume(
        error ? Effect.fail(new Error(`${cmd} ${args.join(" ")}: ${error.message}\n${stderr}`)) : Effect.succeed(stdout)
      )
    )
  })

/** Packs the workspaces into `dir` and installs their tarballs into a fresh project there. */
const installTarballs = (dir: string, workspaces: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const packed = yield* run(
      "npm",
      ["pack", "--json", "--pack-destination", dir, ...workspaces.flatMap((w) => ["--workspace", w])],
      repo
    )
    const tarballs = (JSON.parse(packed) as Array<{ filename: string }>).map((p) => Path.join(dir, p.filename))
    const project = Path.join(dir, "app")
    Fs.mkdirSync(project)
    Fs.writeFileSync(Path.join(project, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }))
    yield* run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs], project)
    return project
  })

const tmp = () => Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-install-"))

layer(testServer("sqlite"), { timeout: 300_000, excludeTestServices: true })("packages from tarballs", (it) => {
  it.scoped(
    "@signet/sdk installs outside the repository (with @signet/contracts, without @signet/core) and calls a server",
    () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const dir = tmp()
        yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
        const project = yield* installTarballs(dir, ["packages/contracts", "packages/sdk"])
        expect(Fs.existsSync(Path.join(project, "node_modules/@signet/core"))).toBe(false)
        expect(Fs.existsSync(Path.join(project, "node_modules/better-sqlite3"))).toBe(false)
        Fs.writeFileSync(
          Path.join(project, "main.mjs"),
          `import { createSignetClient } from "@signet/sdk"
const signet = createSignetClient({ baseUrl: process.argv[2], credentials: { operatorToken: process.argv[3] } })
const tenant = await signet.tenants.create({ slug: "from-tarball", name: "From a tarball" })
const again = await signet.tenants.create({ slug: "from-tarball", name: "Again" }).catch((e) => e._tag)
console.log(JSON.stringify({ slug: tenant.slug, again }))
`
        )
        const out = yield* run("node", ["main.mjs", server.url, server.token], project)
        expect(JSON.parse(out)).toEqual({ slug: "from-tarball", again: "Conflict" })
      }),
    300_000
  )

  it.scoped(
    "@signet/beacon-agent installs outside the repository and its CLI runs",
    () =>
      Effect.gen(function* () {
        const dir = tmp()
        yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
        const project = yield* installTarballs(dir, ["packages/contracts", "packages/beacon-agent"])
        expect(Fs.existsSync(Path.join(project, "node_modules/@signet/core"))).toBe(false)
        const keyFile = Path.join(dir, "device.key")
        yield* run(Path.join(project, "node_modules/.bin/signet-beacon"), ["keygen", "--key", keyFile], project)
        const key = JSON.parse(Fs.readFileSync(keyFile, "utf8"))
        expect(key).toHaveProperty("alg")
        expect(Fs.statSync(keyFile).mode & 0o777).toBe(0o600)
      }),
    300_000
  )
})
