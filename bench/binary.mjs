#!/usr/bin/env node
/**
 * Single-binary benchmark (docs/binary.md): for dist/signet, its size, spawn
 * of `signet serve` → first 200 on /ready on an initialised SQLite
 * installation (median of N runs, compared in the same run with
 * `node packages/cli/bin/signet.js serve`), idle RSS after start, and
 * `--version` time; for dist/signet-beacon (when built) its size and
 * `--version` time. Writes the section "Single binary" of docs/benchmarks.md
 * and prints it.
 *
 *   npm run build:binary && npm run bench:binary [-- runs=5]
 *
 * Runs alternate between the binary and the repository build, so that load
 * from other processes on the machine falls on both alike.
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const binary = Path.join(root, "dist/signet")
const beacon = Path.join(root, "dist/signet-beacon")
const script = Path.join(root, "packages/cli/bin/signet.js")
const runs = Number(process.argv[2] ?? 5)
const IDLE_MS = 1000
// V8's memory reducer shrinks the heap of an idle process after some 10 s.
const STEADY_MS = 20_000

if (!Fs.existsSync(binary)) {
  console.error("bench/binary.mjs: dist/signet does not exist: run `npm run build:binary` first")
  process.exit(1)
}

const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-binary-"))
// The binary writes its native addons under $XDG_CACHE_HOME/signet/addons
// on its first start; a fresh cache per run of the benchmark, warmed by `init`.
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  XDG_CACHE_HOME: Path.join(dir, "cache")
}

const variants = {
  binary: { cmd: binary, argv: [] },
  node: { cmd: process.execPath, argv: [script] }
}

const init = spawnSync(binary, ["init"], { cwd: dir, env, encoding: "utf8" })
if (init.status !== 0) {
  console.error(`bench/binary.mjs: signet init failed:\n${init.stdout}${init.stderr}`)
  process.exit(1)
}

// The start-up figures mean nothing with a code cache V8 refused (~190 ms slower, docs/binary.md):
// SIGNET_SEA_DEBUG=1 makes `--version` load the application and report the cache's fate.
const cacheCheck = spawnSync(binary, ["--version"], {
  cwd: dir,
  env: { ...env, SIGNET_SEA_DEBUG: "1" },
  encoding: "utf8"
})
if (cacheCheck.status !== 0 || !/code cache accepted/.test(cacheCheck.stderr)) {
  console.error(
    `bench/binary.mjs: V8 did not accept ${binary}'s code cache (rebuild with npm run build:binary, and run without V8 flags in NODE_OPTIONS):\n${cacheCheck.stderr}`
  )
  process.exit(1)
}

/** Resident memory of a process, MB: total, anonymous (heap) and file-backed (executable, mapped files). */
const memory = (pid) => {
  const status = Fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") }
}

/** Spawn → first 200 on /ready, then idle RSS after `idleMs`. */
const serveOnce = ({ cmd, argv }, idleMs = IDLE_MS) =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(cmd, [...argv, "serve", "--port", "0"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    let polling = false
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`no 200 on /ready within 30 s:\n${out}${err}`))
    }, 30_000 + idleMs)
    child.stderr.on("data", (b) => {
      err += b
    })
    child.stdout.on("data", async (b) => {
      out += b
      const m = /"url":"([^"]+)"/.exec(out)
      if (!m || polling) return
      polling = true
      for (;;) {
        try {
          const r = await fetch(`${m[1]}/ready`)
          if (r.status === 200) break
        } catch {}
        await new Promise((r) => setTimeout(r, 2))
      }
      const ms = performance.now() - t0
      const cpuMs = cpuTime(child.pid)
      await new Promise((r) => setTimeout(r, idleMs))
      const mem = memory(child.pid)
      clearTimeout(timer)
      child.on("exit", () => resolve({ ms, cpuMs, rssMb: mem.rss, mem }))
      child.kill("SIGTERM")
    })
    child.on("error", reject)
  })

