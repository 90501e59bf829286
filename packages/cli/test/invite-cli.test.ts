/**
 * Issue 18 "Invitations": `signet user invite` invites one address, and
 * `--all-pending` invites every user with an e-mail and no password in
 * batches, printing a summary of who was skipped and why. Run in process
 * (`run` from main.ts) against a throwaway database of each dialect.
 */
import * as Crypto from "node:crypto"
import { Core, CreateTenant, CurrentActor, systemActor, Tenancy } from "@signet/core"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { Effect, Schema } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { run } from "../src/main.js"

const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
  process.exitCode = undefined
  vi.restoreAllMocks()
})

/** Runs the CLI in process; answers what it printed on stdout. */
const cli = async (args: ReadonlyArray<string>) => {
  const out: Array<string> = []
  vi.spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => void out.push(parts.join(" ")))
  vi.spyOn(console, "error").mockImplementation(() => undefined)
  await Effect.runPromise(run(["node", "signet", ...args]) as Effect.Effect<void>)
  expect(process.exitCode ?? 0).toBe(0)
  vi.restoreAllMocks()
  return out.join("\n")
}

for (const dialect of testDialects()) {
  describe(`signet user invite on ${dialect} (issue 18)`, () => {
    it("invites one address, then every pending user in batches, and summarises the skips", async () => {
      const db = await makeTestDatabase(dialect)
      try {
        process.env.DATABASE_URL = db.url
        process.env.SIGNET_MASTER_KEY = Crypto.randomBytes(32).toString("base64")
        delete process.env.SIGNET_CONFIG
        await Effect.runPromise(
          Tenancy.use((t) =>
            t.create(
              Schema.decodeUnknownSync(CreateTenant)({
                slug: "cli-inv",
                name: "C",
                admin: {
                  email: "head@inv.example",
                  password: "correct horse battery staple",
                  given_name: "H",
                  family_name: "T"
                }
              })
            )
          ).pipe(
            Effect.provideService(CurrentActor, systemActor),
            Effect.provide(Core.layer({ databaseUrl: db.url, pgPoolSize: 2 })),
            Effect.scoped
          )
        )
        const one = await cli([
          "user",
          "invite",
          "--tenant",
          "cli-inv",
          "--email",
          "t1@inv.example",
          "--type",
          "teacher"
        ])
        expect(one).toContain("t1@inv.example: invited")
        for (const n of [1, 2, 3])
          await cli([
            "user",
            "create",
            "--tenant",
            "cli-inv",
            "--email",
            `s${n}@inv.example`,
            "--given-name",
            "S",
            "--family-name",
            `P${n}`,
            "--type",
            "student"
          ])
        const all = await cli(["user", "invite", "--tenant", "cli-inv", "--all-pending", "--batch", "2", "--json"])
        expect(JSON.parse(all)).toEqual({
          invited: 3,
          skipped: 2,
          reasons: { has_password: 1, pending_invitation: 1 }
        })
        const again = await cli(["user", "invite", "--tenant", "cli-inv", "--all-pending"])
        expect(again).toContain("invited: 0")
        expect(again).toContain("pending_invitation: 4")
      } finally {
        await db.dispose()
      }
    }, 120_000)
  })
}
