/**
 * Activities contract, attachments (issue 22 "Attachments"; seed 001
 * "Extended Tables": `attachments` with `attachable_type/attachable_id`):
 * files on any target `(target_type, target_id)`, **versioned** (each
 * upload of a new version keeps the earlier ones), stored by SHA-256 and
 * de-duplicated within a tenant.
 *
 * The type of a file is decided by its bytes (magic numbers), never by the
 * client's `Content-Type` or file name: one of
 * {@link ACTIVITY_ATTACHMENT_TYPES}, else 415 {@link UnsupportedAttachmentType}.
 * Limits: a file at most {@link MAX_ACTIVITY_ATTACHMENT_BYTES} bytes and a
 * tenant's stored bytes at most {@link MAX_TENANT_ATTACHMENT_BYTES} (413
 * {@link AttachmentTooLarge}); at most {@link MAX_ATTACHMENTS_PER_TARGET}
 * live attachments per target and {@link MAX_ATTACHMENT_VERSIONS} versions
 * per attachment (400 `ValidationError`). Nothing is written on a refusal.
 *
 * Contract only (no SQL, no Node module).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { ActivityPage, TargetIdString, TargetType } from "./Domain.js"

/** Branded attachment id (UUIDv7). */
export const AttachmentId = Schema.UUID.pipe(
  Schema.brand("AttachmentId"),
  Schema.annotations({ identifier: "AttachmentId" })
)
/** @see AttachmentId */
export type AttachmentId = typeof AttachmentId.Type

/** Bytes of one attachment version at most (10 MiB). */
export const MAX_ACTIVITY_ATTACHMENT_BYTES = 10 * 1024 * 1024
/** Live (not deleted) attachments per target at most. */
export const MAX_ATTACHMENTS_PER_TARGET = 1_000
/** Versions of one attachment at most. */
export const MAX_ATTACHMENT_VERSIONS = 100
/** Bytes of distinct files (blobs) one tenant stores at most (10 GiB). */
export const MAX_TENANT_ATTACHMENT_BYTES = 10 * 1024 * 1024 * 1024
/** Characters of a file name as given by the client at most (it is then sanitized). */
export const MAX_ATTACHMENT_FILENAME_CHARS = 255

/**
 * The accepted types, recognised by their bytes: PDF (`%PDF-`), PNG
 * (signature), JPEG (`FF D8 FF`), GIF (`GIF87a`/`GIF89a`), WebP
 * (`RIFF….WEBP`); text (valid UTF-8 without NUL or other C0 controls but
 * tab, CR, LF) is `text/csv` when its name ends in `.csv`, else `text/plain`.
 */
export const ACTIVITY_ATTACHMENT_TYPES = [
  "application/pdf",
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "text/plain",
  "text/csv"
] as const
/** One of {@link ACTIVITY_ATTACHMENT_TYPES}. */
export const AttachmentContentType = Schema.Literal(...ACTIVITY_ATTACHMENT_TYPES)
/** @see AttachmentContentType */
export type AttachmentContentType = typeof AttachmentContentType.Type

/** A file name as the client gives it: 1–255 characters (sanitized to a safe base name on upload). */
export const AttachmentFilename = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must not be empty" }),
  Schema.maxLength(MAX_ATTACHMENT_FILENAME_CHARS, {
    message: () => `must be at most ${MAX_ATTACHMENT_FILENAME_CHARS} characters`
  }),
  Schema.annotations({ identifier: "AttachmentFilename" })
)

/**
 * One version of an attachment: its number (1, 2, …), the sanitized file
 * name, the type checked from its bytes, its size in bytes, the SHA-256 of
 * its bytes (lowercase hex) and who uploaded it.
 */
export class ActivityAttachmentVersion extends Schema.Class<ActivityAttachmentVersion>("ActivityAttachmentVersion")({
  attachment_id: AttachmentId,
  version: Schema.Number,
  filename: Schema.String,
  content_type: AttachmentContentType,
  size_bytes: Schema.Number,
  sha256: Schema.String,
  /** The uploader (as a note's author: a user id, an API key id, an operator id). */
  author_id: Schema.String,
  created_at: Schema.DateTimeUtc
}) {}

/**
 * An attachment on a target, shown with its latest version (`version`,
 * `filename`, `content_type`, `size_bytes`, `sha256`). `author_id` is who
 * created it (version 1).
 */
