/**
 * Which roster dialect a set of files is (issue 16), from its file names and, where
 * names alone do not tell, a header:
 *
 * - **OneRoster 1.1 / 1.2** and **Microsoft SDS v2.1** (told apart later, by the
 *   manifest and headers: `planner.ts`): the set has `manifest.csv`, `orgs.csv` or
 *   `users.csv`.
 * - **Clever** (SFTP CSV): otherwise, the set has one of Clever's own files
 *   (`schools.csv`, `students.csv`, `teachers.csv`, `sections.csv`), or an
 *   `enrollments.csv` whose header has Clever's `Section_id` and `Student_id`.
 * - **none**: anything else — refused with `unknown-dialect`, naming the files found
 *   and what each dialect needs (before, such a folder was read as SDS and its
 *   Clever files skipped without a word).
 *
 * @module
 */
import { basename } from "./reader.js"

/** The dialect family of a set of files. */
export type SetKind = "oneroster" | "clever" | "none"

/** Files that make a set OneRoster (or SDS). */
const ONEROSTER_MARKERS = ["manifest.csv", "orgs.csv", "users.csv"]
/** Clever's five files, in the order they are read. */
export const CLEVER_FILES = ["schools.csv", "teachers.csv", "students.csv", "sections.csv", "enrollments.csv"] as const
/** Clever files OneRoster does not have. */
const CLEVER_ONLY = ["schools.csv", "teachers.csv", "students.csv", "sections.csv"]

/** The lower-cased cells of the first line of a CSV file (a BOM and quotes dropped). */
const headerCells = (bytes: Uint8Array): Array<string> => {
  const text = new TextDecoder("utf-8").decode(bytes.subarray(0, 4096))
  const first = text.split(/\r\n|\r|\n/, 1)[0] ?? ""
  return first.split(",").map((c) =>
    c
      .replace(/^\uFEFF/, "")
      .replace(/"/g, "")
      .trim()
      .toLowerCase()
  )
}

/** The dialect family of `files` (see the module comment). Pure. */
export const detectSet = (files: ReadonlyMap<string, Uint8Array>): SetKind => {
  const byName = new Map([...files].map(([name, bytes]) => [basename(name).toLowerCase(), bytes]))
  if (ONEROSTER_MARKERS.some((n) => byName.has(n))) return "oneroster"
  if (CLEVER_ONLY.some((n) => byName.has(n))) return "clever"
  const enrollments = byName.get("enrollments.csv")
  if (enrollments !== undefined) {
    const header = headerCells(enrollments)
    if (header.includes("section_id") && header.includes("student_id")) return "clever"
  }
  return "none"
}

/** The message of `unknown-dialect`: the files found and what each dialect needs. */
export const unknownDialectMessage = (files: ReadonlyMap<string, Uint8Array>): string => {
  const names = [...files.keys()].map(basename).sort()
  return [
    `the files match no roster dialect (found: ${names.length === 0 ? "no file" : names.join(", ")}).`,
    "OneRoster 1.1 / 1.2 CSV needs orgs.csv and users.csv (with manifest.csv; 1.2 also roles.csv);",
    "Microsoft SDS v2.1 needs orgs.csv, users.csv and roles.csv;",
    `Clever needs ${CLEVER_FILES.join(", ")}`
  ].join(" ")
}
