/**
 * Issue 22 "Channel configs": `signet channel add|list|update|remove` on
 * the local database — credentials from an environment variable, never
 * printed nor stored in clear; bad settings refused with nothing stored.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

const SECRET = "sk_cli_channel_0123456789"

for (const dialect of testDialects()) {
  describe(`signet channel on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-channel")
    const { signet } = cli
    const T = ["--tenant", "cli-channel"]

    it(
      "add, list, update, remove; credentials never printed nor stored in clear",
      async () => {
        const added = await signet(
          [
            "channel",
            "add",
            ...T,
            "--kind",
            "sms",
            "--name",
            "Texts",
            "--settings",
            '{"url":"https://sms.example.com/send","from":"Signet"}',
            "--event",
            "signet.accounts.mfa.code",
            "--credentials-env",
            "SMS_TOKEN"
          ],
          { SMS_TOKEN: SECRET }
        )
        expect(added.code, added.stderr).toBe(0)
        const id = /^(\S+) sms Texts/m.exec(added.stdout)?.[1]
        expect(id).toBeDefined()
        const listed = await signet(["channel", "list", ...T, "--json"])
        expect(listed.code, listed.stderr).toBe(0)
        expect(JSON.parse(listed.stdout)).toMatchObject([
          {
            id,
            kind: "sms",
            has_credentials: true,
            credentials_hint: "6789",
            event_types: ["signet.accounts.mfa.code"]
          }
        ])
        expect(listed.stdout + added.stdout).not.toContain(SECRET)
        if (dialect === "sqlite") {
          const data = Path.join(cli.dir, "data")
          for (const f of Fs.readdirSync(data).filter((n) => n.startsWith("signet.db")))
            expect(Fs.readFileSync(Path.join(data, f)).includes(Buffer.from(SECRET))).toBe(false)
        }
        const updated = await signet(["channel", "update", ...T, id!, "--disable", "--clear-credentials"])
        expect(updated.code, updated.stderr).toBe(0)
        expect(updated.stdout).toContain("(disabled)")
        const removed = await signet(["channel", "remove", ...T, id!])
        expect(removed.code, removed.stderr).toBe(0)
        expect(JSON.parse((await signet(["channel", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )

    it(
      "an http URL is refused and nothing is stored",
      async () => {
        const refused = await signet([
          "channel",
          "add",
          ...T,
          "--kind",
          "chat",
          "--name",
          "Chat",
          "--settings",
          '{"url":"http://chat.example/in"}'
        ])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toMatch(/https/)
        expect(JSON.parse((await signet(["channel", "list", ...T, "--json"])).stdout)).toEqual([])
      },
      TIMEOUT
    )
  })
}
