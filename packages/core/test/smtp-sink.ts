/**
 * Core on a fresh database whose mail goes to the loopback SMTP sink of
 * `@signet/core/testing/smtp` (`failing` makes it refuse every sender with a
 * temporary error, 451), and the outbox drain of the mail tests.
 */
import { Core, Crypto, Events, smtpMailer } from "@signet/core"
import { makeTestDatabase } from "@signet/core/testing"
import { isSecurityNotice, MailSink as Sink, startSmtpSink } from "@signet/core/testing/smtp"
import { Effect, Layer, Redacted } from "effect"

export type { Received, SmtpSink } from "@signet/core/testing/smtp"
export { isSecurityNotice, Sink, startSmtpSink }

/** Origin of the links in test mails. */
export const ORIGIN = "https://signet.test"

/** Core on a fresh database with the SMTP transport pointed at a loopback sink. */
export const mailCore = (dialect: "sqlite" | "pg") =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const sink = yield* Effect.acquireRelease(Effect.promise(startSmtpSink), (s) => Effect.promise(s.close))
      const db = yield* Effect.acquireRelease(
        Effect.promise(() => makeTestDatabase(dialect)),
        (d) => Effect.promise(() => d.dispose())
      )
      const mailer = smtpMailer(Redacted.make(`smtp://127.0.0.1:${sink.port}`), {
        from: "no-reply@signet.test",
        publicOrigin: ORIGIN
      })
      return Layer.merge(
        Core.layer({ databaseUrl: db.url, pgPoolSize: 4, envelope: Crypto.EnvelopeEphemeral, mailer }),
        Layer.succeed(Sink, sink)
      )
    })
  )

/** Runs the outbox dispatcher until it is idle (mail subscribers included). */
export const drain = Effect.flatMap(Events, (e) =>
  Effect.iterate(1, { while: (n) => n > 0, body: () => e.dispatchOnce })
)
