/**
 * `signet sso-policy …` (issue 19 §2) as an administrator runs it: the
 * tenant-wide SSO-only policy refused without a connection (no lock-out),
 * then turned on once a connection and a break-glass account exist; the
 * last break-glass account cannot be unmarked while it is on.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet sso-policy on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-ssopol")
    const T = ["--tenant", "cli-ssopol"]

    it(
      "on is refused without a connection; with one and a break-glass account it is on; the last account stays marked",
      async () => {
        const user = await cli.signet([
          "user",
          "create",
          ...T,
          "--email",
          "keeper@cli-ssopol.example.edu",
          "--given-name",
          "K",
          "--family-name",
          "Eeper",
          "--type",
          "admin",
          "--json"
        ])
        expect(user.code, user.stderr).toBe(0)
        const keeper = JSON.parse(user.stdout).id as string
        const marked = await cli.signet(["sso-policy", "break-glass", "add", keeper, ...T])
        expect(marked.code, marked.stderr).toBe(0)
        expect(marked.stdout).toContain(keeper)
        const refused = await cli.signet(["sso-policy", "on", ...T])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr + refused.stdout).toContain("register an SSO connection")
        const secret = Path.join(cli.dir, "idp.secret")
        Fs.writeFileSync(secret, "cli-secret-0123456789\n", { mode: 0o600 })
        const connection = await cli.signet([
          "sso-connection",
          "put",
          "google",
          ...T,
          "--issuer",
          "https://accounts.google.com",
          "--client-id",
          "signet",
          "--client-secret-file",
          secret,
          "--domain",
          "cli-ssopol.example.edu"
        ])
        expect(connection.code, connection.stderr).toBe(0)
        const on = await cli.signet(["sso-policy", "on", ...T, "--json"])
        expect(on.code, on.stderr).toBe(0)
        expect(JSON.parse(on.stdout)).toMatchObject({ sso_only: true, break_glass: [{ user_id: keeper }] })
        const last = await cli.signet(["sso-policy", "break-glass", "remove", keeper, ...T])
        expect(last.code).not.toBe(0)
        expect(last.stderr + last.stdout).toContain("last active break-glass account")
        const shown = await cli.signet(["sso-policy", "show", ...T])
        expect(shown.stdout).toContain("SSO only: on")
      },
      TIMEOUT
    )
  })
}
