/**
 * `@signet/server/testing/mail` — a test server whose mail goes to a real
 * SMTP server on loopback (`@signet/core/testing/smtp`), links naming
 * {@link MAIL_ORIGIN}. For test suites only (the sink needs the
 * `smtp-server` and `mailparser` dev dependencies).
 *
 * @module
 */
import type { TestDialect } from "@signet/core/testing"
import { MailSink, scopedSmtpSink, waitForMail } from "@signet/core/testing/smtp"
import { Effect, Layer, Option, Redacted } from "effect"
import type { ServerConfig } from "../Config.js"
import { call, testServer } from "../testing.js"

/** The public origin of test servers with mail: the links in their mails start with it. */
export const MAIL_ORIGIN = "https://signet.test"

/** A test server (see `testServer`) sending its mail to a loopback sink, provided as `MailSink`. */
export const testServerWithMail = (
  dialect: TestDialect,
  overrides: Partial<ServerConfig> = {},
  env: Record<string, string> = {}
) =>
  Layer.unwrapScoped(
    Effect.map(scopedSmtpSink, (sink) =>
      Layer.merge(
        testServer(
          dialect,
          {
            publicUrl: Option.some(MAIL_ORIGIN),
            mail: { smtpUrl: Option.some(Redacted.make(sink.url)), from: "no-reply@signet.test" },
            ...overrides
          },
          env
        ),
        Layer.succeed(MailSink, sink)
      )
    )
  )

/**
 * Verifies the signed-in user's address `email` in tenant `slug` as the user
 * would (issue 18): asks for the mail with `access`, follows the mailed link's
 * token. Dies when a step does not answer as it should. Needs `MailSink`.
 */
export const verifyOwnEmail = (slug: string, access: string, email: string) =>
  Effect.gen(function* () {
    const sent = yield* call("POST", `/api/v1/tenants/${slug}/me/email-verification`, { auth: access })
    if (sent.status !== 202) return yield* Effect.dieMessage(`verification request: ${sent.status} ${sent.text}`)
    const mail = yield* waitForMail(email, "/verify-email?token=")
    const token = /verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text ?? "")?.[1]
    if (token === undefined) return yield* Effect.dieMessage(`no verification link in the mail to ${email}`)
    const confirm = `/api/v1/tenants/${slug}/auth/email-verification/confirm`
    const done = yield* call("POST", confirm, { auth: false, body: { token } })
    if (done.status !== 200) return yield* Effect.dieMessage(`verification confirm: ${done.status} ${done.text}`)
  })
