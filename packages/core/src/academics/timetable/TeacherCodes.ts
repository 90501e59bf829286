/**
 * The teacher codes CSV of a timetable import (issue 16 "teachers by name"):
 * `code,login` rows naming the user (login or e-mail) a timetable's short
 * teacher code stands for. Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import { ValidationError } from "@signet/contracts/kernel/Errors"
import { parse as parseCsv } from "csv-parse/sync"
import { Effect } from "effect"
import { normalizeTeacherRef } from "../ICalendar.js"

/** Largest teacher codes CSV, in bytes (UTF-8). */
export const MAX_TEACHER_CODES_BYTES = 1_048_576
/** Most rows of a teacher codes CSV (header excluded). */
export const MAX_TEACHER_CODES = 5_000
/** Longest code (characters, as in the mapping's aliases). */
const MAX_CODE_LENGTH = 200
/** Longest login or e-mail. */
const MAX_LOGIN_LENGTH = 320

const invalid = (message: string) => ValidationError.field("teachers", message)

/**
 * Reads a teacher codes CSV: a header `code,login` (in that order, case
 * ignored) and one row per code; codes are compared after
 * `normalizeTeacherRef`. Answers normalized code → login.
 * @errors ValidationError (field `teachers`: not CSV, wrong header, a row
 *   without both cells, a code given twice for two users, more than
 *   {@link MAX_TEACHER_CODES} rows or {@link MAX_TEACHER_CODES_BYTES} bytes;
 *   the message names the line)
 */
export const parseTeacherCodes = (csv: string) =>
  Effect.gen(function* () {
    if (new TextEncoder().encode(csv).length > MAX_TEACHER_CODES_BYTES)
      return yield* invalid(`the teacher codes CSV is larger than ${MAX_TEACHER_CODES_BYTES} bytes`)
    let rows: Array<Array<string>>
    try {
      rows = parseCsv(csv.replace(/\r\n?/g, "\n"), { bom: true, skip_empty_lines: true, relax_column_count: true })
    } catch (e) {
      return yield* invalid(`the teacher codes CSV is not valid CSV: ${(e as Error).message}`)
    }
    const [header, ...body] = rows
    if (!header || header[0]?.trim().toLowerCase() !== "code" || header[1]?.trim().toLowerCase() !== "login")
      return yield* invalid('the teacher codes CSV must start with the header "code,login"')
    if (body.length > MAX_TEACHER_CODES)
      return yield* invalid(`the teacher codes CSV has more than ${MAX_TEACHER_CODES} rows`)
    const codes = new Map<string, string>()
    for (const [i, row] of body.entries()) {
      const code = row[0]?.trim() ?? ""
      const login = row[1]?.trim() ?? ""
      const line = i + 2
      if (code === "" || login === "")
        return yield* invalid(`teacher codes line ${line}: both a code and a login are required`)
      if (code.length > MAX_CODE_LENGTH || login.length > MAX_LOGIN_LENGTH)
        return yield* invalid(`teacher codes line ${line}: code or login too long`)
      const key = normalizeTeacherRef(code)
      const before = codes.get(key)
      if (before !== undefined && before !== login)
        return yield* invalid(`teacher codes line ${line}: code "${code}" already names ${before}`)
      codes.set(key, login)
    }
    return codes as ReadonlyMap<string, string>
  })
