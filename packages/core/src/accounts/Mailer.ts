/**
 * E-mail delivery (issue 18 "E-mail delivery"): the {@link Mailer} service
 * and its two transports.
 *
 * - **smtp**: `nodemailer` over one URL, `SIGNET_SMTP_URL`
 *   (`smtp://user:pass@host:587` — STARTTLS when the server offers it —
 *   or `smtps://user:pass@host:465` for implicit TLS; nodemailer's query
 *   options such as `?pool=true` pass through). The URL holds a password, so
 *   it travels `Redacted` and is never logged.
 * - **log**: development only. It prints every message, links and their
 *   tokens included, to the log, and says so with a warning when it starts.
 *   It is the default when `SIGNET_SMTP_URL` is unset so that a fresh
 *   installation works; production must set an SMTP URL.
 *
 * The mailer only sends. Queuing (the outbox, retries, dead letters) is
 * `accounts/MailQueue.ts`.
 *
 * @module
 */
import { Config, Context, Data, Effect, Layer, Option, Redacted } from "effect"
import { createTransport } from "nodemailer"

/**
 * A file sent with a message (an invoice's PDF, issue 20): its name as the
 * recipient sees it, its media type and its bytes in base64 (so a queued
 * message stays one JSON document).
 */
export interface MailAttachment {
  readonly filename: string
  readonly contentType: string
  readonly base64: string
}

/** One message ready to send. Addresses are plain e-mail addresses. */
export interface OutgoingMail {
  /** `Message-ID` without angle brackets (`<mail id>@signet`): a resent duplicate is recognisable. */
  readonly messageId: string
  readonly to: string
  /** Display name put before the `from` address (the tenant's name). */
  readonly fromName?: string | undefined
  readonly replyTo?: string | undefined
  readonly subject: string
  readonly text: string
  readonly html: string
  /** Files sent with the message (none when absent). */
  readonly attachments?: ReadonlyArray<MailAttachment> | undefined
}

