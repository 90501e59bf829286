/**
 * `@signet/server/testing/mail` — a test server whose mail goes to a real
 * SMTP server on loopback (`@signet/core/testing/smtp`), links naming
 * {@link MAIL_ORIGIN}. For test suites only (the sink needs the
 * `smtp-server` and `mailparser` dev dependencies).
 *
 * @module
 */
import type { TestDialect } from "@signet/core/testing"
import { MailSink, scopedSmtpSink } from "@signet/core/testing/smtp"
import { Effect, Layer, Option, Redacted } from "effect"
import type { ServerConfig } from "../Config.js"
import { testServer } from "../testing.js"

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
