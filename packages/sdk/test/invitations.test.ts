/**
 * Issue 18 "Invitations" through the Promise facade (`client.invitations`):
 * invite, list, resend, revoke, bulk-invite and print sign-in cards
 * against a real server.
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
      it.scoped("create, list, resend, revoke, bulk with its summary, and sign-in cards", () =>
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
          // Issue 18 "printable sign-in cards": the PDF and the summary headers.
          const school = yield* run(() => admin.academics.createSchool({ name: "Zola", code: "ZOLA" }))
          const group = yield* run(() => admin.academics.createGroup({ school_id: school.id, name: "5e B" }))
          const student = (n: number, extra: Record<string, unknown> = {}) =>
            run(() =>
              admin.users.create({
                email: `kid${n}@${slug}.example.edu`,
                given_name: "Kid",
                family_name: `N${n}`,
                user_type: "student",
                ...extra
              } as never)
            )
          const kids = [yield* student(1), yield* student(2, { password: PASSWORD })]
          yield* run(() =>
            admin.academics.setMembers(
              group.id,
              kids.map((k) => k.id)
            )
          )
          const cards = yield* run(() => admin.invitations.cards({ group_id: group.id }))
          expect(new TextDecoder().decode(cards.pdf.slice(0, 5))).toBe("%PDF-")
          expect(cards).toMatchObject({
            created: 1,
            skippedCount: 1,
            skipped: [{ user_id: kids[1]!.id, reason: "has_password" }]
          })
        })
      )
    }
  )
}
