/**
 * `signet attachment …` (issue 22 "Attachments") as an administrator runs
 * it: a process per command on the local database (SQLite, and Postgres
 * when configured). A text file uploaded to the tenant itself is listed
 * and written back byte for byte; an executable renamed `.pdf` is refused
 * by its bytes.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { testDialects } from "@signet/core/testing"
import { describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet attachment on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-att")
    const T = ["--tenant", "cli-att"]

    it(
      "upload, list and download a file on the tenant; an .exe renamed .pdf is refused",
      async () => {
        const shown = await cli.signet(["tenant", "show", "cli-att", "--json"])
        expect(shown.code, shown.stderr).toBe(0)
        const target = ["--target-type", "tenant", "--target-id", JSON.parse(shown.stdout).id]
        const file = Path.join(cli.dir, "marks.csv")
        Fs.writeFileSync(file, "student,mark\nada,19\n")
        const up = await cli.signet(["attachment", "upload", ...T, ...target, file, "--json"])
        expect(up.code, up.stderr).toBe(0)
        const created = JSON.parse(up.stdout)
        expect(created).toMatchObject({ filename: "marks.csv", content_type: "text/csv", version: 1 })
        const listed = await cli.signet(["attachment", "list", ...T, ...target, "--json"])
        expect(JSON.parse(listed.stdout).map((a: { id: string }) => a.id)).toEqual([created.id])
        const out = Path.join(cli.dir, "back.csv")
        const down = await cli.signet(["attachment", "download", ...T, created.id, "--out", out])
        expect(down.code, down.stderr).toBe(0)
        expect(Fs.readFileSync(out, "utf8")).toBe("student,mark\nada,19\n")
        const exe = Path.join(cli.dir, "invoice.pdf")
        Fs.writeFileSync(
          exe,
          Buffer.from("MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode.", "latin1")
        )
        const refused = await cli.signet(["attachment", "upload", ...T, ...target, exe])
        expect(refused.code).not.toBe(0)
        expect(refused.stderr).toContain("none of")
      },
      TIMEOUT
    )
  })
}
