/**
 * `signet invoice credit|credits|credit-pdf` — credit notes (issue 20
 * "credit notes for corrections", docs/billing.md) on the local database
 * through `BillingAdmin`, as the system actor: issue one on a finalized or
 * paid invoice, list an invoice's credit notes, write one's PDF to a file.
 * The limits (never more than the invoice, or one of its lines, has left)
 * are core's.
 *
 * @module
 */
import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import {
  BillingAdmin as B,
  CreateCreditNote,
  type CreditNote,
  CreditNoteLineInput,
  formatInvoiceAmount,
  policyUse,
  ValidationError
} from "@signet/core"
import { Console, DateTime, Effect } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const invoiceArg = Args.text({ name: "number" }).pipe(
  Args.withDescription("The invoice's number, e.g. INV-2026-000001")
)

const read = policyUse("billing:read")
const write = policyUse("billing:write")

const row = (c: CreditNote) => ({
  number: c.number,
  invoice: c.invoice_number,
  issued: DateTime.formatIso(c.created_at).slice(0, 10),
  total: formatInvoiceAmount(c.total, c.currency),
  reason: c.reason
})
const COLUMNS = ["number", "invoice", "issued", "total", "reason"] as const

/** `N=AMOUNT` (an invoice line, 0-based) or `AMOUNT=DESCRIPTION` (a free amount) as a line; a usage error otherwise. */
const parseLine = (spec: string, free: boolean) => {
  const eq = spec.indexOf("=")
  const [a, b] = eq < 0 ? [spec, ""] : [spec.slice(0, eq), spec.slice(eq + 1)]
  const n = (s: string) => (/^\d+$/.test(s) ? Number(s) : Number.NaN)
  if (free) {
    if (Number.isNaN(n(a)) || b.trim() === "")
      return Effect.fail(ValidationError.field("--free", `"${spec}": expected AMOUNT=DESCRIPTION (minor units)`))
    return Effect.succeed(new CreditNoteLineInput({ amount: n(a), description: b.trim() }))
  }
  if (Number.isNaN(n(a)) || Number.isNaN(n(b)))
    return Effect.fail(ValidationError.field("--line", `"${spec}": expected LINE=AMOUNT (0-based line, minor units)`))
  return Effect.succeed(new CreditNoteLineInput({ invoice_line: n(a), amount: n(b) }))
}

const credit = Command.make(
  "credit",
  {
    tenant: tenantOpt,
    number: invoiceArg,
    reason: Options.text("reason").pipe(Options.withDescription("Why the invoice is corrected")),
    line: Options.text("line").pipe(
      Options.repeated,
      Options.withDescription("Credit an invoice line: LINE=AMOUNT (0-based line, minor units); repeatable")
    ),
    free: Options.text("free").pipe(
      Options.repeated,
      Options.withDescription("Credit a free amount: AMOUNT=DESCRIPTION (minor units); repeatable")
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const lines = [
          ...(yield* Effect.forEach(o.line, (s) => parseLine(s, false))),
          ...(yield* Effect.forEach(o.free, (s) => parseLine(s, true)))
        ]
        if (lines.length === 0) return yield* ValidationError.field("--line", "give at least one --line or --free")
        const note = yield* B.issueCreditNote(o.number, new CreateCreditNote({ reason: o.reason, lines })).pipe(write)
        if (o.json) return yield* Console.log(JSON.stringify(plain(note), null, 2))
        yield* table([row(note)], [...COLUMNS])
      })
    )
).pipe(
  Command.withDescription(
    "Issue a credit note on a finalized or paid invoice (never more than it, or a line, has left), e.g. --line 0=1000 --free 200=goodwill."
  )
)

const credits = Command.make("credits", { tenant: tenantOpt, number: invoiceArg, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const notes = yield* B.listCreditNotes(o.number).pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(notes), null, 2))
      yield* table(notes.map(row), [...COLUMNS])
    }),
    true
  )
).pipe(Command.withDescription("The credit notes of an invoice, oldest first."))

const creditPdf = Command.make(
  "credit-pdf",
  {
    tenant: tenantOpt,
    number: Args.text({ name: "number" }).pipe(Args.withDescription("The credit note's number, e.g. CN-2026-000001")),
    out: Options.file("out").pipe(Options.withDescription("Where to write the PDF"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const bytes = yield* B.creditNotePdf(o.number).pipe(read)
        yield* Effect.sync(() => Fs.writeFileSync(o.out, bytes))
        yield* Console.log(`wrote ${o.out} (${bytes.length} bytes)`)
      }),
      true
    )
).pipe(Command.withDescription("Write a credit note's PDF to a file."))

/** The credit note subcommands of `signet invoice`. */
export const creditNoteCommands = [credit, credits, creditPdf] as const
