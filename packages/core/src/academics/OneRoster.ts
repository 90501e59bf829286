/**
 * OneRoster 1.1 / 1.2 CSV bulk reader → a normalized, side-effect-free import plan.
 *
 * Implements the roster import of ARCHITECTURE.md §4 ("Rosters import from OneRoster
 * CSV"): orgs → schools, classes → student groups (+ course templates), users →
 * tenant users with a `user_type` derived from their role, enrollments → group
 * memberships (students) and course/group assignments (teachers). Everything is keyed by
 * `sourcedId` so that applying the same plan twice is an idempotent upsert, and
 * `tobedeleted` rows become soft deletes.
 *
 * The reader is deliberately tolerant of the deviations real exports contain, and says
 * so: every deviation is a warning pointing at `file:line`. Deviations that would make
 * the import wrong (a dangling reference, a duplicate `sourcedId`, a missing column the
 * import needs, unparseable CSV) are errors; a caller must not apply a plan whose
 * `errors` is non-empty (all-or-nothing per import).
 *
 * Also read, as a tolerated dialect: Microsoft School Data Sync v2.1 CSV ("sds"), which
 * is OneRoster-derived but has no manifest, no `status`/`dateLastModified`, renamed
 * columns and enrollments without `sourcedId`.
 *
 * And, as a dialect of its own (issue 16): Clever SFTP CSV ("clever": `schools.csv`,
 * `teachers.csv`, `students.csv`, `sections.csv`, `enrollments.csv`; `./oneroster/clever.ts`),
 * mapped to the same plan. The dialect is detected from the file names and, for a lone
 * `enrollments.csv`, its header (`./oneroster/dialect.ts`): OneRoster / SDS when the set
 * has `manifest.csv`, `orgs.csv` or `users.csv`; Clever when it has Clever's own files;
 * otherwise one `unknown-dialect` error names the files and what each dialect needs.
 *
 * Academic sessions carry their org (`PlanSession.orgSourcedId`), read from the classes,
 * courses and child sessions that point at them (`./oneroster/sessions.ts`).
 *
 * The reader is split along its seams in `./oneroster/`: `reader` (files, decoding, CSV,
 * manifest) · `columns` (OneRoster 1.1 / 1.2 and SDS columns, header mapping, role
 * vocabularies) · `values` (status, enums, booleans, dates, ids) · `references` ·
 * `planner` / `entities` / `people` / `userType` (the import plan) · `zip` and `source`
 * (the bounded zip reader of uploads and the CLI, folders). The synthetic test-data
 * generator `generateOneRoster` lives in `@signet/core/testing`.
 *
 * Parsing is pure TypeScript: no SQL, no Effect services. {@link readRosterZip} and
 * {@link readRosterSource} are Effects (bounded, yielding to the event loop); `node:fs`
 * is loaded lazily by the source readers only.
 *
 * ## Resource limits (issue 15 §1)
 * Uploads and the CLI read zips through {@link readRosterZip} / {@link readRosterSource}
 * with {@link DEFAULT_ZIP_LIMITS}: 100 entries, 256 MiB per `.csv` entry, 512 MiB in
 * total, compression ratio 100:1 (entries over 1 MiB); declared sizes are checked before
 * inflating and actual bytes while inflating.
 *
 * ## Issue codes
 * Line numbers are 1-based (the header is line 1); line 0 means "the file as a whole"
 * (a file that is absent). Warnings:
 * - `bom` — a UTF-8 byte-order mark was stripped.
 * - `encoding` — the file was not UTF-8 (UTF-16 or Windows-1252 decoded instead).
 * - `cr-line-endings` — CR-only (classic Mac) line endings were normalized to LF.
 * - `relaxed-quotes` — a stray `"` inside an unquoted field was read literally.
 * - `header-typo` — a known misspelt header (`dataLastModified`, `prefferedGivenName`…) was mapped.
 * - `header-case` — a header matched a known column only case-insensitively.
 * - `empty-header` — header cells without a name (trailing commas) were dropped.
 * - `unknown-column` — columns outside the spec were ignored (`metadata.*` is silently allowed).
 * - `missing-column` — `status` / `dateLastModified` are absent; rows are read as active.
 * - `sds-dialect` — the file was read as Microsoft SDS v2.1 (column mapping in the message).
 * - `synthesized-sourced-id` — SDS enrollments have no `sourcedId`; `classSourcedId:userSourcedId` is used.
 * - `password-ignored` — the file carries passwords; Signet never imports them.
 * - `trailing-empty-cells` — a row has more cells than the header, all extra cells empty.
 * - `short-row` — a row has fewer cells than the header; the missing cells are read as empty.
 * - `empty-row` — a row with only empty cells was skipped.
 * - `whitespace-trimmed` — cells with leading/trailing blanks were trimmed (once per file, with a count).
 * - `empty-status` — empty `status` in a delta file read as `active` (in bulk files an empty
 *   status is allowed by the spec and says nothing: no warning).
 * - `inactive-status` — OneRoster 1.0 `inactive` read as `tobedeleted` (soft delete).
 * - `value-normalized` — an enumeration or boolean in a non-canonical spelling (`TRUE`, `Scheduled`) was normalized.
 * - `unknown-value` — an enumeration value outside the vocabulary (org/session/class type) was kept as is.
 * - `empty-value` — a value Signet uses was empty and a default was used (named in the message).
 * - `non-iso-date` — a date not in ISO 8601 was interpreted; the message gives the interpretation.
 * - `invalid-date` — an unparseable or impossible date was ignored (null).
 * - `date-order` — a session ends before it starts.
 * - `manifest-missing` — no `manifest.csv`; version and dialect were detected from the headers.
 * - `manifest-value` — a manifest value is empty or unknown (empty `file.x` = `absent`).
 * - `manifest-version` — `oneroster.version` is missing, unsupported or contradicted by the headers.
 * - `manifest-mismatch` — a file is present although the manifest omits it or marks it `absent`; it is read.
 * - `delta-mode` — the manifest declares a file `delta`: rows are upserts, absent rows are not deleted
 *   and references to rows outside the set cannot be checked.
 * - `unverified-reference` — a reference into a file that is absent or in delta mode could not be checked.
 * - `dangling-optional-reference` — a reference Signet does not use (parent org/session, terms,
 *   school year, agents) does not resolve.
 * - `stale-reference` — a `tobedeleted` row refers to an unknown row (harmless for a deletion).
 * - `reference-to-deleted` — an active row refers to a `tobedeleted` row.
 * - `user-without-role` — a user has no role (1.2 `roles.csv` / SDS); the user is skipped.
 * - `guardian-skipped` — parent/guardian/relative: Signet has no guardian accounts yet; skipped.
 * - `unsupported-role` — a role with no Signet user type (counselor, nurse, unknown…); skipped.
 * - `no-primary-role` — a user has no usable primary role; the first usable role is used.
 * - `role-ignored` — a user's further role of another kind was ignored.
 * - `enrollment-skipped` — an enrollment of another role than student/teacher, or of a skipped user.
 * - `enrollment-role-mismatch` — the enrollment role contradicts the user's type (a teacher enrolled as student).
 * - `enrollment-school-mismatch` — an enrollment's `schoolSourcedId` differs from its class's school.
 * - `invalid-email` — an email without `@` was dropped (null).
 * - `duplicate-email` — several users share an email address.
 * - `no-contact` — a user has neither email nor username.
 * - `file-ignored` — a Clever `staff.csv` / `admins.csv`: staff and administrators are not imported.
 *
 * Errors (the plan must not be applied):
 * - `csv-syntax` — the file is not parseable CSV (unclosed quote…); the file is not read.
 * - `missing-header` — the file is empty.
 * - `missing-required-column` — a column the import needs is absent (at the header line).
 * - `duplicate-column` — two header cells name the same column.
 * - `column-count` — a row has non-empty cells beyond the header (a shifted row).
 * - `missing-required-value` — an empty `sourcedId`, reference or role.
 * - `invalid-status` — a status other than active / tobedeleted / inactive.
 * - `duplicate-sourced-id` — a `sourcedId` repeated within a file (at the repeat; the first row is kept).
 * - `dangling-reference` — a reference the import needs (class → school/course, user → org,
 *   enrollment → class/user/school, course → org, role → user/org) into a complete file does not resolve.
 * - `file-missing` — a file the manifest declares, or `orgs.csv`/`users.csv` without a manifest, or
 *   one of Clever's five files, is absent.
 * - `duplicate-file` — two input files have the same (case-insensitive) name.
 * - `unknown-dialect` — the set is none of OneRoster, SDS and Clever (file `(set)`, line 0; the
 *   message names the files found and what each dialect needs).
 *
 * @module
 */
export type { ImportIssue, SourceLocation } from "./oneroster/issues.js"
export type {
  ImportPlan,
  PlanEnrollment,
  PlanGroup,
  PlanSchool,
  PlanSession,
  PlanUser,
  UserType
} from "./oneroster/plan.js"
export { parseOneRoster } from "./oneroster/planner.js"
export { readOneRosterSource, readRosterSource } from "./oneroster/source.js"
export { DEFAULT_ZIP_LIMITS, RATIO_FLOOR_BYTES, readRosterZip, type ZipLimits } from "./oneroster/zip.js"
