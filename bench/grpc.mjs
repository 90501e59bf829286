#!/usr/bin/env node
/**
 * gRPC `ValidateStudentCourse` (issue 21 §3) beside the same call over `/rpc`
 * (the SDK's RPC client), against one `signet serve` (SQLite) in one run,
 * alternating rounds, 16 calls in flight each. Written to docs/benchmarks.md.
 *
 *   node bench/grpc.mjs [--seconds 10]
 */
import { spawn, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = Path.join(root, "packages/cli/bin/signet.js")
const serverDir = Path.join(root, "packages/server")
const { createRequire } = await import("node:module")
const req = createRequire(Path.join(serverDir, "package.json"))
const Grpc = req("@grpc/grpc-js")
const Loader = req("@grpc/proto-loader")
const sdk = await import(pathToFileURL(Path.join(root, "packages/sdk/dist/index.js")).href)
const { Effect, Scope, Exit } = await import("effect")

const secondsAt = process.argv.indexOf("--seconds")
const seconds = secondsAt < 0 ? 10 : Number(process.argv[secondsAt + 1])
const freePort = () =>
  new Promise((resolve) => {
    const s = Net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
const grpcPort = await freePort()
const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-bench-grpc-"))
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SIGNET_") && k !== "DATABASE_URL")),
  SIGNET_RATE_API_USER: "off",
  SIGNET_RATE_API_KEY: "off",
  SIGNET_LOG_LEVEL: "none",
  SIGNET_GRPC_PORT: String(grpcPort)
}
spawnSync(process.execPath, [bin, "init"], { cwd: dir, env, stdio: "ignore" })
const config = JSON.parse(Fs.readFileSync(Path.join(dir, "signet.json"), "utf8"))
const server = spawn(process.execPath, [bin, "serve", "--port", "0"], {
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
const op = { authorization: `Bearer ${config.SIGNET_BOOTSTRAP_TOKEN}`, "content-type": "application/json" }
const post = async (path, body) => {
  const r = await fetch(url + path, { method: "POST", headers: op, body: JSON.stringify(body) })
  return r.json()
}
const put = (path, body) => fetch(url + path, { method: "PUT", headers: op, body: JSON.stringify(body) })
const T = "/api/v1/tenants/bench"
await post("/api/v1/tenants", { slug: "bench", name: "Bench" })
const school = await post(`${T}/schools`, { name: "Hugo" })
const student = await post(`${T}/users`, {
  email: "s@bench.example.edu",
  given_name: "S",
  family_name: "T",
  user_type: "student",
  school_id: school.id
})
const group = await post(`${T}/groups`, { school_id: school.id, name: "2A" })
await put(`${T}/groups/${group.id}/members`, { student_ids: [student.id] })
const now = Date.now()
const course = await post(`${T}/courses`, {
  school_id: school.id,
  name: "Maths",
  start_at: new Date(now).toISOString(),
  end_at: new Date(now + 3_600_000).toISOString(),
  group_ids: [group.id]
})
const { key } = await post(`${T}/api-keys`, { name: "bench", permissions: ["academics:read"] })
const request = { student_id: student.id, course_id: course.id }

// gRPC client from the same proto files.
const protoDir = Path.join(root, "packages/contracts/proto")
const pkg = Grpc.loadPackageDefinition(
  Loader.loadSync(
    ["academics.proto"].map((f) => Path.join(protoDir, f)),
    { keepCase: true, longs: String, enums: String, defaults: true, includeDirs: [protoDir] }
  )
)
const grpcClient = new pkg.academics.api.v1.AcademicsQueryService(
  `127.0.0.1:${grpcPort}`,
  Grpc.credentials.createInsecure()
)
const md = new Grpc.Metadata()
md.set("authorization", `Bearer ${key}`)
md.set("x-signet-tenant", "bench")
const viaGrpc = () =>
  new Promise((resolve, reject) =>
    grpcClient.ValidateStudentCourse(request, md, (e, r) => (e ? reject(e) : resolve(r.is_allowed)))
  )

// /rpc client (the SDK's).
const scope = Effect.runSync(Scope.make())
const rpc = await Effect.runPromise(
  Scope.extend(sdk.makeRpcClient({ baseUrl: url, token: key, tenant: "bench" }), scope)
)
const viaRpc = () => Effect.runPromise(rpc.ValidateStudentCourse(request)).then((r) => r.is_allowed)

const round = async (call, ms) => {
  let n = 0
  const until = performance.now() + ms
  const worker = async () => {
    while (performance.now() < until) {
      if ((await call()) !== true) throw new Error("unexpected answer")
      n++
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  return n / (ms / 1000)
}
await round(viaGrpc, 1000)
await round(viaRpc, 1000)
const g = []
const r = []
for (let i = 0; i < 4; i++) {
  g.push(await round(viaGrpc, (seconds * 1000) / 8))
  r.push(await round(viaRpc, (seconds * 1000) / 8))
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const grpcRate = median(g)
const rpcRate = median(r)
grpcClient.close()
await Effect.runPromise(Scope.close(scope, Exit.void))
server.kill("SIGTERM")
Fs.rmSync(dir, { recursive: true, force: true })

const body = [
  `One \`signet serve\` (SQLite), an API key with \`academics:read\`, 16 calls in flight, ${seconds} s in`,
  "alternating rounds (median of 4 each):",
  "",
  "| transport | ValidateStudentCourse / s |",
  "|---|---|",
  `| gRPC (\`@grpc/grpc-js\` client, HTTP/2) | ${Math.round(grpcRate)} |`,
  `| \`/rpc\` (SDK RPC client, NDJSON over HTTP/1.1) | ${Math.round(rpcRate)} |`,
  "",
  `gRPC / \`/rpc\`: ${(grpcRate / rpcRate).toFixed(2)}×.`
].join("\n")
writeSection("gRPC beside /rpc (issue 21 §3)", body)
console.log(body)
