/**
 * Security notices (issue 18): a user hears by e-mail of every change to how
 * they sign in, so a stolen session or a rogue administrator cannot quietly
 * add a factor, remove one or replace the password — the "security alert"
 * of Google's, GitHub's and Zitadel's accounts.
 *
 * The `accounts.security_notices` subscriber reacts to identity's and
 * accounts' events ({@link SECURITY_EVENT_TYPES}): a password changed (by
 * the user, through a reset link or by an administrator — not the first
 * password an invitation sets), TOTP turned on or off, an administrator's
 * MFA reset, a passkey added or removed, a phone number verified or
 * removed. It queues one mail ({@link securityNoticeMail}, kind
 * `security_notice`, in the user's language, else the tenant's) to the
 * user's address through the mail queue, in one transaction of the event's
 * tenant. Nothing is mailed to a user who is inactive, deleted or without
 * an address, or when the tenant turned `auth.security_notices` off
 * (default on). Delivery of events is at least once, so a retried event may
 * mail twice; the mail holds no secret (what changed, when — the event's
 * time — and a link to the tenant's reset page).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { CloudEvent } from "@signet/contracts/events/Domain"
import { CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { Effect, Option } from "effect"
import { Events } from "../events/Events.js"
import { tenantTx } from "../kernel/Database.js"
import { Tenancy } from "../tenancy/Tenancy.js"
import { Mailer } from "./Mailer.js"
import type { makeMailQueue } from "./MailQueue.js"
import { type SecurityChange, securityNoticeMail } from "./NoticeTemplates.js"
import { AccountUsers } from "./Ports.js"
import { mailLogo } from "./Shared.js"
import { mailLocale } from "./Templates.js"

/** Name of the subscriber (delivery bookkeeping is keyed by it). */
export const SECURITY_NOTICES_SUBSCRIBER = "accounts.security_notices"

/** The events a security notice is mailed for. */
export const SECURITY_EVENT_TYPES = [
  "signet.user.password_changed",
  "signet.user.mfa_enabled",
  "signet.user.mfa_disabled",
  "signet.user.mfa_reset",
  "signet.user.passkey_added",
  "signet.user.passkey_removed",
  "signet.user.phone_verified",
  "signet.user.phone_removed"
] as const

/** Two digits, as the phone events carry them; anything else is shown as `??`. */
const ending = (value: unknown) => (typeof value === "string" && /^\d{2}$/.test(value) ? value : "??")

/**
 * The change `event` reports, or `None` when it is not mailed (another
 * type, or the password an invitation's acceptance sets: the user has just
 * chosen it).
 */
export const changeOf = (event: CloudEvent): Option.Option<SecurityChange> => {
  const data = (event.data ?? {}) as { readonly by?: unknown; readonly number_ending?: unknown }
  switch (event.type) {
    case "signet.user.password_changed":
      if (data.by === "invitation") return Option.none()
      return Option.some({
        kind: "password_changed",
        by: data.by === "self" || data.by === "reset_link" ? data.by : "admin"
      })
    case "signet.user.mfa_enabled":
      return Option.some({ kind: "mfa_enabled" })
    case "signet.user.mfa_disabled":
      return Option.some({ kind: "mfa_disabled" })
    case "signet.user.mfa_reset":
      return Option.some({ kind: "mfa_reset" })
    case "signet.user.passkey_added":
      return Option.some({ kind: "passkey_added" })
    case "signet.user.passkey_removed":
      return Option.some({ kind: "passkey_removed" })
    case "signet.user.phone_verified":
      return Option.some({ kind: "phone_verified", ending: ending(data.number_ending) })
    case "signet.user.phone_removed":
      return Option.some({
        kind: "phone_removed",
        ending: ending(data.number_ending),
        by: data.by === "admin" ? "admin" : "self"
      })
    default:
      return Option.none()
  }
}

/** The security notices subscriber over the mail `queue`: `register` subscribes it to the events dispatcher. */
export const makeSecurityNotices = (queue: Effect.Effect.Success<typeof makeMailQueue>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const events = yield* Events
    const tenancy = yield* Tenancy
    const users = yield* AccountUsers
    const mailer = yield* Mailer

    /** Queues the notice of `event` to its user; see the module comment. */
    const notify = (event: CloudEvent) =>
      Effect.gen(function* () {
        const change = changeOf(event)
        const tenantId = event.tenantid as TenantId | undefined
        const userId = event.subject
        if (Option.isNone(change) || tenantId === undefined || userId === undefined) return
        // A tenant deleted since has no one to tell.
        const tenant = yield* tenancy.getById(tenantId).pipe(Effect.option)
        if (Option.isNone(tenant)) return
        const { id, slug, name } = tenant.value
        if ((yield* tenancy.settingValue<boolean>(id, "auth.security_notices")) === false) return
        const tenantLocale = yield* tenancy.settingValue<string>(id, "general.locale")
        const support = (yield* tenancy.settingValue<string>(id, "general.support_email")) || undefined
        const logoUrl = yield* mailLogo(tenancy, id)
        yield* tenantTx(
          Effect.gen(function* () {
            const user = yield* users.find(userId)
            if (Option.isNone(user) || !user.value.active || user.value.email === "") return
            const mail = securityNoticeMail(mailLocale(user.value.locale ?? tenantLocale), {
              tenantName: name,
              supportEmail: support,
              logoUrl,
              change: change.value,
              at: event.time,
              resetLink: `${mailer.publicOrigin}/t/${encodeURIComponent(slug)}/forgot`
            })
            yield* queue.enqueue("security_notice", user.value.email, mail, { fromName: name, replyTo: support })
          })
        ).pipe(Effect.provideService(SqlClient.SqlClient, sql), Effect.provideService(CurrentTenant, { id, slug }))
      }).pipe(Effect.withSpan("Accounts.securityNotice"))

    /** Subscribes the notices to the events dispatcher. */
    const register = events.subscribe({
      name: SECURITY_NOTICES_SUBSCRIBER,
      types: [...SECURITY_EVENT_TYPES],
      handle: notify
    })

    return { register } as const
  })
