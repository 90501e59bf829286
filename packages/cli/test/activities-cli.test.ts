/**
 * `signet call …`, `signet event …` and `signet activity search|restore`
 * (issue 22 "Call logs and calendar events", search, restore) as an administrator runs them: a process per command on the
 * local database (SQLite, and Postgres when configured), on the tenant
 * itself as the target. (The rules themselves are tested in core, over
 * REST and over RPC.)
 */
import { testDialects } from "@signet/core/testing"
import { beforeAll, describe, expect, it } from "vitest"
import { cliTenant, TIMEOUT } from "./cli-support.js"

for (const dialect of testDialects()) {
  describe(`signet call and signet event on ${dialect}`, () => {
    const cli = cliTenant(dialect, "cli-act")
    const T = ["--tenant", "cli-act"]
    let target: Array<string> = []
    beforeAll(async () => {
      const shown = await cli.signet(["tenant", "show", "cli-act", "--json"])
      expect(shown.code, shown.stderr).toBe(0)
      target = ["--target-type", "tenant", "--target-id", JSON.parse(shown.stdout).id]
    }, TIMEOUT)

    it(
      "a call logged from the command line is listed, shown, then deleted",
      async () => {
        const created = await cli.signet([
          "call",
          "create",
          ...T,
          ...target,
          "--direction",
          "inbound",
          "--outcome",
          "connected",
          "--participant",
          "A parent|+44 20 7946 0000",
          "--duration",
          "120",
          "--json"
        ])
        expect(created.code, created.stderr).toBe(0)
        const id = JSON.parse(created.stdout).id as string
        const listed = await cli.signet(["call", "list", ...T, ...target, "--json"])
        expect(JSON.parse(listed.stdout).items.map((c: { id: string }) => c.id)).toEqual([id])
        const shown = await cli.signet(["call", "show", id, ...T])
        expect(shown.code, shown.stderr).toBe(0)
        expect(shown.stdout).toContain("outcome: connected")
        expect((await cli.signet(["call", "delete", id, ...T])).code).toBe(0)
        const gone = await cli.signet(["call", "show", id, ...T])
        expect(gone.code).toBe(1)
        expect(gone.stderr).toContain(`no call ${id}`)
      },
      TIMEOUT
    )

    it(
      "an event created from the command line is listed, shown, then deleted; a bad RRULE is refused",
      async () => {
        const base = ["event", "create", ...T, ...target, "--title", "Open day"]
        const times = ["--starts-at", "2027-03-01T09:00:00Z", "--ends-at", "2027-03-01T10:00:00Z"]
        const refused = await cli.signet([...base, ...times, "--rrule", "FREQ=SECONDLY"])
        expect(refused.code).toBe(1)
        expect(refused.stderr).toContain("rrule")
        const created = await cli.signet([...base, ...times, "--rrule", "FREQ=WEEKLY;COUNT=3", "--json"])
        expect(created.code, created.stderr).toBe(0)
        const id = JSON.parse(created.stdout).id as string
        const listed = await cli.signet(["event", "list", ...T, ...target])
        expect(listed.stdout).toContain("Open day")
        const shown = await cli.signet(["event", "show", id, ...T, "--json"])
        expect(JSON.parse(shown.stdout)).toMatchObject({ title: "Open day", rrule: "FREQ=WEEKLY;COUNT=3" })
        expect((await cli.signet(["event", "delete", id, ...T])).code).toBe(0)
        const after = await cli.signet(["event", "list", ...T, ...target, "--json"])
        expect(JSON.parse(after.stdout).items).toEqual([])
      },
      TIMEOUT
    )

    it(
      "signet activity search finds an event; signet activity restore brings a deleted one back once",
      async () => {
        const times = ["--starts-at", "2027-04-01T09:00:00Z", "--ends-at", "2027-04-01T10:00:00Z"]
        const created = await cli.signet([
          "event",
          "create",
          ...T,
          ...target,
          "--title",
          "Aquarium trip",
          ...times,
          "--json"
        ])
        expect(created.code, created.stderr).toBe(0)
        const id = JSON.parse(created.stdout).id as string
        const found = await cli.signet(["activity", "search", ...T, "-q", "aquar", "--json"])
        expect(found.code, found.stderr).toBe(0)
        expect(JSON.parse(found.stdout).items.map((h: { id: string }) => h.id)).toEqual([id])
        const table = await cli.signet(["activity", "search", ...T, "--query", "aquarium", "--kinds", "event"])
        expect(table.stdout).toContain(id)
        expect((await cli.signet(["event", "delete", id, ...T])).code).toBe(0)
        const restored = await cli.signet(["activity", "restore", "events", id, ...T])
        expect(restored.code, restored.stderr).toBe(0)
        expect((await cli.signet(["event", "show", id, ...T])).code).toBe(0)
        const again = await cli.signet(["activity", "restore", "events", id, ...T])
        expect(again.code).toBe(1)
        expect(again.stderr).toContain("not deleted")
      },
      TIMEOUT
    )
  })
}
