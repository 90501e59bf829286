/**
 * Issue 15 §7 (SDK correctness): one login and one refresh shared by concurrent calls, a hook
 * that sees every rotated token pair, plain-string secrets, and client-side ValidationError.
 */
import { expect, layer } from "@effect/vitest"
import { ValidationError } from "@signet/contracts"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect } from "effect"

const PASSWORD = "correct horse battery staple"

layer(testServer("sqlite"), { timeout: 60_000, excludeTestServices: true })("Promise facade (issue 15 §7)", (it) => {
  /** Onboards `slug` with an administrator whose password is a plain string. */
  const onboard = (slug: string) =>
    Effect.flatMap(TestServer, (server) =>
      Effect.promise(() =>
        createSignetClient({
          baseUrl: server.url,
          tenant: slug,
          credentials: { operatorToken: server.token }
        }).tenants.create({
          slug,
          name: slug,
          admin: { email: `admin@${slug}.example.edu`, password: PASSWORD, given_name: "A", family_name: "D" }
        })
      )
    )
  const adminClient = (url: string, slug: string, extra: { refreshLeewaySeconds?: number; onTokens?: any } = {}) =>
    createSignetClient({
      baseUrl: url,
      tenant: slug,
      credentials: { login: `admin@${slug}.example.edu`, password: PASSWORD },
      ...extra
    })
  const sessions = (client: ReturnType<typeof createSignetClient>, slug: string) =>
    client
      .raw()
      .then((r) => Effect.runPromise(r.session.sessions({ path: { slug } }) as Effect.Effect<ReadonlyArray<unknown>>))

  it.effect("concurrent first calls log in once", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      yield* onboard("sdk-once")
      const admin = adminClient(server.url, "sdk-once")
      yield* Effect.promise(() => Promise.all([1, 2, 3, 4].map(() => admin.me())))
      expect(yield* Effect.promise(() => sessions(admin, "sdk-once"))).toHaveLength(1)
    })
  )

  it.effect("concurrent calls that all need a refresh share one, and the session survives", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      yield* onboard("sdk-refresh")
      // A leeway beyond the token's life: every call wants a refresh first.
      const admin = adminClient(server.url, "sdk-refresh", { refreshLeewaySeconds: 3600 })
      yield* Effect.promise(() => admin.me())
      yield* Effect.promise(() => Promise.all([1, 2, 3, 4].map(() => admin.me())))
      // Two refreshes with one refresh token would be a replay, and the server would revoke the session.
      const me = yield* Effect.promise(() => admin.me())
      expect(me.email).toBe("admin@sdk-refresh.example.edu")
    })
  )

  it.effect("onTokens sees the login's pair and every rotated one", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      yield* onboard("sdk-hook")
      const seen: Array<string> = []
      const admin = adminClient(server.url, "sdk-hook", {
        refreshLeewaySeconds: 3600,
        onTokens: (t: { refresh_token: string }) => {
          seen.push(t.refresh_token)
        }
      })
      yield* Effect.promise(() => admin.me())
      yield* Effect.promise(() => admin.me())
      expect(seen).toHaveLength(2)
      expect(new Set(seen).size).toBe(2)
    })
  )

  it.effect("a password given as a plain string works (the facade wraps it)", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      yield* onboard("sdk-plain")
      const admin = adminClient(server.url, "sdk-plain")
      yield* Effect.promise(() =>
        admin.users.create({
          email: "t@sdk-plain.example.edu",
          given_name: "T",
          family_name: "P",
          user_type: "teacher",
          password: "a plain string passphrase"
        })
      )
      const teacher = createSignetClient({
        baseUrl: server.url,
        tenant: "sdk-plain",
        credentials: { login: "t@sdk-plain.example.edu", password: "a plain string passphrase" }
      })
      expect((yield* Effect.promise(() => teacher.me())).user_type).toBe("teacher")
    })
  )

  it.effect("bad input rejects with ValidationError naming the field, without quoting a secret", () =>
    Effect.gen(function* () {
      const server = yield* TestServer
      yield* onboard("sdk-invalid")
      const admin = adminClient(server.url, "sdk-invalid")
      const error = yield* Effect.promise(() =>
        admin.users
          .create({
            email: "t@sdk-invalid.example.edu",
            given_name: "T",
            family_name: "P",
            user_type: "teacher",
            password: "x"
          })
          .then(
            () => null,
            (e: unknown) => e
          )
      )
      expect(error).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues.map((i) => i.field)).toEqual(["password"])
      expect(JSON.stringify(error)).not.toContain('"x"')
    })
  )
})
