/**
 * `signet user cards` (issue 18 "printable sign-in cards"): writes one PDF
 * with a sign-in card (QR code of a single-use link to set a password or a
 * passkey) for each active student of a group without a password, and
 * prints who was skipped. Nothing is mailed; the links exist only in the file.
 *
 * @module
 */
import * as Fs from "node:fs"
import { Command, Options } from "@effect/cli"
import { InvitationAdmin, policyUse, SignInCards } from "@signet/core"
import { Console, Effect, Schema } from "effect"
import { inTenant } from "../Tenant.js"

const describeError = (e: { readonly message?: string }) => (e.message ?? String(e)).split("\n").slice(-1)[0]!.trim()

/** `signet user cards`. */
export const cards = Command.make(
  "cards",
  {
    tenant: Options.text("tenant").pipe(Options.withDescription("Tenant slug")),
    group: Options.text("class").pipe(
      Options.withAlias("group"),
      Options.withDescription("Student group (class) id: every active member without a password gets a card")
    ),
    users: Options.text("user").pipe(
      Options.withDescription("Only this member (user id; repeat the option for several)"),
      Options.repeated
    ),
    out: Options.file("out").pipe(Options.withDescription("Where to write the PDF")),
    json: Options.boolean("json").pipe(Options.withDescription("Print the summary as JSON"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const input = yield* Schema.decodeUnknown(SignInCards)({
          group_id: o.group,
          ...(o.users.length === 0 ? {} : { user_ids: o.users })
        }).pipe(Effect.mapError((e) => new Error(`invalid options: ${describeError(e)}`)))
        const result = yield* InvitationAdmin.signInCards(input).pipe(policyUse("users:write"))
        // Owner-only: the file holds live sign-in links.
        yield* Effect.sync(() => Fs.writeFileSync(o.out, result.pdf, { mode: 0o600 }))
        const skipped = result.skipped.map((s) => ({ user_id: s.user_id, reason: s.reason }))
        if (o.json) return yield* Console.log(JSON.stringify({ out: o.out, created: result.created, skipped }, null, 2))
        yield* Console.log(`wrote ${o.out}: ${result.created} card(s)`)
        yield* Console.log(`skipped: ${skipped.length}`)
        for (const s of skipped) yield* Console.log(`  ${s.user_id}: ${s.reason}`)
      })
    )
).pipe(
  Command.withDescription(
    "Print sign-in cards for a class's students without e-mail (PDF, one single-use QR code each).\nExample:\n  signet user cards --tenant lycee-hugo --class 0193… --out cards.pdf"
  )
)
