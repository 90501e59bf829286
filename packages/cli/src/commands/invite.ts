/**
 * `signet user invite` (issue 18 "Invitations"): invite one address, or
 * every pending user of the tenant (an e-mail, no password, no live
 * invitation) in batches with progress and a summary. The mails are queued
 * through the outbox: the server (`signet serve`) delivers them.
 *
 * @module
 */
import { Command, Options } from "@effect/cli"
import { BulkInvite, CreateInvitation, InvitationAdmin, MAX_BULK_INVITATIONS, policyUse, UserType } from "@signet/core"
import { Console, Effect, Option, Schema } from "effect"
import { plain } from "../Output.js"
import { inTenant } from "../Tenant.js"

const describeError = (e: { readonly message?: string }) => (e.message ?? String(e)).split("\n").slice(-1)[0]!.trim()

/** Progress on stderr when it is a terminal (one rewritten line). */
const progress = (text: string) =>
  Effect.sync(() => process.stderr.isTTY && process.stderr.write(`\r${text.padEnd(60)}`))

/** Invites every pending user, batch after batch, and prints the summary. */
const allPending = (o: {
  readonly type: Option.Option<UserType>
  readonly school: Option.Option<string>
  readonly batch: number
  readonly json: boolean
}) =>
  Effect.gen(function* () {
    let invited = 0
    let after: string | undefined
    const reasons: Record<string, number> = {}
    while (true) {
      const input = yield* Schema.decodeUnknown(BulkInvite)({
        limit: o.batch,
        ...(after === undefined ? {} : { after }),
        ...(Option.isSome(o.type) ? { user_type: o.type.value } : {}),
        ...(Option.isSome(o.school) ? { school_id: o.school.value } : {})
      }).pipe(Effect.mapError((e) => new Error(`invalid options: ${describeError(e)}`)))
      const summary = yield* InvitationAdmin.bulk(input).pipe(policyUse("users:write"))
      invited += summary.invited
      for (const s of summary.skipped) reasons[s.reason] = (reasons[s.reason] ?? 0) + 1
      const unlisted = summary.skipped_count - summary.skipped.length
      if (unlisted > 0) reasons.other = (reasons.other ?? 0) + unlisted
      yield* progress(`invited ${invited}…`)
      if (!summary.more || summary.next === null) break
      after = summary.next
    }
    yield* Effect.sync(() => process.stderr.isTTY && process.stderr.write("\n"))
    const skipped = Object.values(reasons).reduce((a, b) => a + b, 0)
    if (o.json) return yield* Console.log(JSON.stringify({ invited, skipped, reasons }, null, 2))
    yield* Console.log(`invited: ${invited}`)
    yield* Console.log(`skipped: ${skipped}`)
    for (const [reason, n] of Object.entries(reasons).sort()) yield* Console.log(`  ${reason}: ${n}`)
    if (invited > 0) yield* Console.log("mails queued: the server (signet serve) delivers them")
  })

/** `signet user invite`. */
export const invite = Command.make(
  "invite",
  {
    tenant: Options.text("tenant").pipe(Options.withDescription("Tenant slug")),
    email: Options.text("email").pipe(Options.withDescription("Address to invite"), Options.optional),
    type: Options.choice("type", UserType.literals).pipe(
      Options.withDescription("User type of a new user (with --all-pending: only users of this type)"),
      Options.optional
    ),
    school: Options.text("school").pipe(Options.withDescription("School id"), Options.optional),
    givenName: Options.text("given-name").pipe(Options.optional),
    familyName: Options.text("family-name").pipe(Options.optional),
    allPending: Options.boolean("all-pending").pipe(
      Options.withDescription("Invite every user with an e-mail, no password and no pending invitation")
    ),
    batch: Options.integer("batch").pipe(
      Options.withDescription(`Users per batch with --all-pending (1–${MAX_BULK_INVITATIONS})`),
      Options.withDefault(500)
    ),
    json: Options.boolean("json").pipe(Options.withDescription("Print JSON"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        if (o.allPending) {
          if (Option.isSome(o.email)) return yield* Effect.fail(new Error("give either --email or --all-pending"))
          return yield* allPending(o)
        }
        if (Option.isNone(o.email) || Option.isNone(o.type))
          return yield* Effect.fail(new Error("--email and --type are required (or use --all-pending)"))
        const input = yield* Schema.decodeUnknown(CreateInvitation)({
          email: o.email.value,
          user_type: o.type.value,
          ...(Option.isSome(o.school) ? { school_id: o.school.value } : {}),
          ...(Option.isSome(o.givenName) ? { given_name: o.givenName.value } : {}),
          ...(Option.isSome(o.familyName) ? { family_name: o.familyName.value } : {})
        }).pipe(Effect.mapError((e) => new Error(`invalid invitation: ${describeError(e)}`)))
        const created = yield* InvitationAdmin.create(input).pipe(policyUse("users:write"))
        if (o.json) return yield* Console.log(JSON.stringify(plain(created), null, 2))
        yield* Console.log(`${created.email}: invited (expires ${plain(created).expires_at}); mail queued`)
      })
    )
).pipe(
  Command.withDescription(
    "Invite users by e-mail (a single-use link to set a password).\nExamples:\n  signet user invite --tenant lycee-hugo --email t.martin@hugo.fr --type teacher\n  signet user invite --tenant lycee-hugo --all-pending --type student"
  )
)
