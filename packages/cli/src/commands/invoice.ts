/**
 * `signet invoice …` — a tenant's invoices (issue 20 "Invoices",
 * docs/billing.md) on the local database through the same core operations
 * as REST (`BillingAdmin`, `BillingPlatform`), as the system actor: list,
 * show, write the PDF to a file, record a manual payment, void, print a
 * Stripe Checkout link paying one (`checkout`), credit notes
 * (`credit`, `credits`, `credit-pdf`; `invoiceCredit.ts`), and run the
 * period close now (what the `billing.close_periods` job does every
 * minute under `signet serve`).
 *
 * @module
 */
import * as Fs from "node:fs"
import { Args, Command, Options } from "@effect/cli"
import {
  BillingAdmin as B,
  formatInvoiceAmount,
  type Invoice,
  BillingPlatform as P,
  PayInvoice,
  policyUse,
  VoidInvoice
} from "@signet/core"
import { Console, DateTime, Effect } from "effect"
import { plain, table } from "../Output.js"
import { inTenant } from "../Tenant.js"
import { creditNoteCommands } from "./invoiceCredit.js"

const json = Options.boolean("json").pipe(Options.withDescription("Print JSON"))
const tenantOpt = Options.text("tenant").pipe(Options.withDescription("Tenant slug"))
const numberArg = Args.text({ name: "number" }).pipe(Args.withDescription("The invoice's number, e.g. INV-2026-000001"))

const read = policyUse("billing:read")
const write = policyUse("billing:write")

const day = (d: DateTime.Utc) => DateTime.formatIso(d).slice(0, 10)

const row = (i: Invoice) => ({
  number: i.number,
  status: i.status,
  period: `${day(i.period_start)} → ${day(i.period_end)}`,
  plan: `${i.plan_code} v${i.plan_version}`,
  total: formatInvoiceAmount(i.total, i.currency)
})

const COLUMNS = ["number", "status", "period", "plan", "total"] as const

const print = (i: Invoice, asJson: boolean) =>
  asJson
    ? Console.log(JSON.stringify(plain(i), null, 2))
    : Effect.gen(function* () {
        yield* table([row(i)], [...COLUMNS])
        yield* table(
          i.lines.map((l) => ({
            line: l.description,
            quantity: String(l.quantity),
            amount: formatInvoiceAmount(l.amount, i.currency)
          })),
          ["line", "quantity", "amount"]
        )
      })

const list = Command.make("list", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const invoices = yield* B.listInvoices().pipe(read)
      if (o.json) return yield* Console.log(JSON.stringify(plain(invoices), null, 2))
      yield* table(invoices.map(row), [...COLUMNS])
    }),
    true
  )
).pipe(Command.withDescription("The tenant's invoices, newest first."))

const show = Command.make("show", { tenant: tenantOpt, number: numberArg, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(B.getInvoice(o.number).pipe(read), (i) => print(i, o.json)),
    true
  )
).pipe(Command.withDescription("One invoice with its lines."))

const pdf = Command.make(
  "pdf",
  {
    tenant: tenantOpt,
    number: numberArg,
    out: Options.file("out").pipe(Options.withDescription("Where to write the PDF"))
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.gen(function* () {
        const bytes = yield* B.invoicePdf(o.number).pipe(read)
        yield* Effect.sync(() => Fs.writeFileSync(o.out, bytes))
        yield* Console.log(`wrote ${o.out} (${bytes.length} bytes)`)
      }),
      true
    )
).pipe(Command.withDescription("Write an invoice's PDF to a file."))

const pay = Command.make(
  "pay",
  {
    tenant: tenantOpt,
    number: numberArg,
    reference: Options.text("reference").pipe(
      Options.optional,
      Options.withDescription("The payment's reference (a bank transfer's, say)")
    ),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.flatMap(
        B.payInvoice(
          o.number,
          new PayInvoice(o.reference._tag === "Some" ? { reference: o.reference.value } : {})
        ).pipe(write),
        (i) => print(i, o.json)
      )
    )
).pipe(Command.withDescription("Record a manual payment of a finalized invoice (marks it paid)."))

const voidInvoice = Command.make(
  "void",
  {
    tenant: tenantOpt,
    number: numberArg,
    reason: Options.text("reason").pipe(Options.withDescription("Why the invoice is voided")),
    json
  },
  (o) =>
    inTenant(
      o.tenant,
      Effect.flatMap(B.voidInvoice(o.number, new VoidInvoice({ reason: o.reason })).pipe(write), (i) =>
        print(i, o.json)
      )
    )
).pipe(Command.withDescription("Void a finalized invoice."))

const checkout = Command.make("checkout", { tenant: tenantOpt, number: numberArg, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.flatMap(B.checkout(o.number).pipe(write), (link) =>
      Console.log(o.json ? JSON.stringify(plain(link), null, 2) : link.url)
    )
  )
).pipe(
  Command.withDescription(
    "Print a Stripe Checkout link paying a finalized invoice (fails when payments are manual: record the payment with `invoice pay`)."
  )
)

const close = Command.make("close", { tenant: tenantOpt, json }, (o) =>
  inTenant(
    o.tenant,
    Effect.gen(function* () {
      const result = yield* P.closePeriods()
      if (o.json) return yield* Console.log(JSON.stringify(plain(result), null, 2))
      if (result.invoices.length === 0) return yield* Console.log("no period has ended: nothing to invoice")
      yield* table(result.invoices.map(row), [...COLUMNS])
    })
  )
).pipe(
  Command.withDescription("Invoice and finalize every ended period of the tenant's subscription now, rolling it on.")
)

/** `signet invoice`: list, show, pdf, pay, void, checkout, close, and credit notes (credit, credits, credit-pdf). */
export const invoice = Command.make("invoice").pipe(
  Command.withDescription("A tenant's invoices (docs/billing.md)."),
  Command.withSubcommands([list, show, pdf, pay, voidInvoice, checkout, close, ...creditNoteCommands])
)
