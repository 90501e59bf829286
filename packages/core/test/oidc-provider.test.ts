/**
 * Issue 19 §1, in process (what an embedder of @signet/core gets): the
 * tenant's OpenID Connect provider signs with Signet's keys — the
 * platform's, then the tenant's own once it has some (the cached provider
 * is rebuilt when they change) — and another tenant's provider does not
 * publish them. On SQLite and Postgres.
 */
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { expect, layer } from "@effect/vitest"
import { CreateTenant, OidcProviders, SigningKeys, Tenancy, type TenantProvider } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { testActor, testCore } from "./support.js"

const onboard = (slug: string) =>
  Tenancy.use((t) => t.create(Schema.decodeUnknownSync(CreateTenant)({ slug, name: slug }))).pipe(
    Effect.provide(testActor)
  )

/** The kids of the provider's JWKS, fetched from the provider itself served on loopback. */
const jwksKids = (tp: TenantProvider) =>
  Effect.promise(async () => {
    const server = Http.createServer((req, res) => {
      req.url = (req.url ?? "/").replace(/^\/t\/[^/]+/, "")
      void tp.provider.callback()(req, res)
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    try {
      const { port } = server.address() as AddressInfo
      const body = (await (await fetch(`http://127.0.0.1:${port}/t/x/oidc/jwks`)).json()) as {
        keys: Array<{ kid: string; alg: string; d?: string }>
      }
      return body.keys
    } finally {
      server.close()
    }
  })

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 240_000 })(`OIDC provider keys on ${dialect} (issue 19 §1)`, (it) => {
    it.effect(
      "the platform's key first; after the tenant's own key is rotated in, the rebuilt provider signs with it",
      () =>
        Effect.gen(function* () {
          const tenant = yield* onboard("oidc-keys-a")
          yield* onboard("oidc-keys-b")
          const providers = yield* OidcProviders
          const platform = (yield* SigningKeys.use((k) => k.jwks)).keys.map((k) => k.kid)
          const first = yield* providers.forTenant("oidc-keys-a", "https://signet.example")
          expect(first.issuer).toBe("https://signet.example/t/oidc-keys-a")
          const before = yield* jwksKids(first)
          expect(before.map((k) => k.kid)).toEqual(platform)
          expect(before.every((k) => k.d === undefined)).toBe(true)
          const kid = yield* SigningKeys.use((k) => k.rotate("EdDSA", undefined, tenant.id))
          const second = yield* providers.forTenant("oidc-keys-a", "https://signet.example")
          expect(second.provider).not.toBe(first.provider)
          const after = yield* jwksKids(second)
          expect(after[0]).toMatchObject({ kid, alg: "EdDSA" })
          expect(after.every((k) => k.d === undefined)).toBe(true)
          const other = yield* jwksKids(yield* providers.forTenant("oidc-keys-b", "https://signet.example"))
          expect(other.map((k) => k.kid)).not.toContain(kid)
          // Unchanged keys: the cached provider is answered again.
          expect((yield* providers.forTenant("oidc-keys-a", "https://signet.example")).provider).toBe(second.provider)
        }),
      240_000
    )

    it.effect(
      "an unknown tenant has no provider",
      () =>
        Effect.gen(function* () {
          const providers = yield* OidcProviders
          const failed = yield* Effect.flip(providers.forTenant("oidc-nobody", "https://signet.example"))
          expect(failed._tag).toBe("TenantNotFound")
        }),
      240_000
    )
  })
}
