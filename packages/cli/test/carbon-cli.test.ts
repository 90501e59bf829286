/**
 * `signet carbon …` (issue 22 "Carbon footprints") as an administrator runs
 * it: a process per command on the local database (SQLite, and Postgres
 * when configured). A footprint in MWh with a factor per kWh is recorded
 * with its computed kg CO₂e, listed and totalled; a factor per km on a
 * quantity in kWh is refused.
 */
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet carbon on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-co2")
    const T = ["--tenant", "cli-co2"]

    it(
      "add, list and totals on the tenant; incompatible units are refused",
      async () => {
        const shown = await cli.signet(["tenant", "show", "cli-co2", "--json"])
        expect(shown.code, shown.stderr).toBe(0)
        const target = ["--target-type", "tenant", "--target-id", JSON.parse(shown.stdout).id]
        const body = ["--scope", "2", "--category", "energy", "--quantity", "2", "--unit", "MWh", "--factor", "0.2"]
        const period = ["--source", "DEFRA 2024", "--from", "2026-01-01", "--to", "2026-01-31"]
        const added = await cli.signet([
          "carbon",
          "add",
          ...T,
          ...target,
          ...body,
          "--factor-unit",
          "kWh",
          ...period,
          "--json"
        ])
        expect(added.code, added.stderr).toBe(0)
        const created = JSON.parse(added.stdout)
        expect(created).toMatchObject({ co2e_kg: 400, unit: "MWh", factor_unit: "kWh" })
        const listed = await cli.signet(["carbon", "list", ...T, ...target, "--json"])
        expect(JSON.parse(listed.stdout).map((f: { id: string }) => f.id)).toEqual([created.id])
        const totals = await cli.signet(["carbon", "totals", ...T])
        expect(totals.code, totals.stderr).toBe(0)
        expect(totals.stdout).toContain("total: 400 kg")
        const refused = await cli.signet(["carbon", "add", ...T, ...target, ...body, "--factor-unit", "km", ...period])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toContain("cannot apply a factor per km")
      },
      TIMEOUT
    )
  })
}
