/**
 * `signet plan …`, `signet subscription …` and `signet usage` (issue 20) as
 * an administrator runs them: a process per command on the local database
 * (SQLite, and Postgres when configured). A plan from a JSON file, a
 * subscription to it, the usage against its limit, a downgrade below
 * usage refused with the numbers, and a plan's downgrade policy set from
 * the command line.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

const planFile = (dir: string, code: string, users: number) => {
  const file = Path.join(dir, `${code}.json`)
  Fs.writeFileSync(
    file,
    JSON.stringify({
      code,
      name: code,
      interval: "month",
      currency: "EUR",
      fixed_amount: users * 10,
      entitlements: { features: {}, limits: { "users.max": users } }
    })
  )
  return file
}

for (const dialect of testDialects()) {
  describe(`signet plan / subscription / usage on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-bill")
    const T = ["--tenant", "cli-bill"]

    it(
      "a plan from a file, a subscription to it, the usage against its limit; a downgrade below usage refused",
      async () => {
        for (const [code, users] of [
          ["tiny", 1],
          ["roomy", 50]
        ] as const) {
          const created = await cli.signet(["plan", "create", "--file", planFile(cli.dir, code, users)])
          expect(created.code, created.stderr).toBe(0)
          expect(created.stdout).toContain(`created ${code} version 1`)
        }
        const listed = await cli.signet(["plan", "list", "--json"])
        expect(JSON.parse(listed.stdout).map((p: { code: string }) => p.code)).toEqual(["roomy", "tiny"])
        const sub = await cli.signet(["subscription", "create", ...T, "--plan", "roomy", "--trial-days", "14"])
        expect(sub.code, sub.stderr).toBe(0)
        expect(sub.stdout).toContain("roomy version 1: trial")
        for (const n of [1, 2]) {
          const u = await cli.signet([
            "user",
            "create",
            ...T,
            "--email",
            `u${n}@cli-bill.example.edu`,
            "--given-name",
            "U",
            "--family-name",
            String(n),
            "--type",
            "teacher"
          ])
          expect(u.code, u.stderr).toBe(0)
        }
        const usage = await cli.signet(["usage", ...T, "--json"])
        expect(usage.code, usage.stderr).toBe(0)
        expect(JSON.parse(usage.stdout)).toMatchObject({
          plan: "roomy",
          limits: [{ limit: "users.max", value: 50, used: 2, soft: false }]
        })
        const down = await cli.signet(["subscription", "change", ...T, "--plan", "tiny"])
        expect(down.code).not.toBe(0)
        expect(down.stderr).toContain("the tiny plan allows 1 for users.max; the tenant has 2")
        const shown = await cli.signet(["subscription", "show", ...T, "--json"])
        expect(JSON.parse(shown.stdout)).toMatchObject({ plan: { code: "roomy" }, scheduled_plan: null })
      },
      TIMEOUT
    )

    it(
      "a plan file with a bad currency is refused with one line and nothing stored",
      async () => {
        const file = Path.join(cli.dir, "bad.json")
        Fs.writeFileSync(
          file,
          JSON.stringify({ code: "bad", name: "Bad", interval: "month", currency: "EUX", fixed_amount: 1 })
        )
        const refused = await cli.signet(["plan", "create", "--file", file])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toContain("bad.json")
        const shown = await cli.signet(["plan", "show", "bad"])
        expect(shown.code).not.toBe(0)
      },
      TIMEOUT
    )

    it(
      "--downgrade-policy downgrade --downgrade-to names the target plan; an unknown target is refused, nothing stored",
      async () => {
        expect((await cli.signet(["plan", "create", "--file", planFile(cli.dir, "dgc_free", 5)])).code).toBe(0)
        const paid = planFile(cli.dir, "dgc_paid", 20)
        const opts = ["--downgrade-policy", "downgrade", "--downgrade-to"]
        const created = await cli.signet(["plan", "create", "--file", paid, ...opts, "dgc_free"])
        expect(created.code, created.stderr).toBe(0)
        const shown = await cli.signet(["plan", "show", "dgc_paid"])
        expect(JSON.parse(shown.stdout)).toMatchObject({ downgrade_policy: "downgrade", downgrade_to: "dgc_free" })
        const other = planFile(cli.dir, "dgc_other", 20)
        const refused = await cli.signet(["plan", "create", "--file", other, ...opts, "dgc_nope"])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toContain("no plan dgc_nope")
        expect((await cli.signet(["plan", "show", "dgc_other"])).code).not.toBe(0)
      },
      TIMEOUT
    )
  })
}
