/**
 * The security notice mailed to a user when how they sign in changed
 * (issue 18: passwords, second factors, passkeys, phone numbers; the
 * "security alert" mail of Google's and GitHub's accounts). English and
 * French, plain text and HTML, the tenant's branding; every value
 * interpolated into HTML goes through {@link escapeHtml}. It carries no
 * secret: what changed, when, and a link to reset the password when it was
 * not the user.
 *
 * @module
 */
import { type Branding, escapeHtml, frame, type MailLocale, type RenderedMail } from "./Templates.js"

/** What a security notice reports (from the event that caused it; see `SecurityNotices.ts`). */
export type SecurityChange =
  | { readonly kind: "password_changed"; readonly by: "self" | "admin" | "reset_link" }
  | { readonly kind: "mfa_enabled" }
  | { readonly kind: "mfa_disabled" }
  | { readonly kind: "mfa_reset" }
  | { readonly kind: "passkey_added" }
  | { readonly kind: "passkey_removed" }
  | { readonly kind: "phone_verified"; readonly ending: string }
  | { readonly kind: "phone_removed"; readonly ending: string; readonly by: "self" | "admin" }

/** What the security notice shows. */
export interface SecurityNoticeVars extends Branding {
  readonly change: SecurityChange
  /** When the change was made (ISO 8601, the event's time); shown to the minute, UTC. */
  readonly at: string
  /** The tenant's "forgot password" page (`{publicOrigin}/t/{slug}/forgot`). */
  readonly resetLink: string
}

interface NoticeStrings {
  readonly subject: (tenant: string) => string
  readonly what: (change: SecurityChange, tenant: string) => string
  readonly when: (at: string) => string
  readonly wasYou: string
  readonly notYou: string
  readonly action: string
  readonly support: (a: string) => string
}

const NOTICE: Record<MailLocale, NoticeStrings> = {
  en: {
    subject: (t) => `Security notice: your ${t} account changed`,
    what: (c, t) => {
      switch (c.kind) {
        case "password_changed":
          return c.by === "admin"
            ? `An administrator set a new password for your ${t} account.`
            : c.by === "reset_link"
              ? `The password of your ${t} account was reset with a link sent to this address.`
              : `The password of your ${t} account was changed.`
        case "mfa_enabled":
          return `Two-step verification with an authenticator app was turned on for your ${t} account.`
        case "mfa_disabled":
          return `Two-step verification with an authenticator app was turned off for your ${t} account.`
        case "mfa_reset":
          return `An administrator removed the second factors of your ${t} account (authenticator app, recovery codes and passkeys) and signed it out everywhere.`
        case "passkey_added":
          return `A passkey was added to your ${t} account.`
        case "passkey_removed":
          return `A passkey was removed from your ${t} account.`
        case "phone_verified":
          return `The phone number ending in ${c.ending} was added to your ${t} account: it can now receive sign-in codes.`
        case "phone_removed":
          return c.by === "admin"
            ? `An administrator removed the phone number ending in ${c.ending} from your ${t} account.`
            : `The phone number ending in ${c.ending} was removed from your ${t} account.`
      }
    },
    when: (at) => `When: ${at}`,
    wasYou: "If this was you, there is nothing to do.",
    notYou: "If it was not you, reset your password now and tell your administrator:",
    action: "Reset my password",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (t) => `Alerte de sécurité : votre compte ${t} a été modifié`,
    what: (c, t) => {
      switch (c.kind) {
        case "password_changed":
          return c.by === "admin"
            ? `Un administrateur a défini un nouveau mot de passe pour votre compte ${t}.`
            : c.by === "reset_link"
              ? `Le mot de passe de votre compte ${t} a été réinitialisé avec un lien envoyé à cette adresse.`
              : `Le mot de passe de votre compte ${t} a été modifié.`
        case "mfa_enabled":
          return `La vérification en deux étapes par application d'authentification a été activée pour votre compte ${t}.`
        case "mfa_disabled":
          return `La vérification en deux étapes par application d'authentification a été désactivée pour votre compte ${t}.`
        case "mfa_reset":
          return `Un administrateur a supprimé les seconds facteurs de votre compte ${t} (application d'authentification, codes de secours et clés d'accès) et l'a déconnecté partout.`
        case "passkey_added":
          return `Une clé d'accès a été ajoutée à votre compte ${t}.`
        case "passkey_removed":
          return `Une clé d'accès a été retirée de votre compte ${t}.`
        case "phone_verified":
          return `Le numéro de téléphone se terminant par ${c.ending} a été ajouté à votre compte ${t} : il peut désormais recevoir des codes de connexion.`
        case "phone_removed":
          return c.by === "admin"
            ? `Un administrateur a retiré le numéro de téléphone se terminant par ${c.ending} de votre compte ${t}.`
            : `Le numéro de téléphone se terminant par ${c.ending} a été retiré de votre compte ${t}.`
      }
    },
    when: (at) => `Quand : ${at}`,
    wasYou: "Si c'est vous, il n'y a rien à faire.",
    notYou: "Si ce n'est pas vous, réinitialisez votre mot de passe maintenant et prévenez votre administrateur :",
    action: "Réinitialiser mon mot de passe",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

/** `2026-12-06T20:41:07.123Z` → `2026-12-06 20:41 UTC` (the input unchanged if it is not a date). */
const minuteUtc = (iso: string) => {
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`
}

/** The security notice in `locale` (plain text and HTML). */
export const securityNoticeMail = (locale: MailLocale, v: SecurityNoticeVars): RenderedMail => {
  const s = NOTICE[locale]
  const subject = s.subject(v.tenantName)
  const what = s.what(v.change, v.tenantName)
  const when = s.when(minuteUtc(v.at))
  const support = v.supportEmail ? s.support(v.supportEmail) : ""
  const text = [what, when, "", s.wasYou, s.notYou, v.resetLink, "", `— ${v.tenantName}`, support].join("\n").trimEnd()
  const body = `<p>${escapeHtml(what)}</p>
<p>${escapeHtml(when)}</p>
<p>${escapeHtml(s.wasYou)}</p>
<p>${escapeHtml(s.notYou)}</p>
<p><a href="${escapeHtml(v.resetLink)}" style="display:inline-block;padding:0.6rem 1rem;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:0.375rem">${escapeHtml(s.action)}</a></p>`
  const footer = [escapeHtml(v.tenantName), ...(support ? [escapeHtml(support)] : [])].join("<br>")
  return { subject, text: `${text}\n`, html: frame(locale, subject, body, footer, v) }
}
