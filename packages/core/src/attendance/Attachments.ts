/**
 * Excuse attachments as files (issue 15 §5 "Hardening"): what is accepted
 * at upload and how it goes back out.
 *
 * At upload ({@link checkAttachment}):
 * - the bytes must be base64, not empty, at most 5 MiB
 *   (`MAX_ATTACHMENT_BYTES`), and start with the magic of the declared type
 *   (`%PDF-`; the PNG signature; `FF D8 FF`; `RIFF….WEBP`);
 * - no file may carry active content a browser or viewer would run: HTML
 *   markers ({@link ACTIVE_CONTENT_MARKERS}, case-insensitive, anywhere in
 *   the file — a PDF/HTML polyglot starts with `%PDF-` too) and, in a PDF,
 *   the `/JavaScript`, `/JS` and `/Launch` actions;
 * - the file name is reduced to a safe base name ({@link sanitizeFilename}).
 *
 * On the way out ({@link attachmentResponse}) the file is a download, never a
 * page: the checked type as `Content-Type`, `Content-Disposition: attachment`
 * with an ASCII `filename` and an RFC 5987 `filename*` (RFC 6266 §4.3),
 * `X-Content-Type-Options: nosniff`, `Content-Security-Policy: default-src
 * 'none'; sandbox` (the server's API policy, which also says `default-src
 * 'none'` and `sandbox`, replaces it on the way out) and `Cache-Control:
 * private, no-store`.
 *
 * @module
 */
import { HttpServerResponse } from "@effect/platform"
import { type ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES } from "@signet/contracts/attendance/Domain"
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { Effect } from "effect"
import { safeFilename } from "../kernel/Filenames.js"

/** An accepted attachment type (`ATTACHMENT_TYPES`). */
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number]

/** The file name extensions of each type; the first is the one a name gets when it has none of them. */
export const ATTACHMENT_EXTENSIONS: Record<AttachmentType, ReadonlyArray<string>> = {
  "application/pdf": ["pdf"],
  "image/png": ["png"],
  "image/jpeg": ["jpg", "jpeg"],
  "image/webp": ["webp"]
}

/** Longest stored file name, in characters (code points), extension included. */
export const MAX_FILENAME_LENGTH = 100

/** The magic bytes of each accepted attachment type (also used by activities' attachments, issue 22). */
export const ATTACHMENT_MAGIC: Record<AttachmentType, (b: Buffer) => boolean> = {
  "application/pdf": (b) => b.subarray(0, 5).toString("latin1") === "%PDF-",
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP"
}

/**
 * Markers of HTML or script, refused anywhere in an attachment of any type
 * (compared in lower case): what makes a PDF/HTML or image/HTML polyglot.
 */
export const ACTIVE_CONTENT_MARKERS = [
  "<html",
  "<!doctype",
  "<script",
  "<body",
  "<head",
  "<iframe",
  "<object",
  "<embed",
  "<svg",
  "<meta",
  "javascript:"
] as const

/** PDF actions that run code or programs (PDF 32000-1 §12.6.4.8 Launch, §12.6.4.16 JavaScript). */
const PDF_ACTIVE_MARKERS = [/\/JavaScript\b/, /\/JS\b/, /\/Launch\b/] as const

/** The first active-content marker found in `bytes` of type `type`, if any. */
export const activeContent = (bytes: Buffer, type: AttachmentType): string | undefined => {
  const text = bytes.toString("latin1")
  const lower = text.toLowerCase()
  const html = ACTIVE_CONTENT_MARKERS.find((m) => lower.includes(m))
  if (html) return html
  if (type === "application/pdf") return PDF_ACTIVE_MARKERS.find((re) => re.test(text))?.source.replace(/\\b|\\/g, "")
  return undefined
}

/**
 * A stored file name from a client's one: the base name only (everything up
 * to the last `/` or `\` dropped), without control characters (C0, DEL, C1,
 * CR/LF), bidirectional overrides, quotes and the characters Windows refuses
 * (`<>:"/\|?*`), without leading dots or surrounding spaces and dots, at most
 * {@link MAX_FILENAME_LENGTH} characters, ending in an extension of the
 * checked type (appended when missing). Nothing left: `attachment.<ext>`.
 */
export const sanitizeFilename = (name: string, type: AttachmentType): string =>
  safeFilename(name, ATTACHMENT_EXTENSIONS[type], MAX_FILENAME_LENGTH)

/**
 * The attachment's bytes, checked (see the module comment).
 * @errors ValidationError (`attachment.data_base64`: not base64, empty, over 5 MiB;
 * `attachment.content_type`: not a file of that type, or active content)
 */
export const checkAttachment = (attachment: { readonly content_type: AttachmentType; readonly data_base64: string }) =>
  Effect.gen(function* () {
    const b64 = attachment.data_base64
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)
      return yield* ValidationError.field("attachment.data_base64", "is not base64")
    const bytes = Buffer.from(b64, "base64")
    if (bytes.length === 0) return yield* ValidationError.field("attachment.data_base64", "is empty")
    if (bytes.length > MAX_ATTACHMENT_BYTES)
      return yield* ValidationError.field("attachment.data_base64", "is larger than 5 MiB")
    if (!ATTACHMENT_MAGIC[attachment.content_type](bytes))
      return yield* ValidationError.field(
        "attachment.content_type",
        `the file is not a ${attachment.content_type} document`
      )
    const marker = activeContent(bytes, attachment.content_type)
    if (marker !== undefined)
      return yield* ValidationError.field(
        "attachment.content_type",
        `the file carries active content (${marker}); send a plain ${attachment.content_type} document`
      )
    return bytes
  })

/** An excuse attachment as a file: its stored (sanitized) name, its checked type and its bytes. */
export interface AttachmentFile {
  readonly filename: string
  readonly content_type: string
  readonly bytes: Uint8Array
}

/** RFC 5987 `attr-char`s stay; everything else is percent-encoded (UTF-8). */
const rfc5987 = (s: string) =>
  encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * The `Content-Disposition` of a download (RFC 6266 §4): `attachment`, an
 * ASCII fallback `filename` (non-ASCII, quotes and backslashes as `_`) and
 * the exact name as `filename*=UTF-8''…` (RFC 5987).
 */
export const contentDisposition = (filename: string): string => {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_")
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(filename)}`
}

/**
 * An attachment as an HTTP download (see the module comment for the headers).
 */
export const attachmentResponse = (file: AttachmentFile): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.uint8Array(file.bytes, {
    contentType: file.content_type,
    headers: {
      "content-disposition": contentDisposition(file.filename),
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      "cache-control": "private, no-store"
    }
  })
