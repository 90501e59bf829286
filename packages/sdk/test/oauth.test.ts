/**
 * Issue 21 §4 through the Promise facade (`client.oauth`): the operator
 * registers a credential (the secret never comes back), lists and reads it,
 * sees no bindings yet, deletes it; a deleted provider fails with `PlatformCredentialNotFound`.
 */
import { expect, layer } from "@effect/vitest"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })(
  "client.oauth against a real server",
  (it) => {
    it.effect("putProvider, providers, provider, bindings, removeProvider", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-oauth",
          credentials: { operatorToken: server.token }
        })
        yield* run(() => operator.tenants.create({ slug: "sdk-oauth", name: "OAuth" }))
        const secret = "sdk-client-secret-0123456789"
        const put = yield* run(() =>
          operator.oauth.putProvider("lms", {
            issuer: "https://lms.example.org",
            client_id: "signet",
            client_secret: secret,
            scopes: ["openid", "offline_access"]
          })
        )
        expect(put).toMatchObject({ provider: "lms", client_id: "signet", scopes: ["openid", "offline_access"] })
        const listed = yield* run(() => operator.oauth.providers())
        expect(listed.map((p) => p.provider)).toEqual(["lms"])
        expect(JSON.stringify(listed)).not.toContain(secret)
        expect((yield* run(() => operator.oauth.provider("lms"))).issuer).toBe("https://lms.example.org")
        expect(yield* run(() => operator.oauth.bindings())).toEqual([])
        yield* run(() => operator.oauth.removeProvider("lms"))
        const gone = yield* Effect.promise(() =>
          operator.oauth.provider("lms").then(
            () => "found",
            (e: { _tag?: string }) => e._tag
          )
        )
        expect(gone).toBe("PlatformCredentialNotFound")
      })
    )
  }
)
