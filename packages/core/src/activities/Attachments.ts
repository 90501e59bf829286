/**
 * Attachments on a target (issue 22 "Attachments"; seed 001 `attachments`
 * with `attachable_type/attachable_id`): files, versioned, stored by
 * SHA-256 in the {@link AttachmentStore} and de-duplicated within the
 * tenant. Internal to `Activities.ts`.
 *
 * - **Checks** (`AttachmentFiles.ts`): size ≤ `MAX_ACTIVITY_ATTACHMENT_BYTES`
 *   (413), type by the bytes (415), no active content (415), sanitized name.
 * - **Versions**: an upload creates version 1; each new version (its
 *   author or `activities:admin`) is kept beside the earlier ones, at most
 *   `MAX_ATTACHMENT_VERSIONS`; downloads take the latest or a given one.
 * - **Blobs**: one per distinct SHA-256 per tenant (`activity_attachment_blobs`);
 *   the same bytes uploaded twice are stored once. A blob is written before
 *   its rows, in their transaction; when that transaction fails, a blob it
 *   wrote that no version references is deleted again. Soft-deleted
 *   attachments keep their versions, so their blobs stay (a blob is only
 *   deleted when no version references it) until the retention purge
 *   (`Purge.ts`) deletes the attachment.
 * - **Limits**: `MAX_ATTACHMENTS_PER_TARGET` live attachments per target
 *   (400), `MAX_TENANT_ATTACHMENT_BYTES` of distinct blobs per tenant (413
 *   `tenant_storage`). Every limit is checked before anything is written.
 * - **Rights**: reading needs the target visible (`Targets.ts`); a new
 *   version or a deletion needs to be its author or to hold `activities:admin`.
 * - Every change writes one audit row and one event
 *   `signet.activities.attachment.created|versioned|deleted` (data: the
 *   attachment's metadata, never its bytes) in its transaction.
 *
 * @module
 */
import {
  AttachmentId,
  AttachmentTooLarge,
  MAX_ATTACHMENT_VERSIONS,
  MAX_ATTACHMENTS_PER_TARGET,
  MAX_TENANT_ATTACHMENT_BYTES,
  type UploadAttachmentQuery
} from "@signet/contracts/activities/Attachments"
import type { ActivityPaging, Target } from "@signet/contracts/activities/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { DateTime, Effect, Option, Ref, Schema } from "effect"
import type { AttachmentFile } from "../attendance/Attachments.js"
import type { QuotasApi } from "../kernel/Quotas.js"
import { type CheckedFile, checkFile } from "./AttachmentFiles.js"
import type { VersionFields } from "./AttachmentRepo.js"
import type { AttachmentStore } from "./AttachmentStore.js"
import { sha256Hex } from "./AttachmentStore.js"
import {
  type ActivityDeps,
  activityNotFound,
  actorRef,
  type CheckTarget,
  changeRecorder,
  paging,
  requireAuthorOrAdmin,
  toPage,
  visibleFinder
} from "./Kit.js"

/** The fields of a checked file's version row. */
/**
 * The plan limit on a tenant's attachment storage (issue 22 "plan quota";
 * issue 20 entitlements): bytes of its distinct stored files, de-duplicated
 * by hash, as `MAX_TENANT_ATTACHMENT_BYTES` counts them. A plan sets it in
 * `entitlements.limits` (e.g. `{ "attachments.storage_bytes": 1073741824 }`).
 */
export const ATTACHMENT_STORAGE_LIMIT = "attachments.storage_bytes"

const versionOf = (file: CheckedFile, sha256: string, author: string): VersionFields => ({
  filename: file.filename,
  content_type: file.content_type,
  size_bytes: file.bytes.length,
  sha256,
  author_id: author
})

