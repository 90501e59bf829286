/**
 * Issue 18 "Invitations" through the Promise facade (`client.invitations`):
 * invite, list, resend, revoke and bulk-invite against a real server.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { createSignetClient } from "@signet/sdk"
import { TestServer, testServer } from "@signet/server/testing"
import { Effect, Redacted } from "effect"

const PASSWORD = "correct horse battery staple"

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 60_000, excludeTestServices: true })(
    `client.invitations against a real server on ${dialect}`,
    (it) => {
      it.scoped("create, list, resend, revoke, and bulk with its summary", () =>
        Effect.gen(function* () {
          const server = yield* TestServer
          const run = <A>(f: () => Promise<A>) => Effect.promise(f)
          const slug = `sdk-inv-${dialect}`
          const operator = createSignetClient({
            baseUrl: server.url,
            tenant: slug,
            credentials: { operatorToken: server.token }
          })
          yield* run(() =>
            operator.tenants.create({
              slug,
              name: "Inv",
              admin: {
                email: `admin@${slug}.example.edu`,
                password: Redacted.make(PASSWORD),
                given_name: "A",
                family_name: "D"
              }
            })
          )
          const admin = createSignetClient({
            baseUrl: server.url,
            tenant: slug,
            credentials: { login: `admin@${slug}.example.edu`, password: PASSWORD }
          })
          const created = yield* run(() =>
            admin.invitations.create({ email: `t@${slug}.example.edu`, user_type: "teacher" })
          )
          expect(created.status).toBe("pending")
          expect((yield* run(() => admin.invitations.resend(created.id))).sent_count).toBe(2)
          expect((yield* run(() => admin.invitations.revoke(created.id))).status).toBe("revoked")
          expect((yield* run(() => admin.invitations.list({ status: "revoked" }))).map((i) => i.id)).toEqual([
            created.id
          ])
          const summary = yield* run(() => admin.invitations.bulk())
          expect(summary).toMatchObject({ invited: 1, more: false, skipped_count: 1 })
        })
      )
    }
  )
}
