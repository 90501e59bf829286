import * as Fs from "node:fs"
import * as Path from "node:path"
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet oidc-client on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-oidc")
    const { signet } = cli
    const T = ["--tenant", "cli-oidc"]

    it(
      "create prints the secret once; list shows the client without it; delete removes it",
      async () => {
        const created = await signet([
          "oidc-client",
          "create",
          ...T,
          "--name",
          "Library",
          "--redirect-uri",
          "https://library.example.org/callback"
        ])
        expect(created.code, created.stderr).toBe(0)
        const id = /^(oc_\S+) Library/m.exec(created.stdout)?.[1]
        expect(id).toBeDefined()
        const secret = /client secret \(shown once\): (\S+)/.exec(created.stdout)?.[1]
        expect(secret?.length).toBeGreaterThan(30)
        const listed = await signet(["oidc-client", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toMatchObject([
          { client_id: id, name: "Library", redirect_uris: ["https://library.example.org/callback"] }
        ])
        expect(listed.stdout).not.toContain(secret!)
        if (dialect === "sqlite") {
          // At rest the secret is envelope-encrypted: not in the database file nor its WAL.
          const data = Path.join(cli.dir, "data")
          const files = Fs.readdirSync(data).filter((n) => n.startsWith("signet.db"))
          expect(files.length).toBeGreaterThan(0)
          for (const f of files) expect(Fs.readFileSync(Path.join(data, f)).includes(Buffer.from(secret!))).toBe(false)
        }
        const deleted = await signet(["oidc-client", "delete", ...T, id!])
        expect(deleted.code, deleted.stderr).toBe(0)
        expect(JSON.parse((await signet(["oidc-client", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )

    it(
      "a non-loopback http redirect URI is refused and nothing is stored",
      async () => {
        const refused = await signet([
          "oidc-client",
          "create",
          ...T,
          "--name",
          "Evil",
          "--redirect-uri",
          "http://evil.example/cb"
        ])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr + refused.stdout).toContain("redirect_uris")
        expect(JSON.parse((await signet(["oidc-client", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )
  })
}
