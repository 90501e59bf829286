/**
 * Issue 18 "Invitations" over REST: an admin invites, the server's own
 * outbox dispatcher delivers the mail to a real SMTP server on loopback, the
 * link's token is accepted (API and browser), listed, bulk-invited, and the
 * acceptance endpoint answers 429 with Retry-After when flooded.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { waitForMail } from "@signet/core/testing/smtp"
import { makeRpcClient } from "@signet/sdk"
import { call, expectProblem, onboardTenant, TestServer } from "@signet/server/testing"
import { MAIL_ORIGIN, testServerWithMail } from "@signet/server/testing/mail"
import { Effect } from "effect"
import type { ParsedMail } from "mailparser"

const ORIGIN = MAIL_ORIGIN
const server = (dialect: "sqlite" | "pg") => testServerWithMail(dialect)

/** Waits for the server's outbox to deliver a mail to `address` containing `marker`. */
const mailTo = (address: string, marker = "/invite?token=") => waitForMail(address, marker)

const PASSWORD = "a brand new passphrase 42"
const tokenIn = (mail: ParsedMail) => /invite\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? "")![1]!

for (const dialect of testDialects()) {
  layer(server(dialect), { timeout: 120_000, excludeTestServices: true })(
    `Invitations over REST on ${dialect}`,
    (it) => {
      it.effect("an admin invites; the mailed token signs in once; reuse is a problem+json 400", () =>
        Effect.gen(function* () {
          const slug = `inv-http-${dialect}`
          const access = yield* onboardTenant(slug)
          const email = `teach@${slug}.example.edu`
          const base = `/api/v1/tenants/${slug}/invitations`
          expect((yield* call("POST", base, { auth: false, body: { email, user_type: "teacher" } })).status).toBe(401)
          const created = yield* call("POST", base, { auth: access, body: { email, user_type: "teacher" } })
          expect(created.status).toBe(201)
          expect(created.body).toMatchObject({ email, user_type: "teacher", status: "pending" })
          const mail = yield* mailTo(email)
          expect(mail.html).toContain(`${ORIGIN}/t/${slug}/invite?token=`)
          const acceptUrl = `/api/v1/tenants/${slug}/auth/invitation/accept`
          const ok = yield* call("POST", acceptUrl, {
            auth: false,
            body: { token: tokenIn(mail), new_password: PASSWORD }
          })
          expect(ok.status).toBe(200)
          expect(ok.body.status).toBe("authenticated")
          expect(ok.body.tokens.user.email).toBe(email)
          const reused = yield* call("POST", acceptUrl, {
            auth: false,
            body: { token: tokenIn(mail), new_password: PASSWORD }
          })
          expect(expectProblem(reused, 400).code).toBe("InvalidInvitationToken")
          const listed = yield* call("GET", `${base}?status=accepted`, { auth: access })
          expect(listed.body.map((i: { email: string }) => i.email)).toEqual([email])
          const missing = yield* call("POST", `${base}/00000000-0000-7000-8000-000000000000/revoke`, { auth: access })
          expectProblem(missing, 404)
        })
      )

      it.effect("bulk invites the users without a password and reports the rest", () =>
        Effect.gen(function* () {
          const slug = `inv-bulk-http-${dialect}`
          const access = yield* onboardTenant(slug)
          for (const name of ["s1", "s2"])
            yield* call("POST", `/api/v1/tenants/${slug}/users`, {
              auth: access,
              body: { email: `${name}@${slug}.example.edu`, given_name: "S", family_name: "T", user_type: "student" }
            })
          const summary = yield* call("POST", `/api/v1/tenants/${slug}/invitations/bulk`, { auth: access, body: {} })
          expect(summary.status).toBe(200)
          expect(summary.body.invited).toBe(2)
          expect(summary.body.skipped).toEqual([expect.objectContaining({ reason: "has_password" })])
          yield* mailTo(`s1@${slug}.example.edu`)
          yield* mailTo(`s2@${slug}.example.edu`)
          const tooMany = yield* call("POST", `/api/v1/tenants/${slug}/invitations/bulk`, {
            auth: access,
            body: { limit: 5001 }
          })
          expectProblem(tooMany, 400)
        })
      )

      it.effect("the browser acceptance sets the session cookie", () =>
        Effect.gen(function* () {
          const slug = `inv-web-${dialect}`
          const access = yield* onboardTenant(slug)
          const email = `web@${slug}.example.edu`
          yield* call("POST", `/api/v1/tenants/${slug}/invitations`, {
            auth: access,
            body: { email, user_type: "student" }
          })
          const mail = yield* mailTo(email)
          const res = yield* call("POST", `/api/v1/tenants/${slug}/web/invitation/accept`, {
            auth: false,
            body: { token: tokenIn(mail), new_password: PASSWORD }
          })
          expect(res.status).toBe(200)
          expect(res.body.tokens.refresh_token).toBeUndefined()
          expect(res.headers.get("set-cookie")).toContain("HttpOnly")
        })
      )

      it.scoped("AccountsCommand over RPC invites, lists, resends and revokes as REST does", () =>
        Effect.gen(function* () {
          const slug = `inv-rpc-${dialect}`
          const access = yield* onboardTenant(slug)
          const server = yield* TestServer
          const rpc = yield* makeRpcClient({ baseUrl: server.url, token: access })
          const email = `rpc@${slug}.example.edu`
          const created = yield* rpc.CreateInvitation({ email, user_type: "teacher" })
          expect(created).toMatchObject({ email, status: "pending" })
          expect((yield* Effect.flip(rpc.CreateInvitation({ email, user_type: "teacher" })))._tag).toBe("Conflict")
          expect((yield* rpc.ResendInvitation({ invitation_id: created.id })).sent_count).toBe(2)
          expect((yield* rpc.RevokeInvitation({ invitation_id: created.id })).status).toBe("revoked")
          const listed = yield* rpc.ListInvitations({ status: "revoked" })
          expect(listed.map((i) => i.id)).toEqual([created.id])
          const missing = yield* Effect.flip(rpc.RevokeInvitation({ invitation_id: "nope" }))
          expect(missing._tag).toBe("NotFound")
        })
      )

      it.effect("flooding the acceptance endpoint answers 429 with Retry-After", () =>
        Effect.gen(function* () {
          const slug = `inv-flood-${dialect}`
          yield* onboardTenant(slug)
          const url = `/api/v1/tenants/${slug}/auth/invitation/accept`
          let last = yield* call("POST", url, { auth: false, body: { token: "z".repeat(43), new_password: PASSWORD } })
          for (let i = 0; i < 40 && last.status !== 429; i++)
            last = yield* call("POST", url, { auth: false, body: { token: "z".repeat(43), new_password: PASSWORD } })
          expectProblem(last, 429)
          expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0)
        })
      )
    }
  )
}