/** CPU time (user + system, all threads) of a running process, in ms (clock ticks of 10 ms). */
const cpuTime = (pid) => {
  const fields = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Wall time of `<cmd> --version` (or of `<cmd> <flag>`). */
const versionOnce = (cmd, argv = [], flag = "--version") => {
  const t0 = performance.now()
  const r = spawnSync(cmd, [...argv, flag], { cwd: dir, env, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${cmd} ${flag} failed: ${r.stderr}`)
  return performance.now() - t0
}

// The floor: the base Node of the binary running an empty HTTP server (goal 4 of issue 23:
// ready within 2.5× its start, measured alternately in the same run).
const baseNode = Path.join(root, `scripts/sea/node_modules/node-linux-${process.arch}/bin/node`)
const EMPTY_SERVER =
  "require('node:http').createServer((q, s) => s.end('ok')).listen(0, function () { console.log(this.address().port) })"

/** Spawn of the empty server → its first 200, as `serveOnce` times `signet serve`; RSS after `IDLE_MS`. */
const emptyOnce = () =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(baseNode, ["-e", EMPTY_SERVER], { stdio: ["ignore", "pipe", "inherit"] })
    child.on("error", reject)
    child.stdout.once("data", async (b) => {
      for (;;) {
        try {
          if ((await fetch(`http://127.0.0.1:${String(b).trim()}/`)).status === 200) break
        } catch {}
        await new Promise((r) => setTimeout(r, 2))
      }
      const ms = performance.now() - t0
      await new Promise((r) => setTimeout(r, IDLE_MS))
      const mem = memory(child.pid)
      child.on("exit", () => resolve({ ms, mem }))
      child.kill()
    })
  })

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const size = (file) => Fs.statSync(file).size / 1e6

const loadBefore = Os.loadavg()[0]
const results = { binary: [], node: [] }
const versions = { binary: [], node: [], beacon: [], binaryHelp: [], nodeHelp: [] }
const hasBase = Fs.existsSync(baseNode)
const empties = []
// One warm-up each (page cache, addon cache), not counted.
await serveOnce(variants.binary)
await serveOnce(variants.node)
for (let i = 0; i < runs; i++) {
  for (const name of ["binary", "node"]) results[name].push(await serveOnce(variants[name]))
  if (hasBase) empties.push(await emptyOnce())
  versions.binary.push(versionOnce(binary))
  versions.node.push(versionOnce(process.execPath, [script]))
  // `--version` alone is answered without loading the application; `--help` loads it.
  versions.binaryHelp.push(versionOnce(binary, [], "--help"))
  versions.nodeHelp.push(versionOnce(process.execPath, [script], "--help"))
  if (Fs.existsSync(beacon)) versions.beacon.push(versionOnce(beacon))
}
// Idle in the steady state (after V8's memory reducer), once.
const steady = await serveOnce(variants.binary, STEADY_MS)
const empty = hasBase
  ? {
      ms: median(empties.map((e) => e.ms)),
      rss: median(empties.map((e) => e.mem.rss)),
      anon: median(empties.map((e) => e.mem.anon)),
      file: median(empties.map((e) => e.mem.file))
    }
  : undefined
Fs.rmSync(dir, { recursive: true, force: true })

const baseVersion = (() => {
  try {
    return JSON.parse(
      Fs.readFileSync(Path.join(root, `scripts/sea/node_modules/node-linux-${process.arch}/package.json`), "utf8")
    ).version
  } catch {
    return "?"
  }
})()

