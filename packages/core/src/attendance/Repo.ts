/**
 * The attendance repository: all of attendance's SQL (ARCHITECTURE §1
 * "Repo.ts"; issue 14 §2), one file per table section under `repo/`
 * (`Settings`, `Signatures`, `Roll`, `Excuses`; issue 14 §3). It is the only
 * writer of `signatures`, `signature_refusals`, `roll_results`, `excuses`,
 * `attendance_policies` and `attendance_secrets`.
 *
 * Every method filters by the tenant of `CurrentTenant` and runs in the
 * caller's transaction (the service wraps calls in `tenantTx`, which also
 * sets the Postgres row-level-security tenant). Rows are decoded once into
 * the domain classes (`Signature`, `SignatureRefusal`, `Excuse`,
 * `AttendancePolicy`); SQL errors become defects here. Each method has a
 * span named `AttendanceRepo.<method>`.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import type { RollResult, SignatureStatus } from "@signet/contracts/attendance/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect } from "effect"
import { REPO_SPAN } from "../kernel/Sql.js"
import type { RepoContext } from "./repo/Context.js"
import { excusesRepo } from "./repo/Excuses.js"
import { rollRepo } from "./repo/Roll.js"
import { settingsRepo } from "./repo/Settings.js"
import { signaturesRepo } from "./repo/Signatures.js"

export type { ExcuseFilter } from "./repo/Excuses.js"
export { RollRow } from "./repo/Roll.js"
export type { RefusalRow, SignatureKey } from "./repo/Signatures.js"

/** Attendance's SQL; see the module comment. */
export class AttendanceRepo extends Effect.Service<AttendanceRepo>()("Signet/AttendanceRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const ctx: RepoContext = {
      sql,
      tid: Effect.map(CurrentTenant, (t) => t.id as string),
      span: (name) => (self) => self.pipe(Effect.orDie, Effect.withSpan(`AttendanceRepo.${name}`, REPO_SPAN))
    }
    return { ...settingsRepo(ctx), ...signaturesRepo(ctx), ...rollRepo(ctx), ...excusesRepo(ctx) } as const
  })
}) {}

/** The status a signature gives its student's roll: ACCEPTED → PRESENT, LATE → LATE, otherwise none. */
export const rollOf = (status: SignatureStatus): RollResult | null =>
  status === "ACCEPTED" ? "PRESENT" : status === "LATE" ? "LATE" : null
