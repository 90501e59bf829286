/**
 * `signet oauth-provider …` and `signet oauth-binding …` (issue 21 §4) as
 * an administrator runs them: a process per command on the local database
 * (SQLite, and Postgres when configured). The secret comes from a file and
 * is never printed.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

const SECRET = "cli-client-secret-0123456789"

for (const dialect of testDialects()) {
  describe(`signet oauth-provider on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-oauth")
    const T = ["--tenant", "cli-oauth"]

    it(
      "put registers the credential from a secret file; list shows it without the secret; delete removes it",
      async () => {
        const secretFile = Path.join(cli.dir, "lms.secret")
        Fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 })
        const put = await cli.signet([
          "oauth-provider",
          "put",
          "lms",
          ...T,
          "--issuer",
          "https://lms.example.org",
          "--client-id",
          "signet",
          "--client-secret-file",
          secretFile,
          "--scope",
          "openid",
          "--scope",
          "offline_access"
        ])
        expect(put.code, put.stderr).toBe(0)
        expect(put.stdout).toContain("lms: https://lms.example.org")
        const listed = await cli.signet(["oauth-provider", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toMatchObject([
          { provider: "lms", client_id: "signet", scopes: ["openid", "offline_access"] }
        ])
        expect(listed.stdout + put.stdout).not.toContain(SECRET)
        const bindings = await cli.signet(["oauth-binding", "list", ...T, "--json"])
        expect(JSON.parse(bindings.stdout)).toEqual([])
        const removed = await cli.signet(["oauth-provider", "delete", "lms", ...T])
        expect(removed.code, removed.stderr).toBe(0)
        expect(JSON.parse((await cli.signet(["oauth-provider", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )

    it(
      "an http issuer is refused with one line and nothing stored",
      async () => {
        const secretFile = Path.join(cli.dir, "bad.secret")
        Fs.writeFileSync(secretFile, SECRET)
        const put = await cli.signet([
          "oauth-provider",
          "put",
          "bad",
          ...T,
          "--issuer",
          "http://idp.example.org",
          "--client-id",
          "x",
          "--client-secret-file",
          secretFile
        ])
        expect(put.code).not.toBe(0)
        expect(put.stderr).toContain("issuer")
        expect(JSON.parse((await cli.signet(["oauth-provider", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )
  })
}
