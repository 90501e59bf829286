/**
 * Mail templates (issue 18 "templates per message kind with plain-text and
 * HTML parts, localized, tenant branding"). Each kind has an English and a
 * French text; both parts are built from the same strings. Every value
 * interpolated into HTML goes through {@link escapeHtml} (element text and
 * double-quoted attribute values alike); links are built by the service,
 * never taken from a request.
 *
 * @module
 */

/** Languages mails are written in. */
export type MailLocale = "en" | "fr"

/** A tenant's language setting (BCP 47, `general.locale`) → the mail language (French for `fr*`, else English). */
export const mailLocale = (tag: string | null | undefined): MailLocale =>
  tag?.toLowerCase().startsWith("fr") ? "fr" : "en"

/** Escapes `&`, `<`, `>`, `"` and `'` for HTML text and quoted attribute values. */
export const escapeHtml = (value: string): string =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string
  )

/** Tenant branding every mail carries. */
export interface Branding {
  /** The tenant's display name (sender name, greeting, footer). */
  readonly tenantName: string
  /** Address for help (`general.support_email`), shown in the footer when set. */
  readonly supportEmail?: string | undefined
  /**
   * The tenant's logo (`general.logo_url`, an `https://` URL), shown at the
   * top of the HTML part with the tenant's name as `alt`; anything but an
   * `https://` URL is left out (no `<img>`).
   */
  readonly logoUrl?: string | undefined
}

/** A rendered message: subject, plain-text part and HTML part. */
export interface RenderedMail {
  readonly subject: string
  readonly text: string
  readonly html: string
}

/** What a mail carrying a single-use link shows (password reset, e-mail verification). */
export interface LinkMailVars extends Branding {
  /** The link (`{publicOrigin}/t/{slug}/reset?token=…`, `…/verify-email?token=…`). */
  readonly link: string
  /** How long the link stays valid, minutes. */
  readonly minutes: number
}

/** @see LinkMailVars */
export type PasswordResetVars = LinkMailVars

interface Strings {
  readonly subject: (v: LinkMailVars) => string
  readonly intro: (v: LinkMailVars) => string
  readonly action: string
  readonly validity: (v: LinkMailVars) => string
  readonly ignore: string
  readonly support: (address: string) => string
}

