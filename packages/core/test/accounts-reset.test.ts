/**
 * Issue 18 first slice: e-mail delivery through the outbox and the
 * self-service password reset, against a real SMTP server on loopback.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer } from "@effect/vitest"
import {
  Accounts,
  Auth,
  Identity,
  logMailer,
  MAIL_QUEUED,
  Mailer,
  MailTemplates,
  mailerFromEnv,
  RESET_REQUESTED_MESSAGE,
  Tenancy
} from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { ConfigProvider, Duration, Effect, HashMap, Logger, Option, Redacted, TestClock } from "effect"
import type { ParsedMail } from "mailparser"
import { drain, mailCore, ORIGIN, Sink } from "./smtp-sink.js"
import { ADMIN_PASSWORD, asTenant, onboardWithAdmin, type TenantRef, testActor } from "./support.js"

const NEW_PASSWORD = "a brand new passphrase 42"
const client = { ip: "192.0.2.10" }
const adminEmail = (t: TenantRef) => `head@${t.slug}.example.edu`

/** The token in a reset mail's link (`{origin}/t/{slug}/reset?token=…`). */
const tokenOf = (mail: ParsedMail, slug: string) => {
  const m = new RegExp(`${ORIGIN}/t/${slug}/reset\\?token=([A-Za-z0-9_-]+)`).exec(mail.text ?? "")
  if (!m) throw new Error(`no reset link in ${mail.text}`)
  return m[1]!
}

const request = (t: TenantRef, login: string) => Accounts.use((a) => a.requestPasswordReset(t.slug, { login }, client))
const confirm = (t: TenantRef, token: string, password = NEW_PASSWORD) =>
  Accounts.use((a) => a.confirmPasswordReset(t.slug, { token, new_password: Redacted.make(password) }, client))
const login = (t: TenantRef, password: string) =>
  Auth.use((a) => a.login(t.slug, { login: adminEmail(t), password: Redacted.make(password) }, {}))

/** Requests a reset for the tenant's admin and returns the delivered mail. */
const resetMail = (t: TenantRef) =>
  Effect.gen(function* () {
    const sink = yield* Sink
    const before = sink.to(adminEmail(t)).length
    yield* request(t, adminEmail(t))
    yield* drain
    const mails = sink.to(adminEmail(t))
    expect(mails.length).toBe(before + 1)
    return mails[mails.length - 1]!
  })

