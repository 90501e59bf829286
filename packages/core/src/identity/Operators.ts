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
 * The accounts are stored through the repository `repo/Operators.ts`.
 *
 * @module
 */
import { InvalidCredentials, OperatorId } from "@signet/contracts/identity/Domain"
import { Conflict, Unauthorized, ValidationError } from "@signet/contracts/kernel/Errors"
import { newId } from "@signet/contracts/kernel/Ids"
import { Clock, DateTime, Effect, Option, type Redacted } from "effect"
import { RateLimiter } from "../kernel/RateLimit.js"
import { instant } from "../kernel/Sql.js"
import type { ClientInfo } from "./Auth.js"
import { SigningKeys } from "./Keys.js"
import { enforceLoginLimits, loginRules } from "./LoginLimits.js"
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from "./Password.js"
import { Operator, type OperatorRow, OperatorsRepo } from "./repo/Operators.js"
import { normalize } from "./Users.js"

export { Operator } from "./repo/Operators.js"

/** The listed view of a row. */
const toOperator = ({ password_hash: _, failed_logins: _f, locked_until: _l, ...r }: OperatorRow) => new Operator(r)

const LOCK_AFTER = 5
const LOCK_MS = 15 * 60_000

/** The platform-operator service. */
export class Operators extends Effect.Service<Operators>()("Signet/Operators", {
  effect: Effect.gen(function* () {
    const repo = yield* OperatorsRepo
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
        const id = yield* newId(OperatorId)
        const nowMs = yield* Clock.currentTimeMillis
        const at = instant(nowMs)
        const phc = yield* hashPassword(input.password)
        yield* repo
          .insert({
            id,
            email: input.email,
            email_normalized: normalize(input.email),
            name: input.name,
            password_hash: phc,
            created_at: at
          })
          .pipe(
            Effect.mapError(
              () => new Conflict({ message: "an operator with this e-mail already exists", field: "email" })
            )
          )
        return new Operator({
          id,
          email: input.email,
          name: input.name,
          status: "active",
          created_at: DateTime.unsafeMake(nowMs),
          last_login_at: null
        })
      })

    /** Every operator. */
    const list = Effect.map(repo.all, (rows) => rows.map(toOperator))

    /** Disables or re-enables an operator by e-mail. @errors ValidationError when unknown */
    const setStatus = (email: string, status: "active" | "disabled") =>
      Effect.gen(function* () {
        const row = yield* repo.setStatus(normalize(email), status)
        if (Option.isNone(row)) return yield* ValidationError.field("email", "no such operator")
        return toOperator(row.value)
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
        const row = Option.getOrUndefined(yield* repo.findByEmail(normalize(email)))
        const ok = yield* verifyPassword(row?.password_hash ?? (yield* dummyHash()), password)
        const nowMs = yield* Clock.currentTimeMillis
        if (!row || row.status !== "active" || (row.locked_until && DateTime.toEpochMillis(row.locked_until) > nowMs)) {
          return yield* InvalidCredentials.generic
        }
        if (!ok) {
          const failures = row.failed_logins + 1
          const lock = failures >= LOCK_AFTER ? instant(nowMs + LOCK_MS) : null
          yield* repo.recordFailure(row.id, lock ? 0 : failures, lock)
          return yield* InvalidCredentials.generic
        }
        yield* repo.recordLogin(row.id, instant(nowMs))
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
        const status = yield* repo.statusOf(payload.sub ?? "")
        if (Option.getOrNull(status) !== "active")
          return yield* new Unauthorized({ message: "invalid or expired token" })
        return { id: payload.sub as string, email: String(payload.email ?? "") }
      })

    /** True when at least one operator account exists. */
    const any = repo.any

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
  }),
  dependencies: [OperatorsRepo.Default]
}) {}
