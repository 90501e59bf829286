/**
 * Notices mailed to a tenant's administrators when something of theirs
 * needs a person (issue 21 §1: "automatic disabling after repeated failure
 * with an e-mail/event to admins").
 *
 * The `accounts.notices` subscriber reacts to
 * `signet.integrations.endpoint.disabled` (published by the webhook sender
 * when an endpoint is switched off) by queuing one mail per active
 * administrator (user type `admin`; at most {@link MAX_NOTICE_RECIPIENTS})
 * through the mail queue — in one transaction of the event's tenant, so the
 * mails exist if and only if that transaction committed. Delivery of the
 * event is at least once, so a retried event may mail twice; the mail says
 * nothing secret (the endpoint's URL and the reason).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import type { makeMailQueue } from "./MailQueue.js"
import { AccountUsers } from "./Ports.js"
import { mailLogo } from "./Shared.js"
import { mailLocale, webhookDisabledMail } from "./Templates.js"

/** The event type that disables a webhook endpoint (the integrations module's). */
export const ENDPOINT_DISABLED = "signet.integrations.endpoint.disabled"

/** Name of the subscriber (delivery bookkeeping is keyed by it). */
export const NOTICES_SUBSCRIBER = "accounts.notices"

/** At most this many administrators receive one notice. */
export const MAX_NOTICE_RECIPIENTS = 20

/** The notices subscriber over the mail `queue`: `register` subscribes it to the events dispatcher. */
export const makeNotices = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const events = yield* Events
    const tenancy = yield* Tenancy
    const users = yield* AccountUsers

    /** Queues the "endpoint disabled" mail to the event tenant's administrators. */
    const endpointDisabled = (event: CloudEvent) =>
      Effect.gen(function* () {
        const tenantId = event.tenantid as TenantId | undefined
        const data = event.data as { readonly id?: unknown; readonly url?: unknown; readonly disabled_reason?: unknown }
        if (tenantId === undefined || typeof data?.id !== "string" || typeof data.url !== "string") return
        const tenant = yield* tenancy.getById(tenantId).pipe(Effect.orDie)
        const locale = mailLocale(yield* tenancy.settingValue<string>(tenant.id, "general.locale"))
        const support = (yield* tenancy.settingValue<string>(tenant.id, "general.support_email")) || undefined
        const mail = webhookDisabledMail(locale, {
          tenantName: tenant.name,
          supportEmail: support,
          logoUrl: yield* mailLogo(tenancy, tenant.id),
          tenantSlug: tenant.slug,
          endpointId: data.id,
          url: data.url,
          reason: typeof data.disabled_reason === "string" ? data.disabled_reason : ""
        })
        yield* tenantTx(
          Effect.gen(function* () {
            const admins = yield* users.page({ userType: "admin", limit: MAX_NOTICE_RECIPIENTS })
            for (const admin of admins.filter((a) => a.active && a.email !== "")) {
              yield* queue.enqueue("webhook_disabled", admin.email, mail, { fromName: tenant.name, replyTo: support })
            }
          })
        ).pipe(
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug })
        )
      }).pipe(Effect.withSpan("Accounts.noticeEndpointDisabled"))

    /** Subscribes the notices to the events dispatcher. */
    const register = events.subscribe({
      name: NOTICES_SUBSCRIBER,
      types: [ENDPOINT_DISABLED],
      handle: endpointDisabled
    })

    return { register } as const
  })
