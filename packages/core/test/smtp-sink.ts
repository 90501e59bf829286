/**
 * A real SMTP server on loopback for mail tests (`smtp-server`), keeping
 * every message it accepts parsed by `mailparser`. `failing` makes it refuse
 * every sender with a temporary error (451), as a server in trouble does.
 */
import type { AddressInfo } from "node:net"
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
