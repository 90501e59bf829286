/**
 * Platform operators (super-admins): accounts outside every tenant that
 * manage tenants (seed 001 "Platform Level: auth-service — system admins";
 * ARCHITECTURE §3 "Platform operators … are separate from tenant users").
 *
 * Operators log in at `/api/v1/platform/auth/login` with e-mail and
 * password (argon2id, same policy as tenant users, minimum 12 characters)
 * and receive a 15-minute operator token (`typ: signet-operator+jwt`,
 * audience `signet-platform`) accepted wherever the bootstrap operator token
 * is. Five failed logins lock the account for 15 minutes; unknown e-mails
 * cost the same as known ones. Attempts are rate-limited before any password
 * work, per client address and per e-mail, with the tenant login rules
 * (`SIGNET_RATE_LOGIN_IP`, `SIGNET_RATE_LOGIN_ACCOUNT`) in buckets of their
 * own. There is no refresh token: operators log in again.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { InvalidCredentials } from "@signet/contracts/identity/Domain"
import { Conflict, Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { newUuid } from "@signet/contracts/kernel/Ids"
import { Clock, Effect, Option, type Redacted, Schema } from "effect"
import { isUniqueViolation } from "../kernel/Database.js"
import { RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import type { ClientInfo } from "./Auth.js"
import { SigningKeys } from "./Keys.js"
import { enforceLoginLimits, loginRules } from "./LoginLimits.js"
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from "./Password.js"
import { normalize } from "./Users.js"

/** A platform operator as listed. */
export class Operator extends Schema.Class<Operator>("Operator")({
  id: Schema.String,
  email: Schema.String,
  name: Schema.String,
  status: Schema.Literal("active", "disabled"),
  created_at: Schema.String,
  last_login_at: Schema.NullOr(Schema.String)
}) {}

const Row = Schema.Struct({
  id: Schema.String,
  email: Schema.String,
  name: Schema.String,
  status: Schema.Literal("active", "disabled"),
  password_hash: Schema.String,
  failed_logins: Schema.Number,
  locked_until: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  last_login_at: Schema.NullOr(Schema.String)
})
const decodeRows = Schema.decodeUnknown(Schema.Array(Row))
const toOperator = (r: typeof Row.Type) =>
  new Operator({
    id: r.id,
    email: r.email,
    name: r.name,
    status: r.status,
    created_at: r.created_at,
    last_login_at: r.last_login_at
  })

const LOCK_AFTER = 5
const LOCK_MS = 15 * 60_000

/** The platform-operator service. */
export class Operators extends Effect.Service<Operators>()("Signet/Operators", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const keys = yield* SigningKeys
    const limiter = yield* RateLimiter
    const rules = yield* loginRules

    /**
     * Creates an operator.
     * @errors ValidationError (password policy), Conflict (e-mail taken)
     */
    const create = (input: {
      readonly email: string
      readonly name: string
      readonly password: Redacted.Redacted<string>
    }) =>
      Effect.gen(function* () {
        const problem = yield* passwordProblem(input.password, { minLength: 12, email: input.email })
        if (problem) return yield* ValidationError.field("password", problem)
        const id = yield* newUuid
        const at = instant(yield* Clock.currentTimeMillis)
        const phc = yield* hashPassword(input.password)
        yield* sql`INSERT INTO platform_operators (id, email, email_normalized, name, status, password_hash, failed_logins, created_at)
          VALUES (${id}, ${input.email}, ${normalize(input.email)}, ${input.name}, 'active', ${phc}, 0, ${at})`.pipe(
          Effect.catchIf(isUniqueViolation, () =>
            Effect.fail(new Conflict({ message: "an operator with this e-mail already exists", field: "email" }))
          ),
          Effect.catchTag("SqlError", Effect.die)
        )
        return new Operator({
          id,
          email: input.email,
          name: input.name,
          status: "active",
          created_at: at,
          last_login_at: null
        })
      })

    /** Every operator. */
    const list = sql`SELECT * FROM platform_operators ORDER BY created_at`.pipe(
      Effect.flatMap(decodeRows),
      Effect.map((rows) => rows.map(toOperator)),
      Effect.orDie
    )

    /** Disables or re-enables an operator by e-mail. @errors ValidationError when unknown */
    const setStatus = (email: string, status: "active" | "disabled") =>
      Effect.gen(function* () {
        const rows =
          yield* sql`UPDATE platform_operators SET status = ${status} WHERE email_normalized = ${normalize(email)}
          RETURNING *`.pipe(Effect.flatMap(decodeRows), Effect.orDie)
        if (!rows[0]) return yield* ValidationError.field("email", "no such operator")
        return toOperator(rows[0])
      })

    /**
     * Password login; returns an operator token. `client` (the address the
     * server derived) keys the per-address limit.
     * @errors InvalidCredentials (one generic failure), RateLimited (429)
     */
    const login = (email: string, password: Redacted.Redacted<string>, client: ClientInfo = {}) =>
      Effect.gen(function* () {
        yield* enforceLoginLimits(limiter, rules, {
          ip: `operator-login:ip:${client.ip ?? "unknown"}`,
          account: `operator-login:account:${normalize(email)}`
        })
        const rows = yield* sql`SELECT * FROM platform_operators WHERE email_normalized = ${normalize(email)}`.pipe(
          Effect.flatMap(decodeRows),
          Effect.orDie
        )
        const row = rows[0]
        const ok = yield* verifyPassword(row?.password_hash ?? (yield* dummyHash()), password)
        const nowMs = yield* Clock.currentTimeMillis
        if (!row || row.status !== "active" || (row.locked_until && Date.parse(row.locked_until) > nowMs)) {
          return yield* InvalidCredentials.generic
        }
        if (!ok) {
          const failures = row.failed_logins + 1
          const lock = failures >= LOCK_AFTER ? instant(nowMs + LOCK_MS) : null
          yield* sql`UPDATE platform_operators SET failed_logins = ${lock ? 0 : failures}, locked_until = ${lock}
            WHERE id = ${row.id}`.pipe(Effect.orDie)
          return yield* InvalidCredentials.generic
        }
        yield* sql`UPDATE platform_operators SET failed_logins = 0, locked_until = NULL, last_login_at = ${instant(nowMs)}
          WHERE id = ${row.id}`.pipe(Effect.orDie)
        const token = yield* keys.sign("operator", { sub: row.id, email: row.email })
        return { access_token: token.token, token_type: "Bearer" as const, expires_in: token.expiresIn }
      })

    /**
     * Verifies an operator token and that the operator is still active.
     * @errors Unauthorized
     */
    const verify = (token: string) =>
      Effect.gen(function* () {
        const payload = yield* keys.verify("operator", token)
        const rows = yield* sql<{
          status: string
        }>`SELECT status FROM platform_operators WHERE id = ${payload.sub ?? ""}`.pipe(Effect.orDie)
        if (rows[0]?.status !== "active") return yield* new Unauthorized({ message: "invalid or expired token" })
        return { id: payload.sub as string, email: String(payload.email ?? "") }
      })

    /** True when at least one operator account exists. */
    const any = Effect.map(sql`SELECT 1 AS one FROM platform_operators LIMIT 1`.pipe(Effect.orDie), (r) => r.length > 0)

    return {
      create,
      list,
      setStatus,
      login,
      verify,
      any,
      find: (email: string) =>
        Effect.map(list, (all) => Option.fromNullable(all.find((o) => normalize(o.email) === normalize(email))))
    } as const
  })
}) {}
