/**
 * Authentication: login with lockout, sessions, refresh-token rotation with
 * reuse detection, logout, password changes, and `AuthService.ValidateToken`
 * (seed 000 §6; seed 002 "Authentication & security"; ARCHITECTURE §3;
 * OWASP ASVS V2/V3).
 *
 * Security notes, in the order a login meets them:
 * - One failure answer (`InvalidCredentials`, 401, same body) for unknown
 *   users, wrong passwords, locked and disabled accounts. Unknown users are
 *   verified against a dummy argon2id hash and their failure is audited like
 *   a known user's, so both paths cost one hash and one transaction.
 * - `auth.lockout_threshold` consecutive failures (default 5) lock the account
 *   for `auth.lockout_minutes` (default 15); the lock is an audit row.
 * - Refresh tokens are 256-bit random strings, stored as SHA-256 hashes (high
 *   entropy makes a slow hash unnecessary), valid 7 days and single use: the
 *   redeeming UPDATE is conditional on `used_at IS NULL`, so of two
 *   concurrent refreshes with one token exactly one wins. Presenting a token
 *   that was already used revokes the whole session (the token family) and
 *   writes an audit row — the signature of a stolen token.
 * - Access tokens carry `sid`; validation also checks that the session is not
 *   revoked, so logout and "sign out everywhere" take effect immediately.
 *
 * Composed from its seams (issue 14 §3): `auth/Login.ts` (login and
 * lockout), `auth/Tokens.ts` (refresh rotation, token validation),
 * `auth/Sessions.ts` (listing and revoking sessions), `auth/Passwords.ts`
 * (password change and reset, disabling and deleting users),
 * `auth/Federated.ts` (a session for a user an SSO IdP authenticated),
 * `auth/CodeLogin.ts` (passwordless sign-in with a mailed code),
 * `auth/RequiredActions.ts` (required actions enforced at sign-in), sharing
 * `auth/Kit.ts` (access tokens, opening and revoking sessions), over the
 * repositories `repo/Sessions.ts` and `repo/Users.ts`.
 *
 * @module
 */
import { Effect } from "effect"
import { makeCodeLogin } from "./auth/CodeLogin.js"
import { makeFederated } from "./auth/Federated.js"
import { makeKit } from "./auth/Kit.js"
import { makeLogin } from "./auth/Login.js"
import { makePasswords } from "./auth/Passwords.js"
import { makeRequiredActions } from "./auth/RequiredActions.js"
import { makeSessions } from "./auth/Sessions.js"
import { makeTokens } from "./auth/Tokens.js"
import { TOKEN_KINDS } from "./Keys.js"
import { PasskeysRepo } from "./repo/Passkeys.js"
import { RequiredActionsRepo } from "./repo/RequiredActions.js"
import { SessionsRepo } from "./repo/Sessions.js"
import { UsersRepo } from "./repo/Users.js"

export type { FederatedProof } from "./auth/Federated.js"
export { type ClientInfo, newRefreshToken, type Principal, REFRESH_TTL_MS } from "./auth/Kit.js"

/** The authentication service. */
export class Auth extends Effect.Service<Auth>()("Signet/Auth", {
  effect: Effect.gen(function* () {
    const kit = yield* makeKit
    return {
      ...makeLogin(kit),
      ...makeTokens(kit),
      ...makeSessions(kit),
      ...makePasswords(kit),
      ...makeFederated(kit),
      ...makeCodeLogin(kit),
      ...makeRequiredActions(kit),
      openSession: kit.openSession,
      revokeSessions: kit.revokeSessions,
      accessTtlSeconds: TOKEN_KINDS.access.ttlSeconds
    } as const
  }),
  dependencies: [SessionsRepo.Default, UsersRepo.Default, PasskeysRepo.Default, RequiredActionsRepo.Default]
}) {}
