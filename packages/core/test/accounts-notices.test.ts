/**
 * Notices to a tenant's administrators (issue 21 §1 "automatic disabling
 * after repeated failure with an e-mail/event to admins"): the
 * `signet.integrations.endpoint.disabled` event queues a mail to every
 * active administrator, delivered through the outbox to a real SMTP server
 * on loopback; other users get nothing; the tenant's language is used.
 */
import { expect, layer } from "@effect/vitest"
import { Events, Tenancy } from "@signet/core"
import { testDialects } from "@signet/core/testing"
import { Effect } from "effect"
import { drain, mailCore, Sink } from "./smtp-sink.js"
import { asTenant, inTenant, onboardWithAdmin, type TenantRef, testActor, user } from "./support.js"

const ENDPOINT = "0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"

/** Publishes what the webhook sender publishes when it switches an endpoint off. */
const endpointDisabled = (t: TenantRef) =>
  asTenant(
    t,
    Events.use((e) =>
      e.publish({
        type: "signet.integrations.endpoint.disabled",
        subject: ENDPOINT,
        data: {
          id: ENDPOINT,
          url: "https://erp.example.org/hooks",
          enabled: false,
          disabled_reason: "every attempt (20) of delivery x failed and nothing succeeded since"
        }
      })
    )
  )

for (const dialect of testDialects()) {
  layer(mailCore(dialect), { timeout: 120_000 })(`administrator notices on ${dialect}`, (it) => {
    it.effect("a disabled webhook endpoint is mailed to the tenant's administrators with what to do", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin("nt-admins")
        yield* inTenant(t)(user("second-admin@nt-admins.example.edu", "admin"))
        yield* endpointDisabled(t)
        yield* drain
        const sink = yield* Sink
        for (const address of ["head@nt-admins.example.edu", "second-admin@nt-admins.example.edu"]) {
          const mails = sink.to(address)
          expect(mails).toHaveLength(1)
          expect(mails[0]!.subject).toBe("A webhook endpoint of nt-admins was disabled")
          expect(mails[0]!.text).toContain("https://erp.example.org/hooks")
          expect(mails[0]!.text).toContain(`signet webhook enable --tenant nt-admins ${ENDPOINT}`)
          expect(mails[0]!.html).toContain("every attempt (20)")
        }
      })
    )

    it.effect("teachers and students are not mailed", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin("nt-others")
        yield* inTenant(t)(user("teacher@nt-others.example.edu", "teacher"))
        yield* endpointDisabled(t)
        yield* drain
        expect((yield* Sink).to("teacher@nt-others.example.edu")).toHaveLength(0)
        expect((yield* Sink).to("head@nt-others.example.edu")).toHaveLength(1)
      })
    )

    it.effect("the notice is written in the tenant's language", () =>
      Effect.gen(function* () {
        const t = yield* onboardWithAdmin("nt-french")
        yield* Tenancy.use((x) => x.putSetting(t.slug, "general.locale", "fr-FR")).pipe(Effect.provide(testActor))
        yield* endpointDisabled(t)
        yield* drain
        const [mail] = (yield* Sink).to("head@nt-french.example.edu")
        expect(mail?.subject).toBe("Un point de réception webhook de nt-french a été désactivé")
      })
    )
  })
}
