/**
 * Issue 15 §1 "Roster zip bomb": the one zip reader (RosterZip.ts) stops at the first byte past
 * a limit, on the bytes it actually inflates, whatever the archive's headers declare.
 */
import { RosterZip } from "@signet/core"
import { Effect } from "effect"
import { strToU8, zipSync } from "fflate"
import { describe, expect, it } from "vitest"

const zeros = (n: number) => new Uint8Array(n)
const run = (bytes: Uint8Array, limits: Partial<RosterZip.RosterZipLimits> = {}) =>
  Effect.runPromise(Effect.either(RosterZip.readRosterZip(bytes, limits)))

/** Rewrites every declared uncompressed size (local headers and central directory) to `size`. */
const lieAboutSizes = (zip: Uint8Array, size: number) => {
  const out = zip.slice()
  const view = new DataView(out.buffer)
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = view.getUint32(i, true)
    if (sig === 0x04034b50) view.setUint32(i + 22, size, true)
    if (sig === 0x02014b50) view.setUint32(i + 24, size, true)
  }
  return out
}

describe("readRosterZip (issue 15 §1)", () => {
  it("reads the CSV entries by base name, skipping other files and __MACOSX/", async () => {
    const zip = zipSync({
      "set/users.csv": strToU8("sourcedId\n1\n"),
      "set/orgs.csv": strToU8("sourcedId\n2\n"),
      "readme.txt": strToU8("hello"),
      "__MACOSX/set/._users.csv": strToU8("junk")
    })
    const r = await run(zip)
    expect(r._tag).toBe("Right")
    if (r._tag === "Right") expect([...r.right.keys()]).toEqual(["orgs.csv", "users.csv"])
  })

  it("refuses an entry that inflates past the per-file limit, naming the limit", async () => {
    const zip = zipSync({ "users.csv": zeros(8 * 1024 * 1024) }, { level: 9 })
    expect(zip.length).toBeLessThan(64 * 1024)
    const r = await run(zip, { maxEntryBytes: 4 * 1024 * 1024, maxRatio: 100_000 })
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect(r.left.issues[0]?.message).toContain("over the limit of 4194304 bytes per file")
  })

  it("catches an archive whose headers understate the sizes, while inflating", async () => {
    const honest = zipSync({ "users.csv": zeros(8 * 1024 * 1024) }, { level: 9 })
    const r = await run(lieAboutSizes(honest, 10), { maxEntryBytes: 4 * 1024 * 1024, maxRatio: 100_000 })
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect(r.left.issues[0]?.message).toContain("inflates past the limit")
  })

  it("refuses entries that inflate past the total limit", async () => {
    const zip = zipSync({ "a.csv": zeros(3 * 1024 * 1024), "b.csv": zeros(3 * 1024 * 1024) }, { level: 9 })
    const r = await run(zip, { maxTotalBytes: 4 * 1024 * 1024, maxRatio: 100_000 })
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect(r.left.issues[0]?.message).toContain("in total")
  })

  it("refuses an entry that inflates beyond the compression ratio", async () => {
    const zip = zipSync({ "users.csv": zeros(4 * 1024 * 1024) }, { level: 9 })
    const r = await run(zip)
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect(r.left.issues[0]?.message).toContain("times its compressed size")
  })

  it("refuses too many CSV files and two with the same base name", async () => {
    const many = zipSync(Object.fromEntries([1, 2, 3].map((i) => [`f${i}.csv`, strToU8("x")])))
    expect((await run(many, { maxEntries: 2 }))._tag).toBe("Left")
    const twins = zipSync({ "a/users.csv": strToU8("x"), "b/users.csv": strToU8("y") })
    const r = await run(twins)
    expect(r._tag === "Left" && r.left.issues[0]?.message).toContain("two zip entries are named users.csv")
  })

  it("refuses bytes that are not a zip, and a zip without CSV", async () => {
    expect((await run(strToU8("not a zip")))._tag).toBe("Left")
    const r = await run(zipSync({ "a.txt": strToU8("x") }))
    expect(r._tag === "Left" && r.left.issues[0]?.message).toContain("no CSV")
  })
})
