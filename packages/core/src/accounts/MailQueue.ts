/**
 * Mail queuing through the transactional outbox (issue 18 "messages queued
 * through the outbox (a crash loses no message; retries with backoff; dead
 * letters listable)").
 *
 * `enqueue` runs in the caller's transaction: it stores the rendered message
 * envelope-encrypted in `mail_messages` and publishes
 * `signet.accounts.mail.queued` whose data is only `{ mail_id, kind }` — the
 * recipient and the link (with its token) never enter the outbox, which
 * other consumers (webhooks, the NATS relay) may read. So the mail exists
 * if and only if the change that asked for it committed.
 *
 * The `accounts.mail` subscriber sends it ({@link MAIL_CONCURRENCY} mails at once): it decrypts the message, hands it
 * to the {@link Mailer}, then marks it sent and erases the content. A
 * delivery failure fails the handler, and the events dispatcher retries with
 * its backoff (1 s doubling to 5 min) until `maxAttempts`, after which the
 * event is dead: `signet events dead` lists it and `signet events replay`
 * sends it again. A crash between sending and marking sends the mail twice
 * (at least once); the `Message-ID` is the same both times.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Effect, Redacted } from "effect"
import { Events } from "../events/Events.js"
import { Envelope } from "../kernel/Crypto.js"
import { tenantTx } from "../kernel/Database.js"
import type { EncryptedColumn } from "../kernel/KeyRotation.js"
import { instant } from "../kernel/Sql.js"
import { type MailAttachment, Mailer, type OutgoingMail } from "./Mailer.js"
import { AccountsRepo } from "./Repo.js"
import type { RenderedMail } from "./Templates.js"

/** Outbox event type asking for a mail. */
export const MAIL_QUEUED = "signet.accounts.mail.queued"

/** Name of the subscriber that sends queued mail (delivery bookkeeping is keyed by it). */
export const MAIL_SUBSCRIBER = "accounts.mail"

/**
 * How many queued mails are sent at once (each mail is independent of the
 * others, so the dispatcher need not wait for one SMTP transaction before
 * starting the next). Without `?pool=true` each is its own SMTP connection;
 * with it nodemailer keeps at most `maxConnections` (default 5) open and the
 * rest wait for one, so `?pool=true&maxConnections=2&rateLimit=…` on
 * `SIGNET_SMTP_URL` throttles for a provider that limits senders.
 */
export const MAIL_CONCURRENCY = 8

/** What a queued mail holds (encrypted at rest). */
interface StoredMail {
  readonly to: string
  readonly fromName?: string | undefined
  readonly replyTo?: string | undefined
  readonly subject: string
  readonly text: string
  readonly html: string
  readonly attachments?: ReadonlyArray<MailAttachment> | undefined
}

const aad = (tenant: string, id: string) => `tenant:${tenant}:accounts:mail:${id}`

/** The queued mails' encrypted content (master-key rotation re-wraps what is still unsent). */
export const mailContentColumn: EncryptedColumn = {
  table: "mail_messages",
  keyColumns: ["tenant_id", "id"],
  column: "content_enc",
  aad: (row) => aad(String(row.tenant_id), String(row.id))
}

/** The mail queue: `enqueue` (in a transaction) and the subscriber that sends. */
export const makeMailQueue = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const repo = yield* AccountsRepo
  const events = yield* Events
  const envelope = yield* Envelope
  const mailer = yield* Mailer

  /**
   * Queues `mail` for `to` in the caller's transaction (the `CurrentTenant`'s);
   * `kind` names the template (`password_reset`); `meta.attachments` are
   * files sent with it (stored encrypted with the message, erased once sent).
   * Returns the mail id.
   */
  const enqueue = (
    kind: string,
    to: string,
    mail: RenderedMail,
    meta: {
      readonly fromName?: string | undefined
      readonly replyTo?: string | undefined
      readonly attachments?: ReadonlyArray<MailAttachment> | undefined
    }
  ) =>
    Effect.gen(function* () {
      const tenant = yield* CurrentTenant
      const id = yield* newUuid
      const stored: StoredMail = { to, ...meta, ...mail }
      const contentEnc = yield* envelope.encrypt(JSON.stringify(stored), aad(tenant.id, id))
      yield* repo.insertMail({ id, kind, contentEnc, createdAt: instant(yield* Clock.currentTimeMillis) })
      yield* events.publish({ type: MAIL_QUEUED, subject: id, data: { mail_id: id, kind, tenant_slug: tenant.slug } })
      return id
    })

  /** Sends the mail an event names; an unknown or already sent mail is done. */
  const deliver = (event: CloudEvent) =>
    Effect.gen(function* () {
      const data = event.data as { readonly mail_id?: unknown; readonly tenant_slug?: unknown }
      const tenantId = event.tenantid
      if (typeof data?.mail_id !== "string" || tenantId === undefined) return
      const id = data.mail_id
      const inTenant = <A, E, R>(eff: Effect.Effect<A, E, R>) =>
        tenantTx(eff).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.provideService(CurrentTenant, {
            id: tenantId as TenantId,
            slug: typeof data.tenant_slug === "string" ? data.tenant_slug : ""
          })
        )
      const content = yield* inTenant(repo.unsentMail(id))
      if (content._tag === "None") return
      const plain = yield* Effect.orDie(envelope.decryptString(content.value, aad(tenantId, id)))
      const stored = JSON.parse(Redacted.value(plain)) as StoredMail
      const outgoing: OutgoingMail = { messageId: `${id}@signet`, ...stored }
      yield* mailer.send(outgoing)
      yield* inTenant(repo.markMailSent(id, instant(yield* Clock.currentTimeMillis)))
    }).pipe(Effect.withSpan("Accounts.deliverMail"))

  /** Registers the sending subscriber with the events dispatcher; mails of one batch go out {@link MAIL_CONCURRENCY} at once. */
  const register = events.subscribe({
    name: MAIL_SUBSCRIBER,
    types: [MAIL_QUEUED],
    handle: deliver,
    concurrency: MAIL_CONCURRENCY
  })

  return { enqueue, register } as const
})
