/**
 * `signet invoice …` (issue 20 "Invoices") as an administrator runs it: a
 * process per command on the local database (SQLite, and Postgres when
 * configured). Without an ended period the close invoices nothing, the list
 * is empty, and an unknown number is refused by name. (Invoices themselves
 * are tested in core and over REST, where the clock can move.)
 */
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet invoice on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-inv")
    const T = ["--tenant", "cli-inv"]

    it(
      "no period ended: close invoices nothing, list is empty, show of an unknown number fails naming it",
      async () => {
        const closed = await cli.signet(["invoice", "close", ...T])
        expect(closed.code, closed.stderr).toBe(0)
        expect(closed.stdout).toContain("nothing to invoice")
        const listed = await cli.signet(["invoice", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toEqual([])
        const shown = await cli.signet(["invoice", "show", "INV-2026-000001", ...T])
        expect(shown.code).not.toBe(0)
        expect(shown.stderr).toContain("no invoice INV-2026-000001")
      },
      TIMEOUT
    )

    it(
      "a credit note on an unknown invoice fails naming it; a line that is not LINE=AMOUNT is refused",
      async () => {
        const credited = await cli.signet([
          "invoice",
          "credit",
          "INV-2026-000001",
          ...T,
          "--reason",
          "outage",
          "--free",
          "100=goodwill"
        ])
        expect(credited.code).not.toBe(0)
        expect(credited.stderr).toContain("no invoice INV-2026-000001")
        const bad = await cli.signet(["invoice", "credit", "INV-2026-000001", ...T, "--reason", "x", "--line", "zero"])
        expect(bad.code).not.toBe(0)
        expect(bad.stderr).toContain("LINE=AMOUNT")
        const listed = await cli.signet(["invoice", "credits", "INV-2026-000001", ...T])
        expect(listed.code).not.toBe(0)
      },
      TIMEOUT
    )
  })
}