/** Delivery failed (connection refused, authentication, rejected recipient…); the queue retries. */
export class MailDeliveryError extends Data.TaggedError("MailDeliveryError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/** The mailer: the configured transport, the sender address and the web app's origin for links. */
export class Mailer extends Context.Tag("Signet/Mailer")<
  Mailer,
  {
    /** Which transport is in use. */
    readonly transport: "smtp" | "log"
    /** The `From` address (`SIGNET_MAIL_FROM`). */
    readonly from: string
    /** Origin of the links mails carry (`SIGNET_PUBLIC_URL`, no trailing slash). */
    readonly publicOrigin: string
    /** Sends one message. @errors MailDeliveryError */
    readonly send: (mail: OutgoingMail) => Effect.Effect<void, MailDeliveryError>
    /** Connects and authenticates without sending (`signet doctor`). @errors MailDeliveryError */
    readonly verify: Effect.Effect<void, MailDeliveryError>
  }
>() {}

/** What both transports are configured with. */
export interface MailerOptions {
  readonly from: string
  readonly publicOrigin: string
}

/** Default sender when `SIGNET_MAIL_FROM` is unset. */
export const DEFAULT_MAIL_FROM = "signet@localhost"

/**
 * The development transport: logs each message (recipient, subject, text
 * part) at info level. Never use it in production: the text holds reset
 * links and their tokens.
 */
export const logMailer = (options: MailerOptions): Layer.Layer<Mailer> =>
  Layer.sync(Mailer, () => {
    // The warning comes with the first message, not at start: building the core (every CLI
    // command does) must print nothing, and a process that sends no mail needs no warning.
    let warned = false
    return {
      transport: "log" as const,
      from: options.from,
      publicOrigin: options.publicOrigin,
      send: (mail: OutgoingMail) =>
        Effect.suspend(() => {
          const warning = warned
            ? Effect.void
            : Effect.logWarning(
                "mail: log transport (development only) — messages, links and tokens included, are printed to this log; set SIGNET_SMTP_URL in production"
              )
          warned = true
          return Effect.zipRight(
            warning,
            Effect.logInfo("mail (log transport, development only)").pipe(
              Effect.annotateLogs({
                message_id: mail.messageId,
                to: mail.to,
                subject: mail.subject,
                text: mail.text,
                attachments: (mail.attachments ?? []).map((a) => a.filename)
              })
            )
          )
        }),
      verify: Effect.void
    }
  })

/**
 * The SMTP transport through nodemailer, from `url` (`smtp://` or
 * `smtps://`). The connection pool (when `?pool=true`) closes with the layer.
 */
export const smtpMailer = (url: Redacted.Redacted<string>, options: MailerOptions): Layer.Layer<Mailer> =>
  Layer.scoped(
    Mailer,
    Effect.gen(function* () {
      const transporter = yield* Effect.acquireRelease(
        Effect.sync(() =>
          createTransport(Redacted.value(url), {
            // Bounded waits: a dead server fails the attempt and the queue retries later.
            connectionTimeout: 15_000,
            greetingTimeout: 15_000,
            socketTimeout: 30_000
          } as never)
        ),
        (t) => Effect.sync(() => t.close())
      )
      const fail = (what: string) => (cause: unknown) =>
        new MailDeliveryError({ message: `${what}: ${(cause as Error)?.message ?? String(cause)}`, cause })
      return {
        transport: "smtp" as const,
        from: options.from,
        publicOrigin: options.publicOrigin,
        send: (mail: OutgoingMail) =>
          Effect.tryPromise({
            try: () =>
              transporter.sendMail({
                messageId: `<${mail.messageId}>`,
                from: mail.fromName ? { name: mail.fromName, address: options.from } : options.from,
                to: mail.to,
                ...(mail.replyTo ? { replyTo: mail.replyTo } : {}),
                subject: mail.subject,
                text: mail.text,
                html: mail.html,
                ...(mail.attachments?.length
                  ? {
                      attachments: mail.attachments.map((a) => ({
                        filename: a.filename,
                        contentType: a.contentType,
                        content: a.base64,
                        encoding: "base64"
                      }))
                    }
                  : {})
              }),
            catch: fail("SMTP delivery failed")
          }).pipe(Effect.asVoid, Effect.withSpan("Mailer.send")),
        verify: Effect.tryPromise({ try: () => transporter.verify(), catch: fail("SMTP check failed") }).pipe(
          Effect.asVoid
        )
      }
    })
  )

/** Mail settings read from the configuration. */
export interface MailConfig {
  /** `SIGNET_SMTP_URL`; none → the log transport. */
  readonly smtpUrl: Option.Option<Redacted.Redacted<string>>
  /** `SIGNET_MAIL_FROM` (default {@link DEFAULT_MAIL_FROM}). */
  readonly from: string
}

/** `SIGNET_SMTP_URL` (must be `smtp://` or `smtps://`) and `SIGNET_MAIL_FROM`. */
export const mailConfig: Config.Config<MailConfig> = Config.all({
  smtpUrl: Config.option(
    Config.redacted("SIGNET_SMTP_URL").pipe(
      Config.validate({
        message: "must be an smtp:// or smtps:// URL (smtp://user:pass@host:587)",
        validation: (r) => /^smtps?:\/\/[^/\s]+/i.test(Redacted.value(r))
      })
    )
  ),
  from: Config.string("SIGNET_MAIL_FROM").pipe(
    Config.validate({
      message: "must be an e-mail address (no-reply@school.example)",
      validation: (s) => /^[^\s@<>]+@[^\s@<>]+$/.test(s)
    }),
    Config.withDefault(DEFAULT_MAIL_FROM)
  )
})

/** The mailer `config` describes: SMTP when a URL is set, otherwise the log transport. */
export const mailerLayer = (config: MailConfig, publicOrigin: string): Layer.Layer<Mailer> =>
  Option.match(config.smtpUrl, {
    onNone: () => logMailer({ from: config.from, publicOrigin }),
    onSome: (url) => smtpMailer(url, { from: config.from, publicOrigin })
  })

/**
 * The mailer from the environment (`SIGNET_SMTP_URL`, `SIGNET_MAIL_FROM`,
 * `SIGNET_PUBLIC_URL`, default origin `http://127.0.0.1:8080`): what
 * `Core.layer` uses when the embedder gives none. A malformed setting does
 * not stop the core from starting (CLI commands that send no mail keep
 * working): every send then fails with the configuration error, so queued
 * mail waits in the outbox, and `signet doctor` reports it.
 */
export const mailerFromEnv: Layer.Layer<Mailer> = Layer.unwrapEffect(
  Effect.match(
    Config.all({
      mail: mailConfig,
      origin: Config.string("SIGNET_PUBLIC_URL").pipe(Config.withDefault("http://127.0.0.1:8080"))
    }),
    {
      onFailure: (error) => {
        const refused = Effect.fail(new MailDeliveryError({ message: `mail configuration: ${String(error)}` }))
        return Layer.succeed(Mailer, {
          transport: "log",
          from: DEFAULT_MAIL_FROM,
          publicOrigin: "http://127.0.0.1:8080",
          send: () => refused,
          verify: refused
        })
      },
      onSuccess: ({ mail, origin }) => mailerLayer(mail, origin.replace(/\/+$/, ""))
    }
  )
)