describe("mail templates", () => {
  it("escapes every interpolated value in the HTML part", () => {
    const mail = MailTemplates.passwordResetMail("en", {
      tenantName: `<script>alert("x")</script> & Co`,
      supportEmail: "help@school.example",
      link: `${ORIGIN}/t/acme/reset?token=abc&x="y"`,
      minutes: 30
    })
    expect(mail.html).not.toContain("<script>")
    expect(mail.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co")
    expect(mail.html).toContain(`href="${ORIGIN}/t/acme/reset?token=abc&amp;x=&quot;y&quot;"`)
    expect(mail.text).toContain(`<script>alert("x")</script> & Co`)
  })
})

describe("log transport", () => {
  it.effect("prints each message, warning once that it is for development only", () =>
    Effect.gen(function* () {
      const lines: Array<{ level: string; message: string; text: unknown }> = []
      const capture = Logger.make(({ annotations, logLevel, message }) => {
        lines.push({ level: logLevel.label, message: String(message), text: HashMap.get(annotations, "text") })
      })
      const mail = { messageId: "m1@signet", to: "a@b.example", subject: "Hello", text: "link", html: "<p>link</p>" }
      yield* Effect.flatMap(Mailer, (m) => Effect.zipRight(m.send(mail), m.send(mail))).pipe(
        Effect.provide(logMailer({ from: "x@y.example", publicOrigin: ORIGIN })),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
      expect(lines.filter((l) => l.level === "WARN").map((l) => l.message)).toEqual([
        expect.stringContaining("development only")
      ])
      expect(lines.filter((l) => l.level === "INFO").map((l) => Option.getOrUndefined(l.text as never))).toEqual([
        "link",
        "link"
      ])
    })
  )
})

describe("mailer from the environment", () => {
  const build = (env: Record<string, string>) =>
    Effect.provide(Mailer, mailerFromEnv).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
  it.effect("uses the log transport without SIGNET_SMTP_URL and SMTP with one", () =>
    Effect.gen(function* () {
      expect((yield* build({})).transport).toBe("log")
      const smtp = yield* build({ SIGNET_SMTP_URL: "smtp://u:p@127.0.0.1:1", SIGNET_PUBLIC_URL: "https://x.example/" })
      expect(smtp.transport).toBe("smtp")
      expect(smtp.publicOrigin).toBe("https://x.example")
    }).pipe(Effect.scoped)
  )
  it.effect("a malformed SMTP URL does not stop the core: every send fails with the configuration error", () =>
    Effect.gen(function* () {
      const mailer = yield* build({ SIGNET_SMTP_URL: "http://not-smtp.example" })
      const mail = { messageId: "m@signet", to: "a@b.example", subject: "s", text: "t", html: "<p>t</p>" }
      const error = yield* Effect.flip(mailer.send(mail))
      expect(error._tag).toBe("MailDeliveryError")
      expect(error.message).toContain("smtp:// or smtps://")
    })
  )
})

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`Password reset by e-mail on ${dialect}`, (it) => {
    it.effect("a reset mail's link confirms once, revokes sessions, and fails the second time", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-once-${dialect}`)
        expect((yield* login(t, ADMIN_PASSWORD)).status).toBe("authenticated")
        const mail = yield* resetMail(t)
        expect(mail.subject).toBe(`Reset your ${t.slug} password`)
        expect(mail.from?.value[0]).toMatchObject({ name: t.slug, address: "no-reply@signet.test" })
        expect(mail.text).toContain("expires in 30 minutes")
        expect(mail.html).toContain(`<html lang="en">`)
        const token = tokenOf(mail, t.slug)
        expect(mail.html).toContain(`href="${ORIGIN}/t/${t.slug}/reset?token=${token}"`)
        const done = yield* confirm(t, token)
        expect(done.sessions_revoked).toBe(1)
        expect((yield* login(t, NEW_PASSWORD)).status).toBe("authenticated")
        const again = yield* Effect.flip(confirm(t, token, "yet another passphrase 7"))
        expect(again._tag).toBe("InvalidResetToken")
        expect((yield* login(t, NEW_PASSWORD)).status).toBe("authenticated")
      })
    )

    it.effect("an expired token fails and leaves the password unchanged", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-expired-${dialect}`)
        const token = tokenOf(yield* resetMail(t), t.slug)
        yield* TestClock.adjust(Duration.minutes(31))
        expect((yield* Effect.flip(confirm(t, token)))._tag).toBe("InvalidResetToken")
        expect((yield* login(t, ADMIN_PASSWORD)).status).toBe("authenticated")
      })
    )

    it.effect("an unknown address gets the same answer and no mail is queued", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-unknown-${dialect}`)
        const sink = yield* Sink
        const sql = yield* SqlClient.SqlClient
        const queued = () =>
          sql<{ n: number }>`SELECT COUNT(*) AS n FROM outbox WHERE type = ${MAIL_QUEUED} AND tenant_id = ${t.id}`.pipe(
            Effect.map((r) => Number(r[0]!.n))
          )
        const unknown = yield* request(t, `nobody@${t.slug}.example.edu`)
        const known = yield* request(t, adminEmail(t))
        expect(unknown).toEqual(known)
        expect(unknown.message).toBe(RESET_REQUESTED_MESSAGE)
        expect(yield* queued()).toBe(1)
        yield* drain
        expect(sink.to(`nobody@${t.slug}.example.edu`)).toEqual([])
      })
    )

    it.effect("the mail is in French when the tenant's language is French, with its support address", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-fr-${dialect}`)
        yield* Tenancy.use((x) => x.putSetting(t.slug, "general.locale", "fr-FR")).pipe(Effect.provide(testActor))
        yield* Tenancy.use((x) => x.putSetting(t.slug, "general.support_email", "aide@ecole.example")).pipe(
          Effect.provide(testActor)
        )
        const mail = yield* resetMail(t)
        expect(mail.subject).toBe(`Réinitialisez votre mot de passe ${t.slug}`)
        expect(mail.text).toContain("expire dans 30 minutes")
        expect(mail.text).toContain("aide@ecole.example")
        expect(mail.html).toContain(`<html lang="fr">`)
        expect(mail.html).toContain(`href="mailto:aide@ecole.example"`)
        expect(mail.replyTo?.value[0]?.address).toBe("aide@ecole.example")
      })
    )

    it.effect("the mail follows the user's own language (profile) over the tenant's (issue 18 Profiles)", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-own-fr-${dialect}`)
        const admin = yield* asTenant(
          t,
          Identity.use((i) => i.findByLogin(adminEmail(t)))
        )
        yield* asTenant(
          t,
          Identity.use((i) => i.updateMyProfile(Option.getOrThrow(admin).id, { locale: "fr" }))
        ).pipe(Effect.provide(testActor))
        const mail = yield* resetMail(t)
        expect(mail.subject).toBe(`Réinitialisez votre mot de passe ${t.slug}`)
        expect(mail.html).toContain(`<html lang="fr">`)
      })
    )

    it.effect("a password the policy refuses is a ValidationError and leaves the token usable", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-policy-${dialect}`)
        const token = tokenOf(yield* resetMail(t), t.slug)
        const refused = yield* Effect.flip(confirm(t, token, "short"))
        expect(refused._tag).toBe("ValidationError")
        expect((yield* confirm(t, token)).sessions_revoked).toBe(0)
      })
    )

    it.effect("a token from another tenant or a tampered one is the same InvalidResetToken", () =>
      Effect.gen(function* () {
        const a = yield* onboardWithAdmin(`reset-ta-${dialect}`)
        const b = yield* onboardWithAdmin(`reset-tb-${dialect}`)
        const token = tokenOf(yield* resetMail(a), a.slug)
        const foreign = yield* Effect.flip(confirm(b, token))
        const tampered = yield* Effect.flip(confirm(a, `${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`))
        const malformed = yield* Effect.flip(confirm(a, "not-a-token"))
        for (const e of [foreign, tampered, malformed]) expect(e).toEqual(foreign)
        expect(foreign._tag).toBe("InvalidResetToken")
        expect((yield* confirm(a, token)).sessions_revoked).toBe(0)
      })
    )

    it.effect("past the per-account limit requests are refused with 429 and queue no mail", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-flood-${dialect}`)
        const sink = yield* Sink
        for (let i = 0; i < 5; i++) yield* request(t, adminEmail(t))
        const refused = yield* Effect.flip(request(t, adminEmail(t)))
        expect(refused._tag).toBe("RateLimited")
        yield* drain
        expect(sink.to(adminEmail(t)).length).toBe(5)
      })
    )

    it.effect("of two concurrent confirmations with one token exactly one succeeds", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-race-${dialect}`)
        const token = tokenOf(yield* resetMail(t), t.slug)
        const results = yield* Effect.all(
          [Effect.either(confirm(t, token)), Effect.either(confirm(t, token, "the other racing passphrase 9"))],
          { concurrency: 2 }
        )
        expect(results.map((r) => r._tag).sort()).toEqual(["Left", "Right"])
        const lost = results.find((r) => r._tag === "Left")!
        expect(lost._tag === "Left" && lost.left._tag).toBe("InvalidResetToken")
      })
    )

    it.effect("reset tokens and queued mails are visible only inside their tenant (RLS on Postgres)", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-rls-${dialect}`)
        const sql = yield* SqlClient.SqlClient
        yield* request(t, adminEmail(t))
        const count = (table: string) =>
          sql.unsafe<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).pipe(Effect.map((r) => Number(r[0]!.n)))
        for (const table of ["password_reset_tokens", "mail_messages"]) {
          expect(yield* asTenant(t, count(table))).toBeGreaterThan(0)
          if (dialect === "pg") expect(yield* count(table)).toBe(0)
        }
      })
    )

    it.effect("while the SMTP server refuses, the mail stays queued and is delivered by a later retry", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin(`reset-retry-${dialect}`)
        const sink = yield* Sink
        const sql = yield* SqlClient.SqlClient
        const state = () =>
          sql<{ status: string; attempts: number }>`SELECT status, attempts FROM outbox
            WHERE type = ${MAIL_QUEUED} AND tenant_id = ${t.id}`.pipe(Effect.map((r) => r[0]!))
        sink.failing = true
        yield* request(t, adminEmail(t))
        yield* drain.pipe(Effect.ensuring(Effect.sync(() => (sink.failing = false))))
        expect(sink.to(adminEmail(t))).toEqual([])
        expect(yield* state()).toMatchObject({ status: "pending", attempts: 1 })
        yield* TestClock.adjust(Duration.seconds(2))
        yield* drain
        expect(sink.to(adminEmail(t)).length).toBe(1)
        expect((yield* state()).status).toBe("delivered")
        const token = tokenOf(sink.to(adminEmail(t))[0]!, t.slug)
        expect((yield* confirm(t, token)).sessions_revoked).toBe(0)
      })
    )
  })
}
