/**
 * Issue 22 "soft delete and restore" over REST and RPC:
 * `POST …/activities/{kind}/{id}/restore` brings a deleted task back,
 * a live one answers problem+json 409, an unknown kind 400, another
 * tenant 404; RPC `RestoreActivity` acts alike.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

/** An RPC client for the test server (the SDK's), sending `token` as the bearer. */
const rpcAs = (token: string) => Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, token }))

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Restoring activities over HTTP and RPC on ${dialect} (issue 22)`,
    (it) => {
      it.scoped("a deleted task is restored once; 409 when live, 400 for an unknown kind, 404 elsewhere", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-restore")
          const me = yield* call("GET", "/api/v1/tenants/http-restore/me", { auth: admin })
          const A = "/api/v1/tenants/http-restore/activities"
          const body = { target_type: "user", target_id: me.body.id, title: "Back again" }
          const task = yield* call("POST", `${A}/tasks`, { auth: admin, body })
          yield* call("DELETE", `${A}/tasks/${task.body.id}`, { auth: admin })
          expectProblem(yield* call("GET", `${A}/tasks/${task.body.id}`, { auth: admin }), 404)
          const other = yield* onboardTenant("http-restore-b")
          const B = "/api/v1/tenants/http-restore-b/activities"
          expectProblem(yield* call("POST", `${B}/tasks/${task.body.id}/restore`, { auth: other }), 404)
          expectProblem(yield* call("POST", `${A}/reviews/${task.body.id}/restore`, { auth: admin }), 400)
          const restored = yield* call("POST", `${A}/tasks/${task.body.id}/restore`, { auth: admin })
          expect(restored.status, restored.text).toBe(200)
          expect(restored.body).toEqual({ kind: "tasks", id: task.body.id })
          expect((yield* call("GET", `${A}/tasks/${task.body.id}`, { auth: admin })).body.title).toBe("Back again")
          expectProblem(yield* call("POST", `${A}/tasks/${task.body.id}/restore`, { auth: admin }), 409)

          const rpc = yield* rpcAs(admin)
          const note = yield* rpc.CreateNote({ target_type: "user", target_id: me.body.id, body: "n" })
          yield* rpc.DeleteNote({ id: note.id })
          const foreign = yield* rpcAs(other)
          const refused = yield* Effect.flip(foreign.RestoreActivity({ kind: "notes", id: note.id }))
          expect(refused._tag).toBe("ActivityNotFound")
          expect(yield* rpc.RestoreActivity({ kind: "notes", id: note.id })).toMatchObject({ id: note.id })
          expect((yield* rpc.GetNote({ id: note.id })).body).toBe("n")
        })
      )
      it.scoped("a deleted attachment is restored over REST and RPC (attachments:write), then downloadable", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-restore-files")
          const me = yield* call("GET", "/api/v1/tenants/http-restore-files/me", { auth: admin })
          const A = "/api/v1/tenants/http-restore-files/activities"
          const raw = new Uint8Array(Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "latin1"))
          const upload = () =>
            call("POST", `${A}/attachments?target_type=user&target_id=${me.body.id}&filename=plan.pdf`, {
              auth: admin,
              raw,
              headers: { "content-type": "application/octet-stream" }
            })
          const first = (yield* upload()).body
          yield* call("DELETE", `${A}/attachments/${first.id}`, { auth: admin })
          expectProblem(yield* call("GET", `${A}/attachments/${first.id}`, { auth: admin }), 404)
          const restored = yield* call("POST", `${A}/attachments/${first.id}/restore`, { auth: admin })
          expect(restored.status, restored.text).toBe(200)
          expect(restored.body).toEqual({ kind: "attachments", id: first.id })
          const download = yield* call("GET", `${A}/attachments/${first.id}/content`, { auth: admin })
          expect(download.status).toBe(200)
          expect(download.text.startsWith("%PDF-1.4")).toBe(true)

          const second = (yield* upload()).body
          yield* call("DELETE", `${A}/attachments/${second.id}`, { auth: admin })
          const rpc = yield* rpcAs(admin)
          expect(yield* rpc.RestoreActivity({ kind: "attachments", id: second.id })).toEqual({
            kind: "attachments",
            id: second.id
          })
          expect((yield* call("GET", `${A}/attachments/${second.id}`, { auth: admin })).status).toBe(200)
        })
      )
    }
  )
}