/** Blob bookkeeping of uploads: the tenant's blob of a file, and its removal when its write fails. */
const blobOps = ({ inTx, repo }: ActivityDeps, store: AttachmentStore["Type"], quotas: QuotasApi) => {
  /**
   * Makes sure the tenant holds the blob of `file` (inside the caller's
   * transaction): nothing to do for a known hash, else the tenant's storage
   * limit, the plan's {@link ATTACHMENT_STORAGE_LIMIT} when it sets one
   * (billing's quota port), the store, the blob row. Sets `wrote` when it
   * wrote to the store.
   * @errors AttachmentTooLarge (tenant_storage), QuotaExceeded (402: the plan's storage limit)
   */
  const ensureBlob = (file: CheckedFile, sha256: string, wrote: Ref.Ref<boolean>) =>
    Effect.gen(function* () {
      if (yield* repo.hasBlob(sha256)) return
      const used = yield* repo.storedBytes
      if (used + file.bytes.length > MAX_TENANT_ATTACHMENT_BYTES)
        return yield* new AttachmentTooLarge({
          message: `the tenant stores ${used} bytes of attachments; this file would pass its ${MAX_TENANT_ATTACHMENT_BYTES}`,
          limit: "tenant_storage",
          limit_bytes: MAX_TENANT_ATTACHMENT_BYTES,
          size_bytes: file.bytes.length
        })
      yield* quotas.admit(ATTACHMENT_STORAGE_LIMIT, file.bytes.length, Effect.orDie(repo.storedBytes))
      const tenant = yield* CurrentTenant
      yield* store.put({ tenant_id: tenant.id, sha256 }, file.bytes)
      yield* Ref.set(wrote, true)
      yield* repo.insertBlob(sha256, file.bytes.length, yield* DateTime.now)
    })

  /**
   * Runs `write` (a transaction that may store the blob `sha256`); when it
   * fails after writing a blob no version references, deletes that blob.
   */
  const withBlob = <A, E, R>(sha256: string, write: (wrote: Ref.Ref<boolean>) => Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const wrote = yield* Ref.make(false)
      return yield* write(wrote).pipe(
        Effect.tapErrorCause(() =>
          Effect.gen(function* () {
            if (!(yield* Ref.get(wrote))) return
            const tenant = yield* CurrentTenant
            if (!(yield* inTx(repo.hasBlob(sha256)))) yield* store.delete({ tenant_id: tenant.id, sha256 })
          })
        )
      )
    })

  return { ensureBlob, withBlob } as const
}

