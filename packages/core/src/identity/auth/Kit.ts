/**
 * What the authentication service's seams share (issue 14 §3): the
 * repositories, the services it calls, the role resolver, issuing access
 * tokens, opening sessions with their refresh tokens, and revoking sessions.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { type AccessClaims, TokenPair } from "@signet/contracts/identity/Domain"
import { type Actor, CurrentTenant, type TenantId } from "@signet/contracts/kernel/Context"
import { newId, SessionId } from "@signet/contracts/kernel/Ids"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Clock, Effect } from "effect"
import { Access } from "../../access/Access.js"
import { EmailVerifications } from "../../accounts/IdentityPorts.js"
import { Audit } from "../../audit/Audit.js"
import { Events } from "../../events/Events.js"
import { tenantBoundReadOn, tenantReadOn, tenantTxOn } from "../../kernel/Database.js"
import { Quotas } from "../../kernel/Quotas.js"
import { RateLimiter } from "../../kernel/RateLimit.js"
import { instant } from "../../kernel/Sql.js"
import { Tenancy } from "../../tenancy/Tenancy.js"
import { SigningKeys } from "../Keys.js"
import { loginRules } from "../LoginLimits.js"
import { SsoOnlyDomains } from "../Ports.js"
import { PasskeysRepo } from "../repo/Passkeys.js"
import { RequiredActionsRepo } from "../repo/RequiredActions.js"
import { SessionsRepo } from "../repo/Sessions.js"
import { type UserRow, UsersRepo } from "../repo/Users.js"
import { Identity } from "../Users.js"

/** Refresh token lifetime: 7 days (seed 002). */
export const REFRESH_TTL_MS = 7 * 24 * 3600 * 1000

/** Request facts recorded with a session. */
export interface ClientInfo {
  readonly ip?: string | undefined
  readonly userAgent?: string | undefined
  readonly deviceLabel?: string | undefined
}

/** A verified access token and what it stands for. */
export interface Principal {
  readonly claims: AccessClaims
  readonly tenant: { readonly id: TenantId; readonly slug: string }
  readonly actor: Actor
}

/** SHA-256 of `s`, hex (how refresh tokens are stored). */
export const sha256 = (s: string) => Crypto.createHash("sha256").update(s).digest("hex")

/** A new opaque refresh token: `sgr_` + 256 random bits (base64url). */
export const newRefreshToken = (): string => `sgr_${Crypto.randomBytes(32).toString("base64url")}`

