/**
 * What an activity attachment's bytes may be (issue 22 "Attachments"): the
 * size limit, the type recognised **from the bytes** (the client's
 * `Content-Type` and file name never decide it), the active-content refusal
 * and the stored file name. Reuses the magic numbers, the active-content
 * markers and the download headers of attendance's excuse attachments
 * (`attendance/Attachments.ts`, issue 15 §5).
 *
 * @module
 */
import {
  ACTIVITY_ATTACHMENT_TYPES,
  type AttachmentContentType,
  AttachmentTooLarge,
  MAX_ACTIVITY_ATTACHMENT_BYTES,
  UnsupportedAttachmentType
} from "@signet/contracts/activities/Attachments"
import { Effect } from "effect"
import { ATTACHMENT_MAGIC, activeContent } from "../attendance/Attachments.js"
import { safeFilename } from "../kernel/Filenames.js"

/** The file name extensions of each type; the first is the one a name gets when it has none of them. */
export const ACTIVITY_ATTACHMENT_EXTENSIONS: Record<AttachmentContentType, ReadonlyArray<string>> = {
  "application/pdf": ["pdf"],
  "image/png": ["png"],
  "image/jpeg": ["jpg", "jpeg"],
  "image/gif": ["gif"],
  "image/webp": ["webp"],
  "text/plain": ["txt", "text", "log", "md"],
  "text/csv": ["csv"]
}

/** Longest stored file name, in characters (code points), extension included. */
export const MAX_STORED_FILENAME_CHARS = 150

const isGif = (b: Buffer) => ["GIF87a", "GIF89a"].includes(b.subarray(0, 6).toString("latin1"))

/** Valid UTF-8 with no control character but tab, LF, CR (and no NUL): a text file. */
const isText = (b: Buffer) => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(b.toString("latin1"))) return false
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b)
    return true
  } catch {
    return false
  }
}

/**
 * The type of `bytes` by their magic numbers (see {@link ACTIVITY_ATTACHMENT_TYPES});
 * text is `text/csv` when `filename` ends in `.csv`. Undefined when none fits.
 */
export const sniffType = (bytes: Buffer, filename: string): AttachmentContentType | undefined => {
  for (const type of ["application/pdf", "image/png", "image/jpeg", "image/webp"] as const)
    if (ATTACHMENT_MAGIC[type](bytes)) return type
  if (isGif(bytes)) return "image/gif"
  if (isText(bytes)) return /\.csv$/i.test(filename.trim()) ? "text/csv" : "text/plain"
  return undefined
}

/**
 * A stored file name from a client's one (the shared `safeFilename` rule):
 * the base name only, without control characters, bidirectional overrides,
 * quotes and the characters Windows refuses, without leading or trailing
 * dots and spaces, at most {@link MAX_STORED_FILENAME_CHARS} characters,
 * ending in an extension of the checked type (appended when missing).
 * Nothing left: `attachment.<ext>`.
 */
export const storedFilename = (name: string, type: AttachmentContentType): string =>
  safeFilename(name, ACTIVITY_ATTACHMENT_EXTENSIONS[type], MAX_STORED_FILENAME_CHARS)

/** A checked upload: its bytes, their type, the stored name. */
export interface CheckedFile {
  readonly bytes: Buffer
  readonly content_type: AttachmentContentType
  readonly filename: string
}

/**
 * Checks an upload: not empty, at most {@link MAX_ACTIVITY_ATTACHMENT_BYTES}
 * bytes, of an accepted type by its bytes, without active content (HTML or
 * script markers anywhere; PDF JavaScript or Launch actions).
 * @errors AttachmentTooLarge (413), UnsupportedAttachmentType (415; also an empty file)
 */
export const checkFile = (data: Uint8Array, filename: string) =>
  Effect.gen(function* () {
    if (data.length > MAX_ACTIVITY_ATTACHMENT_BYTES)
      return yield* new AttachmentTooLarge({
        message: `the file is ${data.length} bytes; at most ${MAX_ACTIVITY_ATTACHMENT_BYTES} are accepted`,
        limit: "file",
        limit_bytes: MAX_ACTIVITY_ATTACHMENT_BYTES,
        size_bytes: data.length
      })
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const type = bytes.length === 0 ? undefined : sniffType(bytes, filename)
    const refuse = (why: string) =>
      new UnsupportedAttachmentType({ message: why, allowed: [...ACTIVITY_ATTACHMENT_TYPES] })
    if (type === undefined)
      return yield* refuse(
        bytes.length === 0
          ? "the file is empty"
          : `the file's bytes are none of ${ACTIVITY_ATTACHMENT_TYPES.join(", ")} (its name and declared type do not count)`
      )
    // Excuses' markers cover the PDF actions; the type argument only selects them for PDFs.
    const marker = activeContent(bytes, type === "application/pdf" ? "application/pdf" : "image/png")
    if (marker !== undefined) return yield* refuse(`the file carries active content (${marker})`)
    return { bytes, content_type: type, filename: storedFilename(filename, type) } satisfies CheckedFile
  })