/** The attachment operations over `deps` and `store`; `check` is the target check of `Targets.ts`. */
export const makeAttachments = (
  deps: ActivityDeps,
  store: AttachmentStore["Type"],
  check: CheckTarget,
  quotas: QuotasApi
) => {
  const { access, audit, events, inTx, repo } = deps
  const { ensureBlob, withBlob } = blobOps(deps, store, quotas)

  /** A live attachment whose target the caller can see. @errors ActivityNotFound */
  const findVisible = visibleFinder(inTx, check, "attachment", Schema.is(AttachmentId), repo.findAttachment)

  const changed = changeRecorder({ audit, events }, "attachment")

  /**
   * Uploads a file to a visible target as a new attachment (version 1).
   * @errors TargetNotFound, AttachmentTooLarge (413), UnsupportedAttachmentType (415),
   * ValidationError (`MAX_ATTACHMENTS_PER_TARGET`)
   */
  const upload = (query: UploadAttachmentQuery, data: Uint8Array) =>
    Effect.gen(function* () {
      const target: Target = { target_type: query.target_type, target_id: query.target_id }
      yield* check(target)
      const file = yield* checkFile(data, query.filename)
      const sha256 = sha256Hex(file.bytes)
      const author = yield* actorRef
      return yield* withBlob(sha256, (wrote) =>
        inTx(
          Effect.gen(function* () {
            if ((yield* repo.countAttachments(target)) >= MAX_ATTACHMENTS_PER_TARGET)
              return yield* ValidationError.field(
                "target_id",
                `a target has at most ${MAX_ATTACHMENTS_PER_TARGET} attachments`
              )
            yield* ensureBlob(file, sha256, wrote)
            const id = yield* newId(AttachmentId)
            yield* repo.insertAttachment(id, target, versionOf(file, sha256, author), yield* DateTime.now)
            const created = Option.getOrThrow(yield* repo.findAttachment(id))
            yield* changed("created", created)
            return created
          })
        )
      )
    }).pipe(Effect.withSpan("Activities.uploadAttachment"))

  /**
   * Uploads a new version of an attachment (its author or `activities:admin`);
   * the file name defaults to the latest version's.
   * @errors ActivityNotFound, Forbidden, AttachmentTooLarge, UnsupportedAttachmentType,
   * ValidationError (`MAX_ATTACHMENT_VERSIONS`)
   */
  const addVersion = (id: string, data: Uint8Array, filename?: string) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      const file = yield* checkFile(data, filename ?? row.filename)
      const sha256 = sha256Hex(file.bytes)
      const author = yield* actorRef
      return yield* withBlob(sha256, (wrote) =>
        inTx(
          Effect.gen(function* () {
            const current = Option.getOrThrow(yield* repo.findAttachment(row.id))
            if (current.version >= MAX_ATTACHMENT_VERSIONS)
              return yield* ValidationError.field(
                "version",
                `an attachment has at most ${MAX_ATTACHMENT_VERSIONS} versions`
              )
            yield* ensureBlob(file, sha256, wrote)
            yield* repo.addVersion(row.id, current.version + 1, versionOf(file, sha256, author), yield* DateTime.now)
            const after = Option.getOrThrow(yield* repo.findAttachment(row.id))
            yield* changed("versioned", after, current)
            return after
          })
        )
      )
    }).pipe(Effect.withSpan("Activities.addAttachmentVersion"))

  /** One attachment (its latest version). @errors ActivityNotFound (also when its target is not visible) */
  const get = (id: string) => findVisible(id)

  /** A visible target's attachments, newest first. @errors TargetNotFound, ValidationError (cursor, limit) */
  const list = (target: Target, page: ActivityPaging) =>
    Effect.gen(function* () {
      const { after, limit } = yield* paging(page)
      yield* check(target)
      return toPage(yield* inTx(repo.listAttachments(target, after, limit + 1)), limit)
    })

  /** An attachment's versions, newest first. @errors ActivityNotFound */
  const versions = (id: string) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      return { items: yield* inTx(repo.listVersions(row.id)) }
    })

  /**
   * An attachment's bytes as a file: the latest version or `version`, with
   * its stored name and checked type (served through `attachmentResponse`).
   * @errors ActivityNotFound (also an unknown version)
   */
  const content = (id: string, version?: number) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      const all = yield* inTx(repo.listVersions(row.id))
      const v = all.find((x) => x.version === (version ?? row.version))
      if (v === undefined) return yield* activityNotFound("attachment", `${id} version ${version}`)
      const tenant = yield* CurrentTenant
      const bytes = yield* store.get({ tenant_id: tenant.id, sha256: v.sha256 })
      if (Option.isNone(bytes))
        return yield* Effect.dieMessage(`attachment blob ${v.sha256} of ${row.id} is missing from the store`)
      return { filename: v.filename, content_type: v.content_type, bytes: bytes.value } satisfies AttachmentFile
    }).pipe(Effect.withSpan("Activities.attachmentContent"))

  /** Soft-deletes an attachment (its author or `activities:admin`). @errors ActivityNotFound, Forbidden */
  const remove = (id: string) =>
    Effect.gen(function* () {
      const row = yield* findVisible(id)
      yield* requireAuthorOrAdmin(access, row.author_id)
      yield* inTx(
        Effect.gen(function* () {
          yield* repo.deleteAttachment(row.id, yield* DateTime.now)
          yield* changed("deleted", row)
        })
      )
    }).pipe(Effect.withSpan("Activities.deleteAttachment"))

  return { upload, addVersion, get, list, versions, content, remove } as const
}
