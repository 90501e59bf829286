/**
 * `signet sso-connection …` (issue 19 §2) as an administrator runs it: a
 * process per command on the local database (SQLite, and Postgres when
 * configured). The secret comes from a file and is never printed.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { testDialects } from "@signet/core/testing"
import { samlTestIdp } from "@signet/core/testing/saml"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

const SECRET = "cli-sso-secret-0123456789"

for (const dialect of testDialects()) {
  describe(`signet sso-connection on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-sso")
    const T = ["--tenant", "cli-sso"]
    const secretFile = () => {
      const file = Path.join(cli.dir, "idp.secret")
      Fs.writeFileSync(file, `${SECRET}\n`, { mode: 0o600 })
      return file
    }
    const putArgs = (name: string, domain: string) => [
      "sso-connection",
      "put",
      name,
      ...T,
      "--issuer",
      "https://accounts.google.com",
      "--client-id",
      "signet",
      "--client-secret-file",
      secretFile(),
      "--domain",
      domain,
      "--provisioning",
      "jit"
    ]
    const put = (name: string, domain: string) =>
      cli.signet([
        "sso-connection",
        "put",
        name,
        ...T,
        "--issuer",
        "https://accounts.google.com",
        "--client-id",
        "signet",
        "--client-secret-file",
        secretFile(),
        "--domain",
        domain
      ])

    it(
      "put registers a link_only connection with the default scopes; list shows it without the secret; delete removes it",
      async () => {
        const saved = await put("google", "lycee.example")
        expect(saved.code, saved.stderr).toBe(0)
        expect(saved.stdout).toContain("google: https://accounts.google.com for lycee.example (link_only)")
        expect(saved.stdout).toContain("/api/v1/tenants/cli-sso/sso/callback")
        const listed = await cli.signet(["sso-connection", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toMatchObject([
          { name: "google", domains: ["lycee.example"], scopes: ["openid", "email", "profile"], sso_only: false }
        ])
        expect(listed.stdout + saved.stdout).not.toContain(SECRET)
        const removed = await cli.signet(["sso-connection", "delete", "google", ...T])
        expect(removed.code, removed.stderr).toBe(0)
        expect(JSON.parse((await cli.signet(["sso-connection", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )

    it(
      "put --attribute-mapping-file stores the mapping; a mapping naming an unknown role is refused",
      async () => {
        const file = Path.join(cli.dir, "mapping.json")
        const mapping = (role: string) =>
          Fs.writeFileSync(
            file,
            JSON.stringify({
              user_type: { claim: "groups", values: [{ value: "pupils", user_type: "student" }] },
              school_claim: "school",
              roles: { claim: "groups", values: [{ value: "staff", roles: [role] }], sync: "every_login" }
            })
          )
        mapping("no-such-role")
        const refused = await cli.signet([...putArgs("mapped", "mapped.example"), "--attribute-mapping-file", file])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toContain('no role "no-such-role"')
        mapping("teacher")
        const saved = await cli.signet([
          ...putArgs("mapped", "mapped.example"),
          "--attribute-mapping-file",
          file,
          "--json"
        ])
        expect(saved.code, saved.stderr).toBe(0)
        expect(JSON.parse(saved.stdout).attribute_mapping).toMatchObject({
          school_claim: "school",
          roles: { claim: "groups", sync: "every_login" }
        })
        expect((await cli.signet(["sso-connection", "delete", "mapped", ...T])).code).toBe(0)
      },
      TIMEOUT
    )

    it(
      "a domain already served by another connection is refused, and nothing changes",
      async () => {
        expect((await put("entra", "staff.example")).code).toBe(0)
        const clash = await put("google", "staff.example")
        expect(clash.code).not.toBe(0)
        expect(clash.stderr).toContain('already served by the SSO connection "entra"')
        const listed = JSON.parse((await cli.signet(["sso-connection", "list", ...T, "--json"])).stdout)
        expect(listed.map((c: { name: string }) => c.name)).toEqual(["entra"])
      },
      TIMEOUT
    )

    it(
      "put-saml registers a SAML connection from the IdP's metadata file",
      async () => {
        const idp = await Effect.runPromise(samlTestIdp)
        const file = Path.join(cli.dir, "idp-metadata.xml")
        Fs.writeFileSync(file, idp.metadataXml())
        const saved = await cli.signet([
          "sso-connection",
          "put-saml",
          "adfs",
          ...T,
          "--metadata-file",
          file,
          "--domain",
          "saml.example",
          "--require-encrypted-assertions",
          "--json"
        ])
        expect(saved.code, saved.stderr).toBe(0)
        expect(JSON.parse(saved.stdout)).toMatchObject({
          name: "adfs",
          protocol: "saml",
          issuer: idp.entityId,
          saml_sso_url: idp.ssoUrl,
          domains: ["saml.example"],
          saml_require_encrypted_assertions: true,
          saml_encryption_certificate: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/)
        })
      },
      TIMEOUT
    )
  })
}
