/**
 * Where attachment bytes live (issue 22 "Attachments"): a content-addressed
 * blob store keyed by tenant and SHA-256, behind one Effect service so
 * object storage (S3, GCS, …) can be plugged in by providing another
 * {@link AttachmentStore} layer (`Core.layer({ attachmentStore })`).
 *
 * - {@link AttachmentStore.fileSystem}: files under a directory,
 *   `<dir>/<tenant id>/<sha[0..2]>/<sha>`, written to a temporary name and
 *   renamed (a reader never sees half a file), mode 0600 in 0700 folders.
 *   Reads check the bytes against their hash (a corrupted or swapped file
 *   is a defect, never served). The default directory is `attachments`
 *   beside the SQLite database (`sqlite:./data/signet.db` →
 *   `./data/attachments`), `./data/attachments` on Postgres;
 *   `SIGNET_ATTACHMENTS_DIR` overrides it. Several replicas on Postgres
 *   need a shared directory or an object-storage layer.
 * - {@link AttachmentStore.memory}: a map, for tests and embedders.
 *
 * The store knows nothing of rows: the activities service decides when a
 * blob is written (a new hash within the tenant) and when it is deleted (no
 * version references it any more). Store failures (I/O) are defects.
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"
import { Context, Effect, Layer, Option } from "effect"

/** A blob's key: the tenant it belongs to and the SHA-256 of its bytes (64 lowercase hex digits). */
export interface BlobKey {
  readonly tenant_id: string
  readonly sha256: string
}

/** The SHA-256 of `bytes` as 64 lowercase hex digits. */
export const sha256Hex = (bytes: Uint8Array): string => NodeCrypto.createHash("sha256").update(bytes).digest("hex")

const HEX64 = /^[0-9a-f]{64}$/
const SAFE_TENANT = /^[0-9A-Za-z-]{1,64}$/

/** Refuses keys that could leave the store's directory (defect: keys come from the service, never from a client). */
const checkKey = (key: BlobKey) =>
  HEX64.test(key.sha256) && SAFE_TENANT.test(key.tenant_id)
    ? Effect.void
    : Effect.dieMessage(`invalid blob key ${key.tenant_id}/${key.sha256}`)

/** The content-addressed blob store of attachments; see the module comment. */
export class AttachmentStore extends Context.Tag("Signet/AttachmentStore")<
  AttachmentStore,
  {
    /** Stores `bytes` under `key` (idempotent: the same key always holds the same bytes). */
    readonly put: (key: BlobKey, bytes: Uint8Array) => Effect.Effect<void>
    /** The bytes under `key`, or none. */
    readonly get: (key: BlobKey) => Effect.Effect<Option.Option<Uint8Array>>
    /** Removes the blob under `key` (no-op when absent). */
    readonly delete: (key: BlobKey) => Effect.Effect<void>
  }
>() {
  /** An in-memory store (tests, embedders without files). */
  static readonly memory: Layer.Layer<AttachmentStore> = Layer.sync(AttachmentStore, () => {
    const blobs = new Map<string, Uint8Array>()
    const k = (key: BlobKey) => `${key.tenant_id}/${key.sha256}`
    return {
      put: (key, bytes) =>
        Effect.zipRight(
          checkKey(key),
          Effect.sync(() => void blobs.set(k(key), Uint8Array.from(bytes)))
        ),
      get: (key) =>
        Effect.zipRight(
          checkKey(key),
          Effect.sync(() => Option.fromNullable(blobs.get(k(key))))
        ),
      delete: (key) =>
        Effect.zipRight(
          checkKey(key),
          Effect.sync(() => void blobs.delete(k(key)))
        )
    }
  })

  /** Files under `dir` (created on first write); see the module comment. */
  static readonly fileSystem = (dir: string): Layer.Layer<AttachmentStore> =>
    Layer.succeed(AttachmentStore, {
      put: (key, bytes) =>
        Effect.zipRight(
          checkKey(key),
          Effect.promise(async () => {
            const file = blobPath(dir, key)
            await Fs.mkdir(Path.dirname(file), { recursive: true, mode: 0o700 })
            const tmp = `${file}.${NodeCrypto.randomBytes(6).toString("hex")}.tmp`
            await Fs.writeFile(tmp, bytes, { mode: 0o600 })
            await Fs.rename(tmp, file)
          })
        ).pipe(Effect.withSpan("AttachmentStore.put")),
      get: (key) =>
        Effect.zipRight(
          checkKey(key),
          Effect.promise(() =>
            Fs.readFile(blobPath(dir, key)).then(
              (b) => Option.some(new Uint8Array(b)),
              (e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? Option.none<Uint8Array>() : Promise.reject(e))
            )
          )
        ).pipe(
          Effect.tap((b) =>
            Option.isSome(b) && sha256Hex(b.value) !== key.sha256
              ? Effect.dieMessage(`attachment blob ${key.tenant_id}/${key.sha256} does not match its hash`)
              : Effect.void
          ),
          Effect.withSpan("AttachmentStore.get")
        ),
      delete: (key) =>
        Effect.zipRight(
          checkKey(key),
          Effect.promise(() => Fs.rm(blobPath(dir, key), { force: true }))
        ).pipe(Effect.withSpan("AttachmentStore.delete"))
    })

  /**
   * The default store's directory: `SIGNET_ATTACHMENTS_DIR` when set, else
   * `attachments` beside a SQLite database file, else `./data/attachments`.
   */
  static readonly defaultDir = (databaseUrl: string, env: NodeJS.ProcessEnv = process.env): string => {
    const configured = env.SIGNET_ATTACHMENTS_DIR
    if (configured !== undefined && configured !== "") return Path.resolve(configured)
    const file = databaseUrl.startsWith("sqlite:") ? databaseUrl.slice("sqlite:".length) : ""
    return file !== "" && file !== ":memory:"
      ? Path.join(Path.dirname(Path.resolve(file)), "attachments")
      : Path.resolve("data", "attachments")
  }
}

/** The file of a blob under `dir`. */
const blobPath = (dir: string, key: BlobKey) => Path.join(dir, key.tenant_id, key.sha256.slice(0, 2), key.sha256)