const ok = (value, goal) => (value <= goal ? "✓" : "✗")
const summary = (rs) => ({
  ms: median(rs.map((r) => r.ms)),
  cpu: median(rs.map((r) => r.cpuMs)),
  rss: median(rs.map((r) => r.rssMb)),
  anon: median(rs.map((r) => r.mem.anon)),
  file: median(rs.map((r) => r.mem.file))
})
const b = summary(results.binary)
const n = summary(results.node)
const lines = [
  `\`dist/signet\` (\`npm run build:binary\`: esbuild bundle + V8 code cache in a Node ${baseVersion} single executable, docs/binary.md) against \`node packages/cli/bin/signet.js\` (repository build, Node ${process.version}), in the same run, alternating; an initialised SQLite installation; median of ${runs} runs after one warm-up each; idle RSS read from /proc/<pid>/status ${IDLE_MS / 1000} s after the first 200 on \`/ready\`.`,
  "",
  "| figure | dist/signet | node packages/cli/bin/signet.js | goal (binary) |",
  "|---|---|---|---|",
  `| file size | ${size(binary).toFixed(1)} MB | | ≤ 120 MB ${ok(size(binary), 120)} |`,
  `| spawn \`serve\` → 200 on /ready, median | ${b.ms.toFixed(0)} ms | ${n.ms.toFixed(0)} ms | ≤ 300 ms ${ok(b.ms, 300)} |`,
  ...(empty
    ? [
        `| for reference: spawn of an empty HTTP server on the base Node ${baseVersion} → its first 200, median (same rounds) | ${empty.ms.toFixed(0)} ms | | |`,
        `| ready ÷ the empty server's start | ${(b.ms / empty.ms).toFixed(2)}× | | ≤ 2.5× ${ok(b.ms / empty.ms, 2.5)} |`
      ]
    : []),
  `| CPU time (user + system) until ready, median | ${b.cpu.toFixed(0)} ms | ${n.cpu.toFixed(0)} ms | |`,
  `| idle RSS ${IDLE_MS / 1000} s after ready, median (anonymous + file-backed) | ${b.rss.toFixed(1)} MB (${b.anon.toFixed(0)} + ${b.file.toFixed(0)}) | ${n.rss.toFixed(1)} MB (${n.anon.toFixed(0)} + ${n.file.toFixed(0)}) | ≤ 130 MB ${ok(b.rss, 130)} |`,
  `| idle RSS ${STEADY_MS / 1000} s after ready, one run (anonymous + file-backed) | ${steady.rssMb.toFixed(1)} MB (${steady.mem.anon.toFixed(0)} + ${steady.mem.file.toFixed(0)}) | | ≤ 100 MB ${ok(steady.rssMb, 100)} |`,
  ...(empty
    ? [
        `| for reference: empty HTTP server on the base Node ${baseVersion}, RSS (anonymous + file-backed) | ${empty.rss.toFixed(1)} MB (${empty.anon.toFixed(0)} + ${empty.file.toFixed(0)}) | | |`
      ]
    : []),
  `| \`--version\`, median | ${median(versions.binary).toFixed(0)} ms | ${median(versions.node).toFixed(0)} ms | ≤ 400 ms ${ok(median(versions.binary), 400)} |`,
  `| \`--help\` (loads the application), median | ${median(versions.binaryHelp).toFixed(0)} ms | ${median(versions.nodeHelp).toFixed(0)} ms | |`
]
if (Fs.existsSync(beacon)) {
  lines.push(
    `| dist/signet-beacon file size | ${size(beacon).toFixed(1)} MB | | |`,
    `| \`signet-beacon --version\`, median | ${median(versions.beacon).toFixed(0)} ms | | |`
  )
}
if (b.ms > 300 || steady.rssMb > 100) {
  lines.push(
    "",
    'Where the time and memory go, and what would meet the goals (application changes, not packaging): docs/binary.md, "Sizes and start-up".'
  )
}
lines.push(
  "",
  `1-minute load average ${loadBefore.toFixed(1)} before and ${Os.loadavg()[0].toFixed(1)} after the runs (${Os.cpus().length} cores): wall times grow with load from other processes; CPU times much less.`,
  "",
  `Runs (ms): binary ${results.binary.map((r) => r.ms.toFixed(0)).join(", ")}; node ${results.node.map((r) => r.ms.toFixed(0)).join(", ")}.`
)
writeSection("Single binary", lines.join("\n"))
console.log(lines.join("\n"))
