#!/usr/bin/env node
/**
 * A/B of the sign burst (issue 23): the server CPU per sign attempt of an
 * earlier commit beside this working tree's, measured alternately in one
 * run. On a shared machine the same build gives figures ±15 % apart at
 * different hours, so a change is judged only against a baseline measured
 * in the same window, round by round.
 *
 * The earlier commit is checked out in a temporary git worktree that uses
 * this repository's installed packages (its own `@signet/*` packages
 * linked) and is built with `tsc -b`; its own `bench/attendance.mjs` runs
 * there. Each round runs both, the base first in odd rounds and this tree
 * first in even ones (the second run of a round tends to be slower here), with `--courses N`
 * (30 students each, QR, SQLite synchronous=FULL). This tree's
 * `docs/benchmarks.md` is left as it was. Prints each round and the
 * medians (CPU per attempt, and the closed-loop rate per round); writes nothing else. The base must have the same npm
 * dependencies as this tree, or at least a subset of them.
 *
 * With `--pg <admin URL>` both sides run the burst on Postgres instead
 * (`attendance.mjs --pg-only`; no bare baseline there).
 *
 *   node bench/ab.mjs --base <commit> [--rounds 3] [--courses 100] [--pg <url>]
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : process.argv[i + 1]
}
const base = option("base", undefined)
const ROUNDS = Number(option("rounds", 3))
const COURSES = Number(option("courses", 100))
const PG = option("pg", undefined)
if (!base) {
  process.stderr.write("usage: node bench/ab.mjs --base <commit> [--rounds 3] [--courses 100]\n")
  process.exit(2)
}
const log = (m) => process.stderr.write(`${m}\n`)
const git = (...args) => {
  const r = spawnSync("git", args, { cwd: root, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.trim()}`)
  return r.stdout.trim()
}

/** A worktree of `commit` using this repository's node_modules, built. */
const prepare = (commit) => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-ab-"))
  git("worktree", "add", "--detach", "-f", dir, commit)
  const modules = Path.join(dir, "node_modules")
  Fs.mkdirSync(Path.join(modules, "@signet"), { recursive: true })
  for (const name of Fs.readdirSync(Path.join(root, "node_modules"))) {
    if (name === "@signet") continue
    Fs.symlinkSync(Path.join(root, "node_modules", name), Path.join(modules, name))
  }
  for (const pkg of Fs.readdirSync(Path.join(dir, "packages"))) {
    const manifest = Path.join(dir, "packages", pkg, "package.json")
    if (!Fs.existsSync(manifest)) continue
    const name = JSON.parse(Fs.readFileSync(manifest, "utf8")).name.split("/")[1]
    Fs.symlinkSync(Path.join("..", "..", "packages", pkg), Path.join(modules, "@signet", name))
  }
  log(`building ${commit} in ${dir}…`)
  const tsc = spawnSync(process.execPath, [Path.join(root, "node_modules/typescript/bin/tsc"), "-b"], {
    cwd: dir,
    encoding: "utf8"
  })
  if (tsc.status !== 0) throw new Error(`tsc -b failed at ${commit}:\n${tsc.stdout.slice(-2000)}`)
  return dir
}

/** One sign burst in `dir`: the server's and the bare baseline's CPU per attempt (ms). */
const burst = (dir) =>
  new Promise((resolve, reject) => {
    const args = ["bench/attendance.mjs", "--courses", String(COURSES), ...(PG ? ["--pg-only"] : [])]
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "SIGNET_BENCH_PG_URL"))
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: PG ? { ...env, SIGNET_BENCH_PG_URL: PG } : env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let out = ""
    child.stdout.on("data", (b) => (out += b))
    child.stderr.on("data", (b) => (out += b))
    child.on("exit", (code) => {
      const signet = (PG ? /^signet pg: (\{.*\})$/m : /^signet sqlite: (\{.*\})$/m).exec(out)
      const bare = /^baseline: (\{.*\})$/m.exec(out)
      if (code !== 0 || !signet || (!PG && !bare))
        return reject(new Error(`bench in ${dir} failed (${code}):\n${out.slice(-2000)}`))
      const run = JSON.parse(signet[1])
      resolve({
        signet: run.cpuPerAttemptMs,
        rate: run.rate,
        bare: bare ? JSON.parse(bare[1]).cpuPerAttemptMs : Number.NaN
      })
    })
  })

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const baseSha = git("rev-parse", "--short", base)
const report = Path.join(root, "docs/benchmarks.md")
const kept = Fs.readFileSync(report, "utf8")
const dir = prepare(baseSha)
try {
  const rows = { base: [], here: [] }
  for (let r = 1; r <= ROUNDS; r++) {
    // The side run second in a round tended to come out slower (an A/A run of one build against
    // itself, 2026-12-07: rounds −2 %, +10 %, +65 %), so the order alternates: base first in odd rounds.
    if (r % 2 === 1) {
      rows.base.push(await burst(dir))
      rows.here.push(await burst(root))
    } else {
      rows.here.push(await burst(root))
      rows.base.push(await burst(dir))
    }
    Fs.writeFileSync(report, kept)
    const [b, h] = [rows.base.at(-1), rows.here.at(-1)]
    log(
      `round ${r}: ${baseSha} ${b.signet.toFixed(2)} ms, ${b.rate.toFixed(0)}/s (bare ${b.bare.toFixed(2)} ms), ` +
        `this tree ${h.signet.toFixed(2)} ms, ${h.rate.toFixed(0)}/s (bare ${h.bare.toFixed(2)} ms)`
    )
  }
  const mb = median(rows.base.map((x) => x.signet))
  const mh = median(rows.here.map((x) => x.signet))
  console.log(
    `server CPU per sign attempt, median of ${ROUNDS} alternated rounds at ${COURSES} courses: ` +
      `${baseSha} ${mb.toFixed(2)} ms, this tree ${mh.toFixed(2)} ms (${(((mh - mb) / mb) * 100).toFixed(1)} %)`
  )
} finally {
  Fs.writeFileSync(report, kept)
  git("worktree", "remove", "--force", dir)
}