/** The shared kit of the authentication seams; see the module comment. */
export const makeKit = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const sessions = yield* SessionsRepo
  const users = yield* UsersRepo
  const audit = yield* Audit
  const events = yield* Events
  const tenancy = yield* Tenancy
  const identity = yield* Identity
  const keys = yield* SigningKeys
  const limiter = yield* RateLimiter
  // Login limits: per client address and per account (tenant + login).
  const rules = yield* loginRules
  const access = yield* Access
  const passkeys = yield* PasskeysRepo
  const quotas = yield* Quotas
  const ssoOnly = yield* SsoOnlyDomains
  // Required actions at sign-in (issue 18): admin-set rows, and the verified-address port.
  const actionsRepo = yield* RequiredActionsRepo
  const emailVerifications = yield* EmailVerifications

  /** Runs `self` in a transaction of the current tenant. */
  const inTx = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantTxOn(sql, self)
  /** Runs `self`, one read, for the current tenant: no transaction on SQLite ({@link tenantReadOn}). */
  const inRead = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantReadOn(sql, self)
  /** Runs `self`, one statement that binds the tenant itself on Postgres, without a transaction ({@link tenantBoundReadOn}). */
  const inBoundRead = <A, E, R>(self: Effect.Effect<A, E, R>) => tenantBoundReadOn(sql, self)
  /** Provides `tenant` as the `CurrentTenant`. */
  const withTenant = <A, E, R>(tenant: Tenant, self: Effect.Effect<A, E, R>) =>
    Effect.provideService(self, CurrentTenant, { id: tenant.id, slug: tenant.slug })

  /**
   * Signs an access token for the user's session (roles resolved now; the
   * MFA enrolment restriction applied; `plan` from the tenant's live
   * subscription when it has one).
   */
  const issueAccess = (tenant: Tenant, user: UserRow, sessionId: string) =>
    Effect.gen(function* () {
      const roles = yield* withTenant(tenant, access.roleNames(user.id))
      // Tenant policy `auth.mfa_required_for_admins`: an administrator — of type admin or dev
      // (whose default role is admin), or holding the admin role — without MFA gets a token
      // that only reaches their profile and MFA enrolment (see UserAuth).
      // A passkey is a second factor too (issue 18): an administrator with one is not asked to enrol.
      const mustEnroll =
        (user.user_type === "admin" || user.user_type === "dev" || roles.includes("admin")) &&
        !user.mfa_enabled &&
        (yield* tenancy.settingValue<boolean>(tenant.id, "auth.mfa_required_for_admins")) &&
        (yield* withTenant(tenant, passkeys.countOfUser(user.id))) === 0
      return yield* keys.sign("access", {
        ...(mustEnroll ? { mfa_enroll: true } : {}),
        sub: user.id,
        tid: tenant.id,
        tenant_slug: tenant.slug,
        school_id: user.school_id,
        user_type: user.user_type,
        roles: [...roles],
        sid: sessionId,
        // Seed 002 `plan` claim: the live subscription's plan (issue 20), else the tenant's own label.
        plan: (yield* withTenant(tenant, quotas.plan)) ?? tenant.plan
      })
    })

  /** Stores a new refresh token for a session (caller's transaction). */
  const storeRefresh = (sessionId: string, nowMs: number) =>
    Effect.gen(function* () {
      const token = newRefreshToken()
      yield* sessions.insertRefresh(sha256(token), sessionId, instant(nowMs), instant(nowMs + REFRESH_TTL_MS))
      return token
    })

  /**
   * Opens a session for an authenticated user and issues its tokens (in the
   * caller's tenant transaction).
   */
  const openSession = (tenant: Tenant, user: UserRow, client: ClientInfo, mfaVerified: boolean) =>
    Effect.gen(function* () {
      const nowMs = yield* Clock.currentTimeMillis
      const sessionId = yield* newId(SessionId)
      yield* sessions.insert({
        id: sessionId,
        user_id: user.id,
        device_label: client.deviceLabel ?? null,
        user_agent: client.userAgent?.slice(0, 500) ?? null,
        ip: client.ip ?? null,
        at: instant(nowMs),
        expires_at: instant(nowMs + REFRESH_TTL_MS),
        mfa_verified_at: mfaVerified ? instant(nowMs) : null
      })
      const refresh = yield* storeRefresh(sessionId, nowMs)
      const access = yield* issueAccess(tenant, user, sessionId)
      const present = yield* identity.present(user)
      // Built from decoded rows and our own tokens: not validated again here (the
      // response is encoded through the schema, as toUser does for the user).
      return new TokenPair(
        {
          access_token: access.token,
          refresh_token: refresh,
          token_type: "Bearer",
          expires_in: access.expiresIn,
          refresh_expires_in: REFRESH_TTL_MS / 1000,
          session_id: sessionId,
          user: present
        },
        true
      )
    }).pipe(Effect.orDie, (self) => withTenant(tenant, self))

  /**
   * Revokes sessions of a user: one (`only`), or all but `except`, in the
   * caller's transaction. Returns how many were revoked.
   */
  const revokeSessions = (
    userId: string,
    options: { readonly only?: string; readonly except?: string | null; readonly reason: string }
  ) =>
    Effect.flatMap(Clock.currentTimeMillis, (nowMs) =>
      sessions.revokeOf(userId, options, options.reason, instant(nowMs))
    )

  return {
    access,
    sessions,
    users,
    audit,
    events,
    tenancy,
    identity,
    keys,
    limiter,
    rules,
    ssoOnly,
    passkeys,
    actionsRepo,
    emailVerifications,
    inTx,
    inRead,
    inBoundRead,
    withTenant,
    issueAccess,
    storeRefresh,
    openSession,
    revokeSessions
  } as const
})

/** What {@link makeKit} builds. */
export type Kit = Effect.Effect.Success<typeof makeKit>
