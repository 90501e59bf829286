#!/usr/bin/env node
/**
 * gRPC `ValidateStudentCourse` (issue 21 §3) beside the same call over `/rpc`
 * (the SDK's RPC client) and over the Connect protocol on the main port
 * (JSON, `fetch`), against one `signet serve` (SQLite) in one run,
 * alternating rounds, 16 calls in flight each. Written to docs/benchmarks.md.
 *
 *   node bench/grpc.mjs [--seconds 10]
 */
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { writeSection } from "./report.mjs"
import { freePort, median, root, startSignet } from "./server.mjs"

const serverDir = Path.join(root, "packages/server")
const { createRequire } = await import("node:module")
const req = createRequire(Path.join(serverDir, "package.json"))
const Grpc = req("@grpc/grpc-js")
const Loader = req("@grpc/proto-loader")
const sdk = await import(pathToFileURL(Path.join(root, "packages/sdk/dist/index.js")).href)
const { Effect, Scope, Exit } = await import("effect")

const secondsAt = process.argv.indexOf("--seconds")
const seconds = secondsAt < 0 ? 10 : Number(process.argv[secondsAt + 1])
const grpcPort = await freePort()
const signet = await startSignet("grpc", { SIGNET_GRPC_PORT: String(grpcPort) })
const { url, post, put } = signet
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

// The Connect protocol on the main port: plain JSON over HTTP/1.1 (what curl or any Connect client sends).
const connectUrl = `${url}/academics.api.v1.AcademicsQueryService/ValidateStudentCourse`
const connectHeaders = {
  authorization: `Bearer ${key}`,
  "x-signet-tenant": "bench",
  "content-type": "application/json",
  "connect-protocol-version": "1"
}
const connectBody = JSON.stringify({ studentId: request.student_id, courseId: request.course_id })
const viaConnect = () =>
  fetch(connectUrl, { method: "POST", headers: connectHeaders, body: connectBody })
    .then((r) => r.json())
    .then((r) => r.isAllowed)

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
await round(viaConnect, 1000)
const g = []
const r = []
const c = []
for (let i = 0; i < 4; i++) {
  g.push(await round(viaGrpc, (seconds * 1000) / 12))
  r.push(await round(viaRpc, (seconds * 1000) / 12))
  c.push(await round(viaConnect, (seconds * 1000) / 12))
}
const grpcRate = median(g)
const rpcRate = median(r)
const connectRate = median(c)
grpcClient.close()
await Effect.runPromise(Scope.close(scope, Exit.void))
signet.stop()

const body = [
  `One \`signet serve\` (SQLite), an API key with \`academics:read\`, 16 calls in flight, ${seconds} s in`,
  "alternating rounds (median of 4 each):",
  "",
  "| transport | ValidateStudentCourse / s |",
  "|---|---|",
  `| gRPC (\`@grpc/grpc-js\` client, HTTP/2) | ${Math.round(grpcRate)} |`,
  `| \`/rpc\` (SDK RPC client, NDJSON over HTTP/1.1) | ${Math.round(rpcRate)} |`,
  `| Connect on the main port (\`fetch\`, JSON over HTTP/1.1) | ${Math.round(connectRate)} |`,
  "",
  `gRPC / \`/rpc\`: ${(grpcRate / rpcRate).toFixed(2)}×; Connect / \`/rpc\`: ${(connectRate / rpcRate).toFixed(2)}×.`
].join("\n")
writeSection("gRPC beside /rpc (issue 21 §3)", body)
console.log(body)
