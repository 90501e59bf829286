/**
 * Issue 22 (attachments): the file-system `AttachmentStore` — put, get and
 * delete by tenant and SHA-256, a blob that no longer matches its hash is
 * never served, keys that could leave the directory are refused, and the
 * default directory sits beside the SQLite database.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { AttachmentStore, sha256Hex } from "@signet/core"
import { Effect, Exit, Option } from "effect"

const withDir = <A, E>(f: (dir: string) => Effect.Effect<A, E, AttachmentStore>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-store-test-"))),
    (dir) => f(dir).pipe(Effect.provide(AttachmentStore.fileSystem(dir))),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

const tenant = "0190f0a0-0000-7000-8000-000000000001"
const bytes = new TextEncoder().encode("hello attachments\n")
const key = { tenant_id: tenant, sha256: sha256Hex(bytes) }

describe("file-system AttachmentStore (issue 22)", () => {
  it.effect("puts, gets and deletes a blob under <dir>/<tenant>/<sha[0..2]>/<sha>", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        const store = yield* AttachmentStore
        yield* store.put(key, bytes)
        expect(Fs.existsSync(Path.join(dir, tenant, key.sha256.slice(0, 2), key.sha256))).toBe(true)
        const got = yield* store.get(key)
        expect(Option.map(got, (b) => Buffer.from(b).toString())).toEqual(Option.some("hello attachments\n"))
        yield* store.delete(key)
        expect(Option.isNone(yield* store.get(key))).toBe(true)
      })
    )
  )

  it.effect("a blob whose bytes no longer match its hash is a defect, never served", () =>
    withDir((dir) =>
      Effect.gen(function* () {
        const store = yield* AttachmentStore
        yield* store.put(key, bytes)
        Fs.writeFileSync(Path.join(dir, tenant, key.sha256.slice(0, 2), key.sha256), "tampered")
        expect(Exit.isFailure(yield* Effect.exit(store.get(key)))).toBe(true)
      })
    )
  )

  it.effect("a key that could leave the directory is refused", () =>
    withDir(() =>
      Effect.gen(function* () {
        const store = yield* AttachmentStore
        const bad = { tenant_id: "../../etc", sha256: key.sha256 }
        expect(Exit.isFailure(yield* Effect.exit(store.put(bad, bytes)))).toBe(true)
      })
    )
  )

  it("the default directory is `attachments` beside the SQLite file, unless SIGNET_ATTACHMENTS_DIR says", () => {
    expect(AttachmentStore.defaultDir("sqlite:/srv/signet/signet.db", {})).toBe("/srv/signet/attachments")
    expect(AttachmentStore.defaultDir("postgres://db/signet", {})).toBe(Path.resolve("data", "attachments"))
    expect(AttachmentStore.defaultDir("sqlite:x.db", { SIGNET_ATTACHMENTS_DIR: "/var/files" })).toBe("/var/files")
  })
})
