/**
 * `@signet/core/testing/smtp` — a real SMTP server on loopback for mail tests
 * (`smtp-server`, messages parsed by `mailparser`; both are dev
 * dependencies, so this entry point is for test suites only). Used by the
 * core, server, CLI and browser suites in place of five copies (issue 18).
 *
 * @module
 */
import type { AddressInfo } from "node:net"
import { Context, Effect } from "effect"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"

/** A received message: the envelope recipients (lower case) and the parsed mail. */
export interface Received {
  readonly rcpt: ReadonlyArray<string>
  readonly mail: ParsedMail
}

/** A running sink. */
export interface SmtpSink {
  /** The port it listens on (127.0.0.1). */
  readonly port: number
  /** `smtp://127.0.0.1:<port>`, for `SIGNET_SMTP_URL` or `smtpMailer`. */
  readonly url: string
  /** Every message accepted, in order. */
  readonly inbox: Array<Received>
  /** When set, every sender is refused with a temporary error (451), as a server in trouble does. */
  failing: boolean
  /** Messages received for `address` (envelope recipient, case-insensitive). */
  readonly to: (address: string) => ReadonlyArray<ParsedMail>
  readonly close: () => Promise<void>
}

/** Starts a sink on 127.0.0.1 (ephemeral port), no TLS, no authentication. */
export const startSmtpSink = (): Promise<SmtpSink> =>
  new Promise((resolve, reject) => {
    const sink: SmtpSink = {
      port: 0,
      url: "",
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
        callback(Object.assign(new Error("try again later"), { responseCode: 451 }))
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
      const port = (server.server.address() as AddressInfo).port
      Object.assign(sink, { port, url: `smtp://127.0.0.1:${port}` })
      resolve(sink)
    })
  })

/**
 * Whether `mail` is a security notice (`accounts/SecurityNotices.ts`: mailed
 * to a user when their password or a sign-in factor changes), by its
 * subject in English or French — for tests counting the other mails of a
 * user who enrolled TOTP or changed a password on the way.
 */
export const isSecurityNotice = (mail: { readonly subject?: string | undefined }): boolean =>
  mail.subject?.startsWith("Security notice") === true || mail.subject?.startsWith("Alerte de sécurité") === true

/** The sink of the layer under test. */
export class MailSink extends Context.Tag("test/MailSink")<MailSink, SmtpSink>() {}

/** A sink for the scope: started now, closed when the scope closes. */
export const scopedSmtpSink = Effect.acquireRelease(Effect.promise(startSmtpSink), (s) => Effect.promise(s.close))

/**
 * Waits for a message to `address` whose text contains `marker` (real time:
 * a server's outbox dispatcher delivers in the background), polling every
 * 50 ms up to `attempts` times; dies with "no mail to …" after that.
 */
export const waitForMail = (address: string, marker: string, attempts = 600) =>
  Effect.flatMap(MailSink, (sink) =>
    Effect.gen(function* () {
      for (let i = 0; i < attempts; i++) {
        const found = sink.to(address).find((m) => m.text?.includes(marker))
        if (found) return found
        yield* Effect.sleep("50 millis")
      }
      return yield* Effect.dieMessage(`no mail to ${address} containing ${marker}`)
    })
  )
