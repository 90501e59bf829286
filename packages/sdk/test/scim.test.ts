/**
 * Issue 19 §3 through the Promise facade (`client.scimTokens`): an operator
 * mints a SCIM token, the token provisions a user over `/t/{slug}/scim/v2`,
 * the list never shows the secret, and a revoked token is refused.
 */
import { expect, layer } from "@effect/vitest"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })(
  "client.scimTokens against a real server",
  (it) => {
    it.effect("create, use on /scim/v2, list without the secret, revoke", () =>
      Effect.gen(function* () {
        const server = yield* TestServer
        const run = <A>(f: () => Promise<A>) => Effect.promise(f)
        const operator = createSignetClient({
          baseUrl: server.url,
          tenant: "sdk-scim",
          credentials: { operatorToken: server.token }
        })
        yield* run(() => operator.tenants.create({ slug: "sdk-scim", name: "Scim" }))
        const created = yield* run(() => operator.scimTokens.create({ name: "Okta" }))
        const users = (token: string) =>
          fetch(`${server.url}${created.base_url}/Users`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
            body: JSON.stringify({ userName: "okta@sdk.example", emails: [{ value: "okta@sdk.example" }] })
          })
        expect((yield* run(() => users(created.token))).status).toBe(201)
        const listed = yield* run(() => operator.scimTokens.list())
        expect(listed.map((t) => t.id)).toEqual([created.scim_token.id])
        expect(JSON.stringify(listed)).not.toContain(created.token.slice(18))
        yield* run(() => operator.scimTokens.revoke(created.scim_token.id))
        expect((yield* run(() => users(created.token))).status).toBe(401)
      })
    )
  }
)
