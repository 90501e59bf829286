/**
 * A real SMTP server on loopback for mail tests (`smtp-server`), keeping
 * every message it accepts parsed by `mailparser`. `failing` makes it refuse
 * every sender with a temporary error (451), as a server in trouble does.
 */
import type { AddressInfo } from "node:net"
import { Core, Crypto, Events, smtpMailer } from "@signet/core"
import { makeTestDatabase } from "@signet/core/testing"
import { Context, Effect, Layer, Redacted } from "effect"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"

/** A received message: the envelope recipients and the parsed mail. */
export interface Received {
  readonly rcpt: ReadonlyArray<string>
  readonly mail: ParsedMail
}

/** The running sink. */
export interface SmtpSink {
  readonly port: number
  readonly inbox: Array<Received>
  failing: boolean
  /** Messages received for `address`. */
  readonly to: (address: string) => ReadonlyArray<ParsedMail>
  readonly close: () => Promise<void>
}

/** Starts a sink on 127.0.0.1 (ephemeral port), no TLS, no authentication. */
export const startSmtpSink = (): Promise<SmtpSink> =>
  new Promise((resolve, reject) => {
    const sink: SmtpSink = {
      port: 0,
      inbox: [],
      failing: false,
      to: (address) => sink.inbox.filter((r) => r.rcpt.includes(address.toLowerCase())).map((r) => r.mail),
      close: () => new Promise((done) => server.close(() => done()))
    }
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      onMailFrom: (_address, _session, callback) => {
        if (!sink.failing) return callback()
        const error = Object.assign(new Error("try again later"), { responseCode: 451 })
        callback(error)
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          (mail) => {
            sink.inbox.push({ rcpt: session.envelope.rcptTo.map((a) => a.address.toLowerCase()), mail })
            callback()
          },
          (e) => callback(e as Error)
        )
      }
    })
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      ;(sink as { port: number }).port = (server.server.address() as AddressInfo).port
      resolve(sink)
    })
  })

/** The sink of the layer under test. */
export class Sink extends Context.Tag("test/SmtpSink")<Sink, SmtpSink>() {}

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
