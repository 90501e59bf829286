import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet scim-token on ${dialect}`, () => {
    const { signet } = cliTenant(dialect, "cli-scim")
    let id: string
    const T = ["--tenant", "cli-scim"]

    it(
      "create prints the token once with the SCIM base path; list shows it without the secret",
      async () => {
        const created = await signet(["scim-token", "create", ...T, "--name", "Entra ID", "--json"])
        expect(created.code, created.stderr).toBe(0)
        const body = JSON.parse(created.stdout)
        expect(body.token).toMatch(/^scim_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/)
        expect(body.base_url).toBe("/t/cli-scim/scim/v2")
        id = body.scim_token.id
        const listed = await signet(["scim-token", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toMatchObject([{ id, name: "Entra ID", active: true }])
        expect(listed.stdout).not.toContain(body.token.slice(18))
      },
      TIMEOUT
    )

    it(
      "create --student-groups adds the academics permissions to the token's scope; without it they are absent",
      async () => {
        const withGroups = await signet([
          "scim-token",
          "create",
          ...T,
          "--name",
          "Groups",
          "--student-groups",
          "--json"
        ])
        expect(withGroups.code, withGroups.stderr).toBe(0)
        const scope = JSON.parse(withGroups.stdout).scim_token.permissions
        expect(scope).toEqual(expect.arrayContaining(["academics:read", "academics:write"]))
        const plainToken = await signet(["scim-token", "create", ...T, "--name", "Plain", "--json"])
        expect(JSON.parse(plainToken.stdout).scim_token.permissions).not.toContain("academics:write")
      },
      TIMEOUT
    )

    it(
      "revoke marks the token inactive; revoking it again fails with one line",
      async () => {
        const revoked = await signet(["scim-token", "revoke", ...T, id])
        expect(revoked.code, revoked.stderr).toBe(0)
        const listed = await signet(["scim-token", "list", ...T, "--json"])
        expect(JSON.parse(listed.stdout).find((t: { id: string }) => t.id === id).active).toBe(false)
        const again = await signet(["scim-token", "revoke", ...T, id])
        expect(again.code).not.toBe(0)
        expect(again.stderr).toMatch(/SCIM token/)
      },
      TIMEOUT
    )
  })
}
