#!/usr/bin/env node
/**
 * Beacon proof-signature benchmark, written to docs/benchmarks.md ("Beacon proof
 * verification"):
 * 1. Server side: `verifyBeaconSignature` (`@signet/core` beacon/Verify, node:crypto) per
 *    second on one core, ES256 (P1363) and EdDSA, next to bare `crypto.verify`.
 *    Goal ≥ 10,000 verifications/s per core.
 * 2. Agent side: `sign` (`@signet/beacon-agent` Keys, @noble/curves, pure JS) per second, and
 *    noble's own verification for reference.
 *
 * Rates are per CPU-second of the process (per core) and per wall-clock second.
 * Messages are ~64-byte JSON proofs, 1,024 distinct ones (signed beforehand, each checked once
 * to verify), cycled; 0.5 s warm-up, then timed in batches until ≥ 2 s have passed.
 * Needs the builds: `npx tsc -b packages/core packages/beacon-agent`.
 *
 *   node bench/beacon-verify.mjs [--seconds 2]
 */
import * as Crypto from "node:crypto"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const load = (p) => import(pathToFileURL(Path.join(root, p)).href)
const { importBeaconKey, verifyBeaconSignature } = await load("packages/core/dist/beacon/Verify.js")
const Keys = await load("packages/beacon-agent/dist/Keys.js")
const { Either } = await import("effect")

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i < 0 ? fallback : Number(process.argv[i + 1])
}
const seconds = arg("seconds", 2)
const encoder = new TextEncoder()

// ~64-byte JSON proofs: beacon, room, nonce, time.
const messages = Array.from({ length: 1024 }, (_, i) =>
  encoder.encode(
    JSON.stringify({ b: "bcn_7f3a9c", r: "room-12", n: Crypto.randomBytes(6).toString("base64url"), t: 1795000000 + i })
  )
)
const messageBytes = Math.round(messages.reduce((n, m) => n + m.length, 0) / messages.length)

/**
 * Runs `op(i)` for a 0.5 s warm-up, then for ≥ `seconds` of wall time, in batches. Returns
 * `{ cpu, wall }`: operations per CPU-second of this process (the per-core figure, robust to
 * other load on the machine) and per wall-clock second.
 */
const measure = (op) => {
  const batch = 64
  let i = 0
  const until = (ms) => {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    let n = 0
    let elapsed = 0
    do {
      for (let k = 0; k < batch; k++) op(i++ & 1023)
      n += batch
      elapsed = performance.now() - t0
    } while (elapsed < ms)
    const c = process.cpuUsage(c0)
    return { cpu: n / ((c.user + c.system) / 1e6), wall: (n / elapsed) * 1000 }
  }
  until(500)
  return until(seconds * 1000)
}

const rows = []
for (const alg of ["ES256", "EdDSA"]) {
  const pair = Keys.generateKeyPair(alg)
  const key = Either.getOrThrow(importBeaconKey(alg, pair.publicJwk))
  const sigs = messages.map((m) => Keys.sign(alg, pair.privateKey, m))
  for (let i = 0; i < messages.length; i++) {
    if (!verifyBeaconSignature(alg, key, messages[i], sigs[i])) throw new Error(`${alg}: signature ${i} did not verify`)
  }
  let failures = 0
  const verifyRate = measure((i) => {
    if (!verifyBeaconSignature(alg, key, messages[i], sigs[i])) failures++
  })
  const bareRate = measure((i) => {
    const ok =
      alg === "ES256"
        ? Crypto.verify("sha256", messages[i], { key, dsaEncoding: "ieee-p1363" }, sigs[i])
        : Crypto.verify(null, messages[i], key, sigs[i])
    if (!ok) failures++
  })
  const signRate = measure((i) => {
    Keys.sign(alg, pair.privateKey, messages[i])
  })
  const nobleVerifyRate = measure((i) => {
    if (!Keys.verify(alg, pair.publicJwk, messages[i], sigs[i])) failures++
  })
  if (failures > 0) throw new Error(`${alg}: ${failures} verifications failed`)
  rows.push({ alg, verifyRate, bareRate, signRate, nobleVerifyRate })
}

const fmt = (r) => `${Math.round(r.cpu).toLocaleString("en")} (${Math.round(r.wall).toLocaleString("en")})`
const label = { ES256: "ES256 (ECDSA P-256, SHA-256, P1363)", EdDSA: "EdDSA (Ed25519)" }
const lines = [
  `Proof signatures over ${messageBytes}-byte JSON messages (1,024 distinct, cycled), single thread; 0.5 s warm-up, then ≥ ${seconds} s per figure. Figures are operations per CPU-second of the process (= per core), with operations per wall-clock second in brackets. Server: \`verifyBeaconSignature\` (\`packages/core/src/beacon/Verify.ts\`, node:crypto / OpenSSL ${process.versions.openssl}) on a key from \`importBeaconKey\`; "bare" is \`crypto.verify\` alone. Agent: \`sign\` / \`verify\` (\`packages/beacon-agent/src/Keys.ts\`, @noble/curves 2.4.0, pure JS; ES256 with RFC 6979 nonces and low-S; \`verify\` decodes the JWK on each call).`,
  "",
  "| algorithm | server verifications/s | bare crypto.verify/s | agent signatures/s (noble) | noble verifications/s | goal (server) |",
  "|---|---:|---:|---:|---:|---|",
  ...rows.map(
    (r) =>
      `| ${label[r.alg]} | ${fmt(r.verifyRate)} | ${fmt(r.bareRate)} | ${fmt(r.signRate)} | ${fmt(r.nobleVerifyRate)} | ≥ 10,000 per core ${r.verifyRate.cpu >= 10_000 ? "✓" : "✗"} |`
  ),
  "",
  `1-minute load average at the end of the run: ${Os.loadavg()[0].toFixed(2)} on ${Os.cpus().length} CPUs.`
]
writeSection("Beacon proof verification", lines.join("\n"))
console.log(lines.join("\n"))
