/**
 * The platform-operators repository (issue 14 §2): the SQL of
 * `platform_operators`, of which it is the only writer (operators belong to
 * no tenant). Rows are decoded once into {@link OperatorRow} ({@link Operator}
 * plus the password hash and lockout columns); the insert's unique violation
 * fails with {@link OperatorUniqueViolation} (the service maps it to
 * `Conflict`), other SQL errors become defects. Each method has a span
 * `OperatorsRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { OperatorId } from "@signet/contracts/identity/Domain"
import { Data, Effect, Option, Schema } from "effect"
import { isUniqueViolation } from "../../kernel/Database.js"
import { repoSpan } from "../../kernel/Sql.js"

/** A platform operator as listed. */
export class Operator extends Schema.Class<Operator>("Operator")({
  id: OperatorId,
  email: Schema.String,
  name: Schema.String,
  status: Schema.Literal("active", "disabled"),
  created_at: Schema.DateTimeUtc,
  last_login_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** A `platform_operators` row: the {@link Operator} with its password hash and lockout state. */
export const OperatorRow = Schema.Struct({
  ...Operator.fields,
  password_hash: Schema.String,
  failed_logins: Schema.Number,
  locked_until: Schema.NullOr(Schema.DateTimeUtc)
})
/** @see OperatorRow */
export type OperatorRow = typeof OperatorRow.Type

/** The e-mail of a new operator is taken; the service turns it into a `Conflict`. */
export class OperatorUniqueViolation extends Data.TaggedError("OperatorUniqueViolation")<{ readonly error: unknown }> {}

/** A new operator as stored (active, no failures). */
export interface NewOperator {
  readonly id: OperatorId
  readonly email: string
  readonly email_normalized: string
  readonly name: string
  readonly password_hash: string
  readonly created_at: string
}

const span = repoSpan("OperatorsRepo")

/** The platform-operators repository; see the module comment. */
export class OperatorsRepo extends Effect.Service<OperatorsRepo>()("Signet/OperatorsRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const allQ = SqlSchema.findAll({
      Request: Schema.Void,
      Result: OperatorRow,
      execute: () => sql`SELECT * FROM platform_operators ORDER BY created_at`
    })
    const byEmailQ = SqlSchema.findOne({
      Request: Schema.String,
      Result: OperatorRow,
      execute: (email) => sql`SELECT * FROM platform_operators WHERE email_normalized = ${email}`
    })
    const statusQ = SqlSchema.findOne({
      Request: Schema.String,
      Result: Schema.Struct({ status: Schema.String }),
      execute: (id) => sql`SELECT status FROM platform_operators WHERE id = ${id}`
    })
    const setStatusQ = SqlSchema.findOne({
      Request: Schema.Struct({ email: Schema.String, status: Schema.String }),
      Result: OperatorRow,
      execute: (r) => sql`UPDATE platform_operators SET status = ${r.status} WHERE email_normalized = ${r.email}
        RETURNING *`
    })

    return {
      /** Every operator, oldest first. */
      all: allQ(undefined).pipe(span("all")),
      /** The operator with this normalised e-mail. */
      findByEmail: (emailNormalized: string) => byEmailQ(emailNormalized).pipe(span("findByEmail")),
      /** An operator's status (none when unknown). */
      statusOf: (id: string) => statusQ(id).pipe(Effect.map(Option.map((r) => r.status)), span("statusOf")),
      /** Whether any operator exists. */
      any: sql`SELECT 1 AS one FROM platform_operators LIMIT 1`.pipe(
        Effect.map((r) => r.length > 0),
        span("any")
      ),
      /** Stores a new operator. @errors OperatorUniqueViolation (e-mail taken) */
      insert: (o: NewOperator) =>
        sql`INSERT INTO platform_operators (id, email, email_normalized, name, status, password_hash, failed_logins, created_at)
          VALUES (${o.id}, ${o.email}, ${o.email_normalized}, ${o.name}, 'active', ${o.password_hash}, 0, ${o.created_at})`.pipe(
          Effect.asVoid,
          Effect.catchAll((e) =>
            isUniqueViolation(e) ? Effect.fail(new OperatorUniqueViolation({ error: e })) : Effect.die(e)
          ),
          Effect.withSpan("OperatorsRepo.insert")
        ),
      /** Sets the status of the operator with this normalised e-mail: the updated row, or none. */
      setStatus: (emailNormalized: string, status: "active" | "disabled") =>
        setStatusQ({ email: emailNormalized, status }).pipe(span("setStatus")),
      /** Records a failed login: the failure count, and the lock when one starts. */
      recordFailure: (id: OperatorId, failures: number, lockedUntil: string | null) =>
        sql`UPDATE platform_operators SET failed_logins = ${failures}, locked_until = ${lockedUntil}
          WHERE id = ${id}`.pipe(Effect.asVoid, span("recordFailure")),
      /** Records a successful login (failures and lock cleared). */
      recordLogin: (id: OperatorId, at: string) =>
        sql`UPDATE platform_operators SET failed_logins = 0, locked_until = NULL, last_login_at = ${at}
          WHERE id = ${id}`.pipe(Effect.asVoid, span("recordLogin"))
    } as const
  })
}) {}
