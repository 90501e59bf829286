import { FetchHttpClient, Headers } from "@effect/platform"
import { RpcClient, RpcMiddleware, RpcSerialization } from "@effect/rpc"
import { expect, layer } from "@effect/vitest"
import { RpcOperatorAuth, SignetRpcs } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Layer } from "effect"

/** An RPC client for the test server, sending `token` as the operator bearer. */
const client = (token?: string) =>
  Effect.gen(function* () {
    const server = yield* TestServer
    const protocol = RpcClient.layerProtocolHttp({ url: `${server.url}/rpc` }).pipe(
      Layer.provide([FetchHttpClient.layer, RpcSerialization.layerNdjson])
    )
    const auth = RpcMiddleware.layerClient(RpcOperatorAuth, ({ request }) =>
      Effect.succeed({
        ...request,
        headers: Headers.set(request.headers, "authorization", `Bearer ${token ?? server.token}`)
      })
    )
    return yield* RpcClient.make(SignetRpcs).pipe(Effect.provide(Layer.merge(protocol, auth)))
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 60_000, excludeTestServices: true })(`RPC on ${dialect}`, (it) => {
    it.scoped("TenantCommand and TenantQuery mirror REST, with the same tagged errors", () =>
      Effect.gen(function* () {
        const rpc = yield* client()
        const t = yield* rpc.CreateTenant({ slug: "rpc-school", name: "RPC School", region: "eu", plan: "basic" })
        expect(t).toMatchObject({ slug: "rpc-school", region: "eu", plan: "basic", status: "active" })
        expect((yield* rpc.GetTenant({ slug: "rpc-school" })).id).toBe(t.id)
        const dup = yield* Effect.flip(
          rpc.CreateTenant({ slug: "rpc-school", name: "again", region: "global", plan: "free" })
        )
        expect(dup._tag).toBe("Conflict")
        const missing = yield* Effect.flip(rpc.GetTenant({ slug: "nope-nope" }))
        expect(missing._tag).toBe("TenantNotFound")
        expect((yield* rpc.SuspendTenant({ slug: "rpc-school" })).status).toBe("suspended")
        expect((yield* Effect.flip(rpc.SuspendTenant({ slug: "rpc-school" })))._tag).toBe("InvalidTenantTransition")
        expect((yield* rpc.ReactivateTenant({ slug: "rpc-school" })).status).toBe("active")
        const s = yield* rpc.PutSetting({ slug: "rpc-school", key: "general.locale", setting: { value: "fr-FR" } })
        expect(s.value).toBe("fr-FR")
        const bad = yield* Effect.flip(
          rpc.PutSetting({ slug: "rpc-school", key: "general.locale", setting: { value: 42 } })
        )
        expect(bad._tag).toBe("ValidationError")
        const page = yield* rpc.ListTenants({})
        expect(page.items.map((x) => x.slug)).toContain("rpc-school")
      })
    )

    it.scoped("refuses a wrong operator token", () =>
      Effect.gen(function* () {
        const rpc = yield* client("wrong")
        const e = yield* Effect.flip(rpc.GetTenant({ slug: "rpc-school" }))
        expect(e._tag).toBe("Unauthorized")
      })
    )
  })
}
