/**
 * Issue 22 "Channel configs" over HTTP and RPC: an admin adds, lists,
 * changes, deletes and restores the tenant's channels; credentials are
 * accepted and never answered; bad settings are problem+json 400; a
 * teacher (no `channels:*`) gets 403; another tenant gets 404.
 */
import { expect, layer } from "@effect/vitest"
import { UpdateChannelConfig } from "@signet/contracts/activities/Channels"
import { testDialects } from "@signet/core/testing"
import { makeRpcClient } from "@signet/sdk"
import {
  call,
  expectProblem,
  loginToken,
  onboardTenant,
  TEST_PASSWORD,
  TestServer,
  testServer
} from "@signet/server/testing"
import { Effect, Redacted } from "effect"

const SECRET = "sk_http_0123456789abcdef"
const rpcAs = (token: string) => Effect.flatMap(TestServer, (s) => makeRpcClient({ baseUrl: s.url, token }))

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Channel configs over HTTP on ${dialect} (issue 22)`,
    (it) => {
      it.effect("an admin adds, lists, changes, deletes and restores a channel; credentials never come back", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-ch")
          const C = "/api/v1/tenants/http-ch/channels"
          const created = yield* call("POST", C, {
            auth: admin,
            body: {
              kind: "sms",
              name: "Texts",
              settings: { url: "https://sms.example.com/send", from: "Signet", auth_header: "X-Api-Key" },
              credentials: SECRET,
              event_types: ["signet.accounts.mfa.code"]
            }
          })
          expect(created.status, created.text).toBe(201)
          expect(created.body).toMatchObject({ has_credentials: true, credentials_hint: "cdef", enabled: true })
          expect(created.text).not.toContain(SECRET)
          const list = yield* call("GET", C, { auth: admin })
          expect(list.body.map((c: { id: string }) => c.id)).toEqual([created.body.id])
          expect(list.text).not.toContain(SECRET)
          const patched = yield* call("PATCH", `${C}/${created.body.id}`, {
            auth: admin,
            body: { enabled: false, credentials: null }
          })
          expect(patched.body).toMatchObject({ enabled: false, has_credentials: false, credentials_hint: null })
          expect((yield* call("DELETE", `${C}/${created.body.id}`, { auth: admin })).status).toBe(204)
          expectProblem(yield* call("GET", `${C}/${created.body.id}`, { auth: admin }), 404)
          const restored = yield* call("POST", `${C}/${created.body.id}/restore`, { auth: admin })
          expect(restored.status, restored.text).toBe(200)
          expectProblem(yield* call("POST", `${C}/${created.body.id}/restore`, { auth: admin }), 409)
        })
      )

      it.effect("bad settings are 400; a teacher is 403; another tenant's channel is 404", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("http-ch-bad")
          const C = "/api/v1/tenants/http-ch-bad/channels"
          for (const settings of [{ url: "http://chat.example/in" }, { url: "https://10.0.0.1/in" }, {}])
            expectProblem(yield* call("POST", C, { auth: admin, body: { kind: "chat", name: "c", settings } }), 400)
          expectProblem(yield* call("POST", C, { auth: admin, body: { kind: "fax", name: "c", settings: {} } }), 400)
          const teacher = yield* call("POST", "/api/v1/tenants/http-ch-bad/users", {
            auth: admin,
            body: {
              email: "t@http-ch-bad.example.edu",
              given_name: "T",
              family_name: "T",
              user_type: "teacher",
              password: TEST_PASSWORD
            }
          })
          expect(teacher.status, teacher.text).toBe(201)
          const t = yield* loginToken("http-ch-bad", "t@http-ch-bad.example.edu")
          expectProblem(yield* call("GET", C, { auth: t }), 403)
          const ch = yield* call("POST", C, {
            auth: admin,
            body: { kind: "webhook", name: "w", settings: { url: "https://hooks.example/in" } }
          })
          expect(ch.status, ch.text).toBe(201)
          const other = yield* onboardTenant("http-ch-other")
          const O = "/api/v1/tenants/http-ch-other/channels"
          expectProblem(yield* call("GET", `${O}/${ch.body.id}`, { auth: other }), 404)
          expectProblem(yield* call("PATCH", `${O}/${ch.body.id}`, { auth: other, body: { name: "x" } }), 404)
          expectProblem(yield* call("DELETE", `${O}/${ch.body.id}`, { auth: other }), 404)
          expect((yield* call("GET", O, { auth: other })).body).toEqual([])
        })
      )

      it.scoped("the RPC twins act alike", () =>
        Effect.gen(function* () {
          const admin = yield* onboardTenant("rpc-ch")
          const rpc = yield* rpcAs(admin)
          const ch = yield* rpc.CreateChannel({
            kind: "email",
            name: "Mail",
            settings: { from_address: "no-reply@school.example" },
            credentials: Redacted.make("smtp-password-123456")
          })
          expect(ch).toMatchObject({ kind: "email", has_credentials: true, credentials_hint: "3456" })
          expect((yield* rpc.ListChannels()).map((c) => c.id)).toEqual([ch.id])
          const renamed = yield* rpc.UpdateChannel({
            id: ch.id,
            patch: new UpdateChannelConfig({ name: "School mail" })
          })
          expect(renamed.name).toBe("School mail")
          yield* rpc.DeleteChannel({ id: ch.id })
          expect((yield* rpc.RestoreChannel({ id: ch.id })).id).toBe(ch.id)
          const other = yield* rpcAs(yield* onboardTenant("rpc-ch-b"))
          expect((yield* Effect.flip(other.GetChannel({ id: ch.id })))._tag).toBe("ChannelNotFound")
        })
      )
    }
  )
}
