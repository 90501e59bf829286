/**
 * What the timetable's parts share: their dependencies and the conversion of
 * an iCalendar issue to an import message. Internal to `academics/Timetable.ts`.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { ImportMessage } from "@signet/contracts/academics/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import type { Effect } from "effect"
import type { Audit } from "../../audit/Audit.js"
import type { Events } from "../../events/Events.js"
import type { Identity } from "../../identity/Users.js"
import type { Academics } from "../Academics.js"
import type { IcsIssue } from "../ICalendar.js"
import type { AcademicsRepo } from "../Repo.js"

/** What the timetable's seams use: the repository, the services, the tenant transaction. */
export interface Deps {
  readonly repo: AcademicsRepo
  readonly audit: Audit
  readonly events: Events
  readonly academics: Academics
  readonly identity: Identity
  readonly inTx: <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, Exclude<E, SqlError>, CurrentTenant | Exclude<R, SqlClient.SqlClient>>
}

/** An iCalendar issue as an import message (`file` = the event's UID, or "calendar"). */
export const issue = (i: IcsIssue) =>
  new ImportMessage({ file: i.uid ?? "calendar", line: i.line ?? 0, code: i.code, message: i.message })
