/**
 * Issue 18 "printable sign-in cards" over REST: `POST …/invitations/cards`
 * answers the PDF as an attachment with the summary headers; a card's QR
 * code, decoded from the PDF, signs the student in once; another tenant's
 * group is a problem+json 404, a student caller a 403, a malformed body a 400.
 * The same call over RPC (`AccountsCommand.SignInCards`) answers the PDF
 * bytes with the counts.
 */
import { expect, layer } from "@effect/vitest"
import { GroupId } from "@signet/contracts/academics/Domain"
import { testDialects } from "@signet/core/testing"
import { readCards } from "@signet/core/testing/cards"
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
import { Effect } from "effect"

/** POSTs the cards request; answers status, headers and the raw bytes. */
const postCards = (slug: string, token: string, body: unknown) =>
  Effect.flatMap(TestServer, (server) =>
    Effect.promise(async () => {
      const res = await fetch(`${server.url}/api/v1/tenants/${slug}/invitations/cards`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body)
      })
      return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) }
    })
  )

/** A tenant with a group of `n` students without a password and one with; answers ids and the admin token. */
const setup = (slug: string, n: number) =>
  Effect.gen(function* () {
    const admin = yield* onboardTenant(slug)
    const T = `/api/v1/tenants/${slug}`
    const post = (path: string, body: unknown) => call("POST", `${T}${path}`, { auth: admin, body })
    const school = (yield* post("/schools", { name: "Zola", code: "ZOLA" })).body
    const group = (yield* post("/groups", { school_id: school.id, name: "5e B" })).body
    const student = (i: number, extra: Record<string, unknown> = {}) =>
      Effect.map(
        post("/users", {
          email: `kid${i}@${slug}.example.edu`,
          given_name: `Kid${i}`,
          family_name: "Zola",
          user_type: "student",
          ...extra
        }),
        (r) => r.body.id as string
      )
    const ids = yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) => student(i)
    )
    const withPassword = yield* student(n, { password: TEST_PASSWORD })
    const members = yield* call("PUT", `${T}/groups/${group.id}/members`, {
      auth: admin,
      body: { student_ids: [...ids, withPassword] }
    })
    expect(members.status).toBe(200)
    return { admin, group: group.id as string, ids, withPassword }
  })

for (const dialect of testDialects()) {
  layer(testServer(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Sign-in cards over REST on ${dialect}`,
    (it) => {
      it.effect("the PDF attachment holds a card per student; its QR signs in once; headers summarise", () =>
        Effect.gen(function* () {
          const slug = `cards-http-${dialect}`
          const { admin, group, ids, withPassword } = yield* setup(slug, 3)
          const res = yield* postCards(slug, admin, { group_id: group })
          expect(res.status).toBe(200)
          expect(res.headers.get("content-type")).toBe("application/pdf")
          expect(res.headers.get("content-disposition")).toContain("attachment")
          expect(res.headers.get("signet-cards-created")).toBe("3")
          expect(res.headers.get("signet-cards-skipped")).toBe("1")
          expect(res.headers.get("signet-cards-skipped-users")).toBe(`${withPassword}:has_password`)
          const cards = yield* Effect.promise(() => readCards(res.bytes))
          expect(cards.pages).toBe(1)
          expect(cards.links.length).toBe(3)
          const token = new RegExp(`/t/${slug}/invite\\?token=([A-Za-z0-9_-]{43})$`).exec(cards.links[0]!)![1]!
          const acceptUrl = `/api/v1/tenants/${slug}/auth/invitation/accept`
          const body = { token, new_password: "a brand new passphrase 42" }
          const ok = yield* call("POST", acceptUrl, { auth: false, body })
          expect(ok.status).toBe(200)
          expect(ids).toContain(ok.body.tokens.user.id)
          expectProblem(yield* call("POST", acceptUrl, { auth: false, body }), 400)
        })
      )

      it.scoped(
        "SignInCards over RPC answers the PDF with the counts; another tenant's group is AcademicsNotFound",
        () =>
          Effect.gen(function* () {
            const slug = `cards-rpc-${dialect}`
            const { admin, group, withPassword } = yield* setup(slug, 2)
            const other = yield* setup(`cards-rpc-other-${dialect}`, 1)
            const server = yield* TestServer
            const rpc = yield* makeRpcClient({ baseUrl: server.url, token: admin })
            const doc = yield* rpc.SignInCards({ group_id: GroupId.make(group) })
            expect(new TextDecoder().decode(doc.pdf.slice(0, 5))).toBe("%PDF-")
            expect(doc.created).toBe(2)
            expect(doc.skipped.map((s) => [s.user_id, s.reason])).toEqual([[withPassword, "has_password"]])
            expect((yield* Effect.promise(() => readCards(doc.pdf))).links.length).toBe(2)
            const foreign = yield* Effect.flip(rpc.SignInCards({ group_id: GroupId.make(other.group) }))
            expect(foreign._tag).toBe("AcademicsNotFound")
          })
      )

      it.effect("another tenant's group is a 404, a student a 403, a malformed id a 400", () =>
        Effect.gen(function* () {
          const slug = `cards-deny-${dialect}`
          const own = yield* setup(slug, 1)
          const other = yield* setup(`cards-other-${dialect}`, 1)
          const foreign = yield* call("POST", `/api/v1/tenants/${slug}/invitations/cards`, {
            auth: own.admin,
            body: { group_id: other.group }
          })
          expectProblem(foreign, 404)
          const student = yield* loginToken(slug, `kid1@${slug}.example.edu`)
          const denied = yield* call("POST", `/api/v1/tenants/${slug}/invitations/cards`, {
            auth: student,
            body: { group_id: own.group }
          })
          expectProblem(denied, 403)
          const malformed = yield* call("POST", `/api/v1/tenants/${slug}/invitations/cards`, {
            auth: own.admin,
            body: { group_id: "not-a-group" }
          })
          expectProblem(malformed, 400)
        })
      )
    }
  )
}