const PASSWORD_RESET: Record<MailLocale, Strings> = {
  en: {
    subject: (v) => `Reset your ${v.tenantName} password`,
    intro: (v) => `Someone asked to reset the password of your ${v.tenantName} account.`,
    action: "Choose a new password",
    validity: (v) => `This link works once and expires in ${v.minutes} minutes.`,
    ignore: "If you did not ask for this, ignore this e-mail: your password stays as it is.",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (v) => `Réinitialisez votre mot de passe ${v.tenantName}`,
    intro: (v) => `Quelqu'un a demandé la réinitialisation du mot de passe de votre compte ${v.tenantName}.`,
    action: "Choisir un nouveau mot de passe",
    validity: (v) => `Ce lien ne fonctionne qu'une fois et expire dans ${v.minutes} minutes.`,
    ignore: "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

const EMAIL_VERIFICATION: Record<MailLocale, Strings> = {
  en: {
    subject: (v) => `Confirm your e-mail address for ${v.tenantName}`,
    intro: (v) => `Please confirm that this address belongs to your ${v.tenantName} account.`,
    action: "Confirm my e-mail address",
    validity: (v) => `This link works once and expires in ${v.minutes} minutes.`,
    ignore: "If you did not ask for this, ignore this e-mail.",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (v) => `Confirmez votre adresse e-mail pour ${v.tenantName}`,
    intro: (v) => `Merci de confirmer que cette adresse appartient à votre compte ${v.tenantName}.`,
    action: "Confirmer mon adresse e-mail",
    validity: (v) => `Ce lien ne fonctionne qu'une fois et expire dans ${v.minutes} minutes.`,
    ignore: "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

/** A link's validity in words: days when it is a whole number of days, else minutes. */
const span = (minutes: number, locale: MailLocale) => {
  if (minutes % 1440 !== 0) return `${minutes} minutes`
  const days = minutes / 1440
  return locale === "fr" ? `${days} jour${days > 1 ? "s" : ""}` : `${days} day${days > 1 ? "s" : ""}`
}

const INVITATION: Record<MailLocale, Strings> = {
  en: {
    subject: (v) => `You are invited to ${v.tenantName}`,
    intro: (v) => `An account was prepared for you at ${v.tenantName}. Choose a password to start using it.`,
    action: "Accept the invitation",
    validity: (v) => `This link works once and expires in ${span(v.minutes, "en")}.`,
    ignore: "If you did not expect this, ignore this e-mail: nothing happens without the link.",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (v) => `Vous êtes invité(e) sur ${v.tenantName}`,
    intro: (v) =>
      `Un compte a été préparé pour vous sur ${v.tenantName}. Choisissez un mot de passe pour commencer à l'utiliser.`,
    action: "Accepter l'invitation",
    validity: (v) => `Ce lien ne fonctionne qu'une fois et expire dans ${span(v.minutes, "fr")}.`,
    ignore: "Si vous ne vous attendiez pas à ce message, ignorez-le : rien ne se passe sans le lien.",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

/** The logo header of the HTML part: an `<img>` of an `https://` logo, alt the tenant's name; "" without one. */
const logo = (b: Branding): string =>
  b.logoUrl?.startsWith("https://")
    ? `<p><img src="${escapeHtml(b.logoUrl)}" alt="${escapeHtml(b.tenantName)}" style="max-height:64px;max-width:240px"></p>\n`
    : ""

/** The shared HTML frame of every mail: language, title, logo, body paragraphs, footer (`NoticeTemplates.ts` uses it too). */
export const frame = (locale: MailLocale, title: string, body: string, footer: string, brand: Branding) =>
  `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:36rem;margin:0 auto;padding:1rem">
${logo(brand)}${body}
<hr style="border:none;border-top:1px solid #ddd;margin:2rem 0 1rem">
<p style="font-size:0.875rem;color:#555">${footer}</p>
</body></html>`

/** A single-use-link mail from its strings. */
const linkMail = (strings: Record<MailLocale, Strings>, locale: MailLocale, v: LinkMailVars): RenderedMail => {
  const s = strings[locale]
  const support = v.supportEmail ? s.support(v.supportEmail) : ""
  const text = [s.intro(v), "", `${s.action}:`, v.link, "", s.validity(v), s.ignore, "", `— ${v.tenantName}`, support]
    .filter((line, i, all) => !(line === "" && i === all.length - 1))
    .join("\n")
    .trimEnd()
  const footerParts = [escapeHtml(v.tenantName)]
  if (v.supportEmail)
    footerParts.push(
      escapeHtml(s.support(v.supportEmail)).replace(
        escapeHtml(v.supportEmail),
        `<a href="mailto:${escapeHtml(v.supportEmail)}">${escapeHtml(v.supportEmail)}</a>`
      )
    )
  const body = `<p>${escapeHtml(s.intro(v))}</p>
<p><a href="${escapeHtml(v.link)}" style="display:inline-block;padding:0.6rem 1rem;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:0.375rem">${escapeHtml(s.action)}</a></p>
<p style="font-size:0.875rem;word-break:break-all">${escapeHtml(v.link)}</p>
<p>${escapeHtml(s.validity(v))}</p>
<p>${escapeHtml(s.ignore)}</p>`
  return {
    subject: s.subject(v),
    text: `${text}\n`,
    html: frame(locale, s.subject(v), body, footerParts.join("<br>"), v)
  }
}

/** The password-reset mail in `locale`. */
export const passwordResetMail = (locale: MailLocale, v: LinkMailVars): RenderedMail =>
  linkMail(PASSWORD_RESET, locale, v)

/** The e-mail verification mail in `locale`. */
export const emailVerificationMail = (locale: MailLocale, v: LinkMailVars): RenderedMail =>
  linkMail(EMAIL_VERIFICATION, locale, v)

/** The invitation mail in `locale` (issue 18 "Invitations"; `minutes` shown in days when whole days). */
export const invitationMail = (locale: MailLocale, v: LinkMailVars): RenderedMail => linkMail(INVITATION, locale, v)

/** What the "webhook endpoint disabled" mail shows (issue 21 §1). */
export interface WebhookDisabledVars extends Branding {
  readonly tenantSlug: string
  readonly endpointId: string
  readonly url: string
  readonly reason: string
}

const WEBHOOK_DISABLED: Record<
  MailLocale,
  {
    readonly subject: (v: WebhookDisabledVars) => string
    readonly intro: (v: WebhookDisabledVars) => string
    readonly why: string
    readonly next: string
    readonly support: (a: string) => string
  }
> = {
  en: {
    subject: (v) => `A webhook endpoint of ${v.tenantName} was disabled`,
    intro: (v) => `Signet stopped sending events to ${v.url}: every delivery attempt failed for days.`,
    why: "Reason",
    next: "Events keep being recorded. Once the receiver answers again, enable the endpoint and replay what it missed:",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (v) => `Un point de réception webhook de ${v.tenantName} a été désactivé`,
    intro: (v) =>
      `Signet n'envoie plus d'événements à ${v.url} : toutes les tentatives de livraison ont échoué pendant plusieurs jours.`,
    why: "Raison",
    next: "Les événements restent enregistrés. Quand le récepteur répond de nouveau, réactivez le point de réception et rejouez ce qu'il a manqué :",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

/** The mail to a tenant's administrators when a webhook endpoint was disabled after repeated failure, in `locale`. */
export const webhookDisabledMail = (locale: MailLocale, v: WebhookDisabledVars): RenderedMail => {
  const s = WEBHOOK_DISABLED[locale]
  const commands = [
    `signet webhook enable --tenant ${v.tenantSlug} ${v.endpointId}`,
    `signet webhook recover --tenant ${v.tenantSlug} ${v.endpointId} --since <time>`
  ]
  const support = v.supportEmail ? s.support(v.supportEmail) : ""
  const text = [s.intro(v), "", `${s.why}: ${v.reason}`, "", s.next, ...commands, "", `— ${v.tenantName}`, support]
    .join("\n")
    .trimEnd()
  const body = `<p>${escapeHtml(s.intro(v))}</p>
<p><strong>${escapeHtml(s.why)}</strong>: ${escapeHtml(v.reason)}</p>
<p>${escapeHtml(s.next)}</p>
<pre style="background:#f4f4f5;padding:0.75rem;overflow-x:auto">${commands.map(escapeHtml).join("\n")}</pre>`
  const footer = [escapeHtml(v.tenantName), ...(support ? [escapeHtml(support)] : [])].join("<br>")
  return { subject: s.subject(v), text: `${text}\n`, html: frame(locale, s.subject(v), body, footer, v) }
}

/** What the e-mail login code mail shows (issue 18, e-mail codes as a second factor). */
export interface LoginCodeVars extends Branding {
  /** The 6-digit code. */
  readonly code: string
  /** How long the code stays valid, minutes. */
  readonly minutes: number
}

const LOGIN_CODE: Record<
  MailLocale,
  {
    readonly subject: (v: LoginCodeVars) => string
    readonly intro: (v: LoginCodeVars) => string
    readonly validity: (v: LoginCodeVars) => string
    readonly ignore: string
    readonly support: (a: string) => string
  }
> = {
  en: {
    subject: (v) => `Your ${v.tenantName} sign-in code`,
    intro: (v) => `Enter this code to finish signing in to ${v.tenantName}:`,
    validity: (v) => `It works once and expires in ${v.minutes} minutes. Never share it with anyone.`,
    ignore: "If you are not signing in, someone knows your password: change it now.",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (v) => `Votre code de connexion ${v.tenantName}`,
    intro: (v) => `Saisissez ce code pour terminer votre connexion à ${v.tenantName} :`,
    validity: (v) => `Il ne fonctionne qu'une fois et expire dans ${v.minutes} minutes. Ne le communiquez à personne.`,
    ignore:
      "Si vous n'êtes pas en train de vous connecter, quelqu'un connaît votre mot de passe : changez-le maintenant.",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

/** The e-mail login code mail in `locale` (plain text and HTML). */
export const loginCodeMail = (locale: MailLocale, v: LoginCodeVars): RenderedMail => {
  const s = LOGIN_CODE[locale]
  const support = v.supportEmail ? s.support(v.supportEmail) : ""
  const text = [s.intro(v), "", v.code, "", s.validity(v), s.ignore, "", `— ${v.tenantName}`, support]
    .join("\n")
    .trimEnd()
  const body = `<p>${escapeHtml(s.intro(v))}</p>
<p style="font-size:2rem;font-weight:bold;letter-spacing:0.3em;font-family:monospace">${escapeHtml(v.code)}</p>
<p>${escapeHtml(s.validity(v))}</p>
<p>${escapeHtml(s.ignore)}</p>`
  const footer = [escapeHtml(v.tenantName), ...(support ? [escapeHtml(support)] : [])].join("<br>")
  return { subject: s.subject(v), text: `${text}\n`, html: frame(locale, s.subject(v), body, footer, v) }
}

/** What the mail carrying a finalized invoice shows (issue 20 "Invoices": e-mail delivery). */
export interface InvoiceMailVars extends Branding {
  /** The invoice's number (`INV-2026-000001`). */
  readonly number: string
  /** The billed period, `YYYY-MM-DD` (start inclusive, end exclusive). */
  readonly periodStart: string
  readonly periodEnd: string
  /** The total with its currency, as the PDF prints it (`15.00 EUR`). */
  readonly total: string
  /** The PDF's file name, attached to the mail. */
  readonly filename: string
  /** The tenant's billing page in the web app, where invoices are read and paid. */
  readonly link: string
}

const INVOICE: Record<
  MailLocale,
  {
    readonly subject: (v: InvoiceMailVars) => string
    readonly intro: (v: InvoiceMailVars) => string
    readonly total: string
    readonly attached: (v: InvoiceMailVars) => string
    readonly action: string
    readonly support: (a: string) => string
  }
> = {
  en: {
    subject: (v) => `Invoice ${v.number} for ${v.tenantName}`,
    intro: (v) => `Here is invoice ${v.number} of ${v.tenantName} for the period ${v.periodStart} to ${v.periodEnd}.`,
    total: "Total",
    attached: (v) => `The invoice is attached as ${v.filename}.`,
    action: "See and pay your invoices",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (v) => `Facture ${v.number} pour ${v.tenantName}`,
    intro: (v) =>
      `Voici la facture ${v.number} de ${v.tenantName} pour la période du ${v.periodStart} au ${v.periodEnd}.`,
    total: "Total",
    attached: (v) => `La facture est jointe (${v.filename}).`,
    action: "Consulter et régler vos factures",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

/** What the mail carrying a credit note shows (issue 20 "credit notes for corrections"). */
export interface CreditNoteMailVars extends Branding {
  /** The credit note's number (`CN-2026-000001`). */
  readonly number: string
  /** The number of the invoice it corrects. */
  readonly invoiceNumber: string
  /** Why it was issued, as the issuer wrote it. */
  readonly reason: string
  /** The credited total with its currency, as the PDF prints it. */
  readonly total: string
  /** The PDF's file name, attached to the mail. */
  readonly filename: string
  /** The tenant's billing page in the web app. */
  readonly link: string
}

const CREDIT_NOTE: Record<
  MailLocale,
  {
    readonly subject: (v: CreditNoteMailVars) => string
    readonly intro: (v: CreditNoteMailVars) => string
    readonly total: string
    readonly attached: (v: CreditNoteMailVars) => string
    readonly action: string
    readonly support: (a: string) => string
  }
> = {
  en: {
    subject: (v) => `Credit note ${v.number} for ${v.tenantName}`,
    intro: (v) =>
      `Here is credit note ${v.number} of ${v.tenantName}, correcting invoice ${v.invoiceNumber}: ${v.reason}`,
    total: "Credited",
    attached: (v) => `The credit note is attached as ${v.filename}.`,
    action: "See your invoices and credit notes",
    support: (a) => `Questions? Write to ${a}.`
  },
  fr: {
    subject: (v) => `Avoir ${v.number} pour ${v.tenantName}`,
    intro: (v) =>
      `Voici l'avoir ${v.number} de ${v.tenantName}, qui corrige la facture ${v.invoiceNumber} : ${v.reason}`,
    total: "Montant crédité",
    attached: (v) => `L'avoir est joint (${v.filename}).`,
    action: "Consulter vos factures et avoirs",
    support: (a) => `Une question ? Écrivez à ${a}.`
  }
}

/** A billing document's mail (an invoice or a credit note): intro, amount, attachment line, link, footer. */
const documentMail = <V extends Branding & { readonly link: string; readonly total: string }>(
  locale: MailLocale,
  s: {
    readonly subject: (v: V) => string
    readonly intro: (v: V) => string
    readonly total: string
    readonly attached: (v: V) => string
    readonly action: string
    readonly support: (a: string) => string
  },
  v: V
): RenderedMail => {
  const support = v.supportEmail ? s.support(v.supportEmail) : ""
  const text = [
    s.intro(v),
    "",
    `${s.total}: ${v.total}`,
    "",
    s.attached(v),
    "",
    `${s.action}:`,
    v.link,
    "",
    `— ${v.tenantName}`,
    support
  ]
    .join("\n")
    .trimEnd()
  const body = `<p>${escapeHtml(s.intro(v))}</p>
<p><strong>${escapeHtml(s.total)}</strong>: ${escapeHtml(v.total)}</p>
<p>${escapeHtml(s.attached(v))}</p>
<p><a href="${escapeHtml(v.link)}" style="display:inline-block;padding:0.6rem 1rem;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:0.375rem">${escapeHtml(s.action)}</a></p>`
  const footer = [escapeHtml(v.tenantName), ...(support ? [escapeHtml(support)] : [])].join("<br>")
  return { subject: s.subject(v), text: `${text}\n`, html: frame(locale, s.subject(v), body, footer, v) }
}

/** The mail carrying a finalized invoice in `locale` (plain text and HTML; the PDF is attached by the sender). */
export const invoiceMail = (locale: MailLocale, v: InvoiceMailVars): RenderedMail =>
  documentMail(locale, INVOICE[locale], v)

/**
 * The mail carrying a credit note in `locale` (plain text and HTML; the PDF
 * is attached by the sender). Issue 20 "credit notes for corrections".
 */
export const creditNoteMail = (locale: MailLocale, v: CreditNoteMailVars): RenderedMail =>
  documentMail(locale, CREDIT_NOTE[locale], v)
