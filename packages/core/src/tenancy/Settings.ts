/**
 * Typed per-tenant settings (seed 001 "settings"): each key has a schema, a
 * default and a description. Values are validated against the schema on
 * write; reads merge stored values over defaults. Onboarding stores every
 * default, so a later change of a default never silently changes an existing
 * tenant's behaviour.
 *
 * @module
 */
import { MAX_TAX_RATES } from "@signet/contracts/billing/Domain"
import { Either, ParseResult, Schema } from "effect"

/** A setting definition. */
export interface SettingDefinition<A = any> {
  readonly key: string
  readonly schema: Schema.Schema<A, any>
  readonly default: A
  readonly description: string
}

const define = <A, I>(key: string, schema: Schema.Schema<A, I>, def: A, description: string): SettingDefinition<A> => ({
  key,
  schema,
  default: def,
  description
})

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

/** Whether `s` is an absolute `https://` URL without spaces or quotes (a mail logo; issue 18 "tenant branding"). */
export const isHttpsUrl = (s: string): boolean => {
  if (/[\s"'<>]/.test(s)) return false
  try {
    const url = new URL(s)
    return url.protocol === "https:" && url.hostname !== ""
  } catch {
    return false
  }
}

/** Every setting a tenant has, by key. */
export const SETTINGS: ReadonlyMap<string, SettingDefinition> = new Map(
  [
    define(
      "general.locale",
      Schema.String.pipe(Schema.pattern(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)),
      "en",
      "Default language (BCP 47 tag) for messages and exports"
    ),
    define(
      "general.timezone",
      Schema.String.pipe(Schema.filter((s) => isTimeZone(s) || "must be an IANA time zone")),
      "UTC",
      "Time zone (IANA) used for reports and timetables"
    ),
    define(
      "general.support_email",
      Schema.Union(
        Schema.Literal(""),
        Schema.String.pipe(Schema.maxLength(254), Schema.pattern(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/))
      ),
      "",
      "Support e-mail address shown in the mails Signet sends for this tenant (empty: none)"
    ),
    define(
      "general.logo_url",
      Schema.Union(
        Schema.Literal(""),
        Schema.String.pipe(
          Schema.maxLength(2048),
          Schema.filter((s) => isHttpsUrl(s) || "must be an https:// URL (or empty: no logo)")
        )
      ),
      "",
      "Logo (https:// URL of an image) shown at the top of the mails Signet sends for this tenant (empty: none)"
    ),
    define(
      "auth.password_min_length",
      Schema.Int.pipe(Schema.between(8, 128)),
      12,
      "Minimum password length (characters); at least 64 are always allowed"
    ),
    define(
      "auth.lockout_threshold",
      Schema.Int.pipe(Schema.between(3, 20)),
      5,
      "Consecutive failed logins before an account is locked"
    ),
    define(
      "auth.lockout_minutes",
      Schema.Int.pipe(Schema.between(1, 1440)),
      15,
      "How long a locked account stays locked"
    ),
    define(
      "auth.mfa_required_for_admins",
      Schema.Boolean,
      false,
      "Require MFA for administrators (users of type admin or dev, or holding the admin role): without TOTP or a passkey their token reaches only enrolment; a passkey holder is asked the passkey at every password sign-in"
    ),
    define(
      "auth.mfa_required_user_types",
      Schema.Array(Schema.Literal("student", "teacher", "admin", "dev")).pipe(Schema.maxItems(4)),
      [],
      "User types that must have a second factor (TOTP or passkey): without one, sign-in asks `configure_mfa` first (issue 18 required actions); with a passkey only, every password sign-in asks it as the second step"
    ),
    define(
      "auth.require_verified_email",
      Schema.Boolean,
      false,
      "Users must verify their e-mail address: an unverified one makes sign-in ask `verify_email` first (issue 18 required actions)"
    ),
    define(
      "auth.mfa_email_codes",
      Schema.Boolean,
      false,
      "Let users with MFA and a verified e-mail address finish a login with a code mailed to them (issue 18)"
    ),
    define(
      "auth.email_code_sign_in",
      Schema.Boolean,
      false,
      "Let users with a verified e-mail address sign in with a code mailed to them instead of a password (issue 18)"
    ),
    define(
      "auth.mfa_sms_codes",
      Schema.Boolean,
      false,
      "Let users with MFA and a verified phone number finish a login with a code texted to them (issue 18 SMS)"
    ),
    define(
      "auth.sms_code_sign_in",
      Schema.Boolean,
      false,
      "Let users with a verified phone number sign in with a code texted to them instead of a password (issue 18 SMS)"
    ),
    define(
      "auth.security_notices",
      Schema.Boolean,
      true,
      "Mail users when how they sign in changes: password, authenticator app, passkeys, phone number (issue 18 security notices)"
    ),
    define(
      "profile.self_edit",
      Schema.Array(Schema.Literal("display_name", "locale", "time_zone", "avatar_url")).pipe(Schema.maxItems(4)),
      ["display_name", "locale", "time_zone", "avatar_url"],
      "The profile fields users may change themselves (issue 18); the others only admins change"
    ),
    define(
      "auth.step_up_minutes",
      Schema.Int.pipe(Schema.between(1, 60)),
      10,
      "Sensitive operations need an MFA verification within this many minutes"
    ),
    define(
      "attendance.qr_step_seconds",
      Schema.Int.pipe(Schema.between(5, 120)),
      15,
      "Rotation period of attendance QR codes"
    ),
    define(
      "attendance.window_grace_minutes",
      Schema.Int.pipe(Schema.between(0, 120)),
      0,
      "Grace period around a course's start and end for signatures"
    ),
    define(
      "beacon.telemetry_retention_days",
      Schema.Int.pipe(Schema.between(1, 3650)),
      30,
      "How long beacon telemetry samples are kept"
    ),
    define(
      "activities.deleted_retention_days",
      Schema.Int.pipe(Schema.between(1, 3650)),
      30,
      "How long soft-deleted notes, tasks, call logs, events, carbon footprints and attachments stay restorable before they are purged (issue 22)"
    ),
    define(
      "beacon.proof_window_seconds",
      Schema.Int.pipe(Schema.between(5, 300)),
      30,
      "How far a beacon's proof time or signed timestamp may be from the server's clock"
    ),
    define(
      "billing.contact_email",
      Schema.Union(
        Schema.Literal(""),
        Schema.String.pipe(Schema.maxLength(254), Schema.pattern(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/))
      ),
      "",
      "Billing contact: finalized invoices are mailed here with their PDF (issue 20); empty: none, nothing is mailed"
    ),
    define(
      "billing.tax_rate_bps",
      Schema.Int.pipe(Schema.between(0, 10_000)),
      0,
      "Tax rate applied to this tenant's invoices, in basis points (2000 = 20 %); 0: no tax line"
    ),
    define(
      "billing.tax_rates",
      Schema.Array(
        Schema.Struct({
          name: Schema.String.pipe(Schema.trimmed(), Schema.minLength(1), Schema.maxLength(60)),
          rate_bps: Schema.Int.pipe(Schema.between(0, 10_000))
        })
      ).pipe(
        Schema.maxItems(MAX_TAX_RATES),
        Schema.filter((rates) => new Set(rates.map((r) => r.name)).size === rates.length || "names must be distinct"),
        Schema.filter(
          (rates) =>
            rates.reduce((sum, r) => sum + r.rate_bps, 0) <= 10_000 || "the rates must add up to 10000 bps at most"
        )
      ),
      [],
      `Named tax rates of this tenant's invoices, e.g. [{"name":"VAT","rate_bps":2000},{"name":"City","rate_bps":150}]: one tax line each on the subtotal (at most ${MAX_TAX_RATES}, 0–10000 bps each, adding up to 10000 at most); when set, billing.tax_rate_bps is not applied`
    ),
    define(
      "attendance.late_policy",
      Schema.Literal("late", "refuse"),
      "late",
      "What happens to a signature after the closing delay: marked LATE or REFUSED"
    )
  ].map((d) => [d.key, d as SettingDefinition])
)

/**
 * Validates a value for a key. Returns the decoded value or a message naming
 * the problem.
 */
export const validateSetting = (def: SettingDefinition, value: unknown): Either.Either<unknown, string> =>
  Schema.decodeUnknownEither(def.schema)(value).pipe(
    Either.mapLeft((e) => ParseResult.TreeFormatter.formatErrorSync(e).replace(/\s+/g, " ").trim())
  )
