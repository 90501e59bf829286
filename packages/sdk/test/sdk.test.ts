import { expect, layer } from "@effect/vitest"
import { makeHttpClient, makeRpcClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("SDK against a real server", (it) => {
  it.scoped("REST and RPC clients share the contracts and tagged errors", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      const http = yield* makeHttpClient({ baseUrl: server.url, token: server.token })
      const created = yield* http.tenants.create({ payload: { slug: "sdk-school", name: "SDK School" } })
      expect(created).toMatchObject({ slug: "sdk-school", region: "global", plan: "free" })
      const missing = yield* Effect.flip(http.tenants.get({ path: { slug: "no-such-school" } }))
      expect(missing._tag).toBe("TenantNotFound")
      const rpc = yield* makeRpcClient({ baseUrl: server.url, token: server.token })
      expect((yield* rpc.GetTenant({ slug: "sdk-school" })).id).toBe(created.id)
      const anon = yield* makeHttpClient({ baseUrl: server.url })
      expect((yield* Effect.flip(anon.tenants.list({ urlParams: {} })))._tag).toBe("Unauthorized")
    })
  )
})
