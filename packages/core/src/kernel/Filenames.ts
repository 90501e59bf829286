/**
 * Safe stored file names from the names clients send with uploads (excuse
 * attachments, activity attachments). One rule for every module, so a name
 * that is safe in one place is safe in all.
 *
 * @module
 */

/**
 * A stored file name from a client's one: the base name only (everything up
 * to the last `/` or `\` dropped), without control characters (C0, DEL, C1,
 * CR/LF), bidirectional overrides, quotes and the characters Windows refuses
 * (`<>:"/\|?*`), without leading dots or surrounding spaces and dots, at most
 * `maxChars` characters (code points, extension included), ending in one of
 * `extensions` (the first is appended when the name ends in none of them).
 * Nothing left: `attachment.<first extension>`.
 *
 * @param name the client's file name, untrusted
 * @param extensions lower-case extensions without the dot, at least one; the checked type's
 * @param maxChars longest result, in code points
 */
export const safeFilename = (name: string, extensions: ReadonlyArray<string>, maxChars: number): string => {
  const base = name.split(/[/\\]/).pop() ?? ""
  const clean = base
    .normalize("NFC")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069"'`<>:|?*]/g, "")
    .replace(/^[\s.]+|[\s.]+$/g, "")
  const dot = clean.lastIndexOf(".")
  const ext = dot > 0 ? clean.slice(dot + 1).toLowerCase() : ""
  const stem = (extensions.includes(ext) ? clean.slice(0, dot) : clean).replace(/[\s.]+$/g, "")
  const suffix = `.${extensions.includes(ext) ? ext : extensions[0]}`
  const cut = Array.from(stem)
    .slice(0, maxChars - suffix.length)
    .join("")
    .replace(/[\s.]+$/g, "")
  return cut.length > 0 ? `${cut}${suffix}` : `attachment${suffix}`
}
