/**
 * Reading the files of a OneRoster set: which file is which entity, text decoding
 * (UTF-8 with or without BOM, UTF-16, Windows-1252), CSV parsing with csv-parse and the
 * 1-based line of every row (`file:line` in messages), and the manifest.
 *
 * @module
 */
import { parse as parseCsv } from "csv-parse/sync"
import { type Issues, loc, type SourceLocation, where } from "./issues.js"

/** The OneRoster files the reader uses (1.2's `roles.csv` included). */
export type Entity = "orgs" | "academicSessions" | "courses" | "classes" | "users" | "enrollments" | "roles"

/** Lower-cased file name → entity. Every other `.csv` is ignored (demographics, userProfiles…). */
export const ENTITY_FILES: Readonly<Record<string, Entity | "manifest">> = {
  "manifest.csv": "manifest",
  "orgs.csv": "orgs",
  "academicsessions.csv": "academicSessions",
  "courses.csv": "courses",
  "classes.csv": "classes",
  "users.csv": "users",
  "enrollments.csv": "enrollments",
  "roles.csv": "roles"
}

/** Lower-cased file name of an entity (`academicsessions.csv`). */
export const fileOf = (entity: Entity): string => `${entity === "academicSessions" ? "academicsessions" : entity}.csv`

/** The base name of a path (`export/users.csv` → `users.csv`; `/` and `\` separators). */
export const basename = (name: string): string =>
  name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1)

/** A CSV record and the 1-based line it starts on. */
export interface RawRow {
  readonly line: number
  readonly cells: ReadonlyArray<string>
}

/** A parsed CSV file: its header record and its rows, cells untrimmed. */
export interface RawTable {
  readonly file: string
  readonly headerLine: number
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<RawRow>
}

const startsWith = (bytes: Uint8Array, ...prefix: Array<number>) => prefix.every((b, i) => bytes[i] === b)

const decode = (file: string, bytes: Uint8Array, issues: Issues): string => {
  const at = loc(file, 1)
  if (startsWith(bytes, 0xef, 0xbb, 0xbf)) {
    issues.warn(at, "bom", `${file} starts with a UTF-8 byte-order mark; it was stripped`)
  } else if (startsWith(bytes, 0xff, 0xfe) || startsWith(bytes, 0xfe, 0xff)) {
    const le = bytes[0] === 0xff
    issues.warn(at, "encoding", `${file} is UTF-16${le ? "LE" : "BE"}, not UTF-8; it was decoded as such`)
    return new TextDecoder(le ? "utf-16le" : "utf-16be").decode(bytes)
  }
  try {
    // The default (ignoreBOM: false) strips a leading BOM.
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    issues.warn(at, "encoding", `${file} is not valid UTF-8; it was decoded as Windows-1252`)
    return new TextDecoder("windows-1252").decode(bytes)
  }
}

type CsvRecord = { readonly record: Array<string>; readonly info: { readonly lines: number } }

const csvErrorLine = (e: unknown): number => {
  const lines = (e as { lines?: unknown }).lines
  return typeof lines === "number" && lines > 0 ? lines : 1
}

/**
 * Parses one file as CSV (RFC 4180, CRLF or LF; CR-only and stray quotes tolerated with
 * a warning). Returns null, with a `csv-syntax` or `missing-header` error, when the file
 * cannot be read.
 */