export class ActivityAttachment extends Schema.Class<ActivityAttachment>("ActivityAttachment")({
  id: AttachmentId,
  target_type: Schema.String,
  target_id: Schema.String,
  author_id: Schema.String,
  version: Schema.Number,
  filename: Schema.String,
  content_type: AttachmentContentType,
  size_bytes: Schema.Number,
  sha256: Schema.String,
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A page of attachments, newest first. */
export const AttachmentPage = ActivityPage(ActivityAttachment).annotations({ identifier: "AttachmentPage" })

/** The versions of an attachment, newest first (at most {@link MAX_ATTACHMENT_VERSIONS}). */
export const AttachmentVersionList = Schema.Struct({ items: Schema.Array(ActivityAttachmentVersion) }).annotations({
  identifier: "AttachmentVersionList"
})

/** Query of an upload: the target and the file's name (the body is the file's raw bytes). */
export const UploadAttachmentQuery = Schema.Struct({
  target_type: TargetType,
  target_id: TargetIdString,
  filename: AttachmentFilename
})
/** @see UploadAttachmentQuery */
export type UploadAttachmentQuery = typeof UploadAttachmentQuery.Type

/** Query of a new version's upload: its file name (default: the latest version's). */
export const UploadVersionQuery = Schema.Struct({ filename: Schema.optional(AttachmentFilename) })
/** @see UploadVersionQuery */
export type UploadVersionQuery = typeof UploadVersionQuery.Type

/** Query of a download: `version` (1, 2, …; default the latest). */
export const AttachmentContentQuery = Schema.Struct({
  version: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, MAX_ATTACHMENT_VERSIONS)))
})
/** @see AttachmentContentQuery */
export type AttachmentContentQuery = typeof AttachmentContentQuery.Type

/**
 * An attachment as downloaded: the raw bytes, `Content-Type` the type
 * checked at upload, `Content-Disposition: attachment; filename="…";
 * filename*=UTF-8''…` (RFC 6266 §4, RFC 5987), `X-Content-Type-Options:
 * nosniff`. Clients read it as bytes (`Uint8Array`).
 */
export const AttachmentContent = HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" })

/** The body of an upload: the file's raw bytes (`Content-Type: application/octet-stream`). */
export const AttachmentUpload = HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" })

/**
 * 413 — the file is larger than `limit_bytes` (`limit: "file"`,
 * {@link MAX_ACTIVITY_ATTACHMENT_BYTES}), or storing it would take the
 * tenant past its storage (`limit: "tenant_storage"`,
 * {@link MAX_TENANT_ATTACHMENT_BYTES}). Nothing was written.
 */
export class AttachmentTooLarge extends Schema.TaggedError<AttachmentTooLarge>()(
  "AttachmentTooLarge",
  {
    message: Schema.String,
    limit: Schema.Literal("file", "tenant_storage"),
    limit_bytes: Schema.Number,
    size_bytes: Schema.Number
  },
  HttpApiSchema.annotations({ status: 413, description: "The file is too large (or the tenant's storage is full)" })
) {}

/**
 * 415 — the file's bytes are none of the accepted types (`allowed`,
 * {@link ACTIVITY_ATTACHMENT_TYPES}), whatever its name or declared type
 * (an `.exe` renamed `.pdf` is refused), or it carries active content (HTML
 * or script markers; PDF JavaScript or Launch actions). Nothing was written.
 */
export class UnsupportedAttachmentType extends Schema.TaggedError<UnsupportedAttachmentType>()(
  "UnsupportedAttachmentType",
  { message: Schema.String, allowed: Schema.Array(Schema.String) },
  HttpApiSchema.annotations({ status: 415, description: "The file's bytes are not of an accepted type" })
) {}

/**
 * RPC `UploadAttachment` (issue 22 "RPC"): the REST upload's query plus the
 * file's bytes, base64 in the JSON message (RFC 4648 §4). Core checks it as
 * over REST: at most {@link MAX_ACTIVITY_ATTACHMENT_BYTES} (413
 * `AttachmentTooLarge`), typed by its bytes (415). The `/rpc` request body
 * limit (`SIGNET_MAX_BODY_BYTES`, 1 MiB by default; base64 adds a third)
 * applies first — larger files go through the REST upload.
 */
export const RpcUploadAttachment = Schema.Struct({
  target_type: TargetType,
  target_id: TargetIdString,
  filename: AttachmentFilename,
  bytes: Schema.Uint8ArrayFromBase64
})
/** @see RpcUploadAttachment */
export type RpcUploadAttachment = typeof RpcUploadAttachment.Type

/** RPC `UploadAttachmentVersion`: the attachment, the new version's bytes (base64) and its name (default: the latest's). */
export const RpcUploadAttachmentVersion = Schema.Struct({
  id: Schema.String,
  bytes: Schema.Uint8ArrayFromBase64,
  filename: Schema.optional(AttachmentFilename)
})
/** @see RpcUploadAttachmentVersion */
export type RpcUploadAttachmentVersion = typeof RpcUploadAttachmentVersion.Type

/** RPC `DownloadAttachment`: the attachment and `version` (1, 2, …; default the latest). */
export const RpcDownloadAttachment = Schema.Struct({
  id: Schema.String,
  version: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_ATTACHMENT_VERSIONS)))
})
/** @see RpcDownloadAttachment */
export type RpcDownloadAttachment = typeof RpcDownloadAttachment.Type

/**
 * An attachment's file as RPC `DownloadAttachment` answers it: the stored
 * name, the type checked at upload and the bytes (base64 in the message).
 */
export const AttachmentDownload = Schema.Struct({
  filename: Schema.String,
  content_type: Schema.String,
  bytes: Schema.Uint8ArrayFromBase64
}).annotations({ identifier: "AttachmentDownload" })
/** @see AttachmentDownload */
export type AttachmentDownload = typeof AttachmentDownload.Type
