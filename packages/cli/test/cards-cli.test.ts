/**
 * Issue 18 "printable sign-in cards": `signet user cards --class … --out`
 * writes the PDF (one card per student without a password, owner-only
 * file) and prints the skips. Run in process (`run` from main.ts) against
 * a throwaway database of each dialect.
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  Academics,
  Core,
  CreateTenant,
  CreateUser,
  CurrentActor,
  CurrentTenant,
  Identity,
  systemActor,
  Tenancy
} from "@signet/core"
import { makeTestDatabase, testDialects } from "@signet/core/testing"
import { readCards } from "@signet/core/testing/cards"
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

/** A tenant `cli-cards` with a group of two students without a password and one with; answers the group id. */
const seed = (url: string) =>
  Effect.gen(function* () {
    const tenant = yield* Tenancy.use((t) =>
      t.create(Schema.decodeUnknownSync(CreateTenant)({ slug: "cli-cards", name: "Collège Zola" }))
    )
    return yield* Effect.gen(function* () {
      const a = yield* Academics
      const school = yield* a.createSchool({ name: "Zola", code: "ZOLA" })
      const group = yield* a.createGroup({ school_id: school.id, name: "5e B" })
      const student = (n: number, password?: string) =>
        Identity.use((i) =>
          i.create(
            Schema.decodeUnknownSync(CreateUser)({
              email: `s${n}@cards.example`,
              given_name: `S${n}`,
              family_name: "Z",
              user_type: "student",
              ...(password === undefined ? {} : { password })
            })
          )
        )
      const ids = [
        (yield* student(1)).id,
        (yield* student(2)).id,
        (yield* student(3, "correct horse battery staple")).id
      ]
      yield* a.setMembers(group.id, ids)
      return { group: group.id as string, withPassword: ids[2]! }
    }).pipe(Effect.provideService(CurrentTenant, { id: tenant.id, slug: tenant.slug }))
  }).pipe(
    Effect.provideService(CurrentActor, systemActor),
    Effect.provide(Core.layer({ databaseUrl: url, pgPoolSize: 2 })),
    Effect.scoped
  )

for (const dialect of testDialects()) {
  describe(`signet user cards on ${dialect} (issue 18)`, () => {
    it("writes one card per student without a password and lists the skipped one", async () => {
      const db = await makeTestDatabase(dialect)
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-cards-"))
      try {
        process.env.DATABASE_URL = db.url
        process.env.SIGNET_MASTER_KEY = Crypto.randomBytes(32).toString("base64")
        delete process.env.SIGNET_CONFIG
        const { group, withPassword } = await Effect.runPromise(seed(db.url))
        const out = Path.join(dir, "cards.pdf")
        const printed = await cli(["user", "cards", "--tenant", "cli-cards", "--class", group, "--out", out, "--json"])
        expect(JSON.parse(printed)).toEqual({
          out,
          created: 2,
          skipped: [{ user_id: withPassword, reason: "has_password" }]
        })
        expect(Fs.statSync(out).mode & 0o777).toBe(0o600)
        const cards = await readCards(new Uint8Array(Fs.readFileSync(out)))
        expect(cards.links.length).toBe(2)
        expect(cards.links.every((l) => /\/t\/cli-cards\/invite\?token=[A-Za-z0-9_-]{43}$/.test(l))).toBe(true)
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
        await db.dispose()
      }
    }, 120_000)
  })
}