export const readCsv = (file: string, bytes: Uint8Array, issues: Issues): RawTable | null => {
  let text = decode(file, bytes, issues)
  if (text.includes("\r")) {
    // CRLF is standard CSV (RFC 4180) and silently accepted; a CR not followed by LF is not.
    if (/\r(?!\n)/.test(text)) {
      issues.warn(loc(file, 1), "cr-line-endings", `${file} uses CR-only line endings; they were normalized to LF`)
    }
    // csv-parse miscounts lines for CRLF inside quoted values, so everything becomes LF first.
    text = text.replace(/\r\n?/g, "\n")
  }
  const options = { bom: true, relax_column_count: true, info: true, skip_empty_lines: true }
  let records: Array<CsvRecord>
  try {
    records = parseCsv(text, options) as unknown as Array<CsvRecord>
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code !== "INVALID_OPENING_QUOTE" && code !== "CSV_INVALID_CLOSING_QUOTE") {
      issues.error(loc(file, csvErrorLine(e)), "csv-syntax", `${file} is not valid CSV: ${(e as Error).message}`)
      return null
    }
    try {
      records = parseCsv(text, { ...options, relax_quotes: true }) as unknown as Array<CsvRecord>
      issues.warn(
        loc(file, csvErrorLine(e)),
        "relaxed-quotes",
        `${file} has a '"' inside an unquoted value; it was read literally`
      )
    } catch (e2) {
      issues.error(loc(file, csvErrorLine(e2)), "csv-syntax", `${file} is not valid CSV: ${(e2 as Error).message}`)
      return null
    }
  }
  // info.lines is the line a record ends on; quoted values may span lines.
  const rows = records.map(
    ({ info, record }): RawRow => ({
      line: info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0),
      cells: record
    })
  )
  if (rows.length === 0) {
    issues.error(loc(file, 1), "missing-header", `${file} is empty: no header line`)
    return null
  }
  return { file, headerLine: rows[0].line, header: rows[0].cells, rows: rows.slice(1) }
}

/** How the manifest declares a file: all rows (`bulk`), changed rows only (`delta`), or none. */
export type Mode = "bulk" | "delta" | "absent"

/** What `manifest.csv` says: the OneRoster version and the mode of each file. */
export interface Manifest {
  readonly version: "1.1" | "1.2" | null
  readonly versionAt: SourceLocation
  /** Lower-cased file name → declared mode and where it is declared. */
  readonly modes: ReadonlyMap<string, { readonly mode: Mode; readonly at: SourceLocation }>
}

/**
 * Reads `manifest.csv` (`propertyName,value`): `oneroster.version` (1.0 read as 1.1),
 * `manifest.version` and every `file.<name>` mode. Unknown values warn; never fails.
 */
export const readManifest = (raw: RawTable, issues: Issues): Manifest => {
  const { file } = raw
  const modes = new Map<string, { mode: Mode; at: SourceLocation }>()
  let version: "1.1" | "1.2" | null = null
  let versionAt = loc(file, raw.headerLine)
  const header = raw.header.map((h) => h.trim().toLowerCase())
  const nameCol = header.indexOf("propertyname")
  const valueCol = header.indexOf("value")
  if (nameCol < 0 || valueCol < 0) {
    issues.error(loc(file, raw.headerLine), "missing-required-column", `${file}: header must be propertyName,value`)
    return { version, versionAt, modes }
  }
  let sawVersion = false
  for (const row of raw.rows) {
    const at = loc(file, row.line)
    const name = (row.cells[nameCol] ?? "").trim()
    const value = (row.cells[valueCol] ?? "").trim()
    if (name === "") continue
    if (name === "oneroster.version") {
      sawVersion = true
      versionAt = at
      if (value === "1.1" || value === "1.2") version = value
      else if (value === "1.0") {
        version = "1.1"
        issues.warn(at, "manifest-version", `${where(at)}: oneroster.version 1.0 read as 1.1`)
      } else issues.warn(at, "manifest-version", `${where(at)}: unsupported oneroster.version '${value}'`)
    } else if (name === "manifest.version") {
      if (value !== "1.0")
        issues.warn(at, "manifest-version", `${where(at)}: manifest.version '${value}' (expected 1.0)`)
    } else if (name.startsWith("file.")) {
      const key = `${name.slice("file.".length).toLowerCase()}.csv`
      const lower = value.toLowerCase()
      let mode: Mode
      if (lower === "bulk" || lower === "delta" || lower === "absent") {
        mode = lower
        if (lower !== value) issues.warn(at, "value-normalized", `${where(at)}: '${value}' read as '${lower}'`)
      } else {
        mode = "absent"
        issues.warn(
          at,
          "manifest-value",
          value === ""
            ? `${where(at)}: ${name} has no value; read as 'absent'`
            : `${where(at)}: ${name} '${value}' is not bulk, delta or absent; read as 'absent'`
        )
      }
      modes.set(key, { mode, at })
    }
  }
  if (!sawVersion) issues.warn(versionAt, "manifest-version", `${file}: no oneroster.version; detected from headers`)
  return { version, versionAt, modes }
}
