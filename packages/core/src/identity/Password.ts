/**
 * Password hashing and policy (ARCHITECTURE §3; OWASP Password Storage and
 * NIST SP 800-63B §5.1.1).
 *
 * - argon2id through `@node-rs/argon2` with the OWASP parameters (m = 19 MiB,
 *   t = 2, p = 1). Hashing and verification run on libuv's thread pool, never
 *   on the event loop.
 * - {@link needsRehash} tells when a stored hash used other parameters, so
 *   login can upgrade it transparently.
 * - Policy: minimum length from the tenant setting `auth.password_min_length`
 *   (default 12), at least 64 allowed (we allow 256), no composition rules;
 *   refused when it equals or contains the e-mail's local part or the
 *   username, or appears in the common-password list (49,233 passwords from
 *   zxcvbn-ts, compared case-insensitively).
 *
 * @module
 */

import * as Os from "node:os"
import { type Algorithm, hash, verify } from "@node-rs/argon2"
import { Effect, Redacted } from "effect"

/** OWASP argon2id parameters: memory in KiB, iterations, lanes. */
export const ARGON2_PARAMS = {
  // `Algorithm.Argon2id` (an ambient const enum, not importable under isolatedModules).
  algorithm: 2 as Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1
} as const

/** Longest password accepted (characters). */
export const MAX_PASSWORD_LENGTH = 256

/**
 * How many argon2 computations may run at once: all cores but one
 * (`SIGNET_ARGON2_CONCURRENCY` overrides), so a login storm cannot starve the
 * event loop that serves every other request.
 */
export const ARGON2_CONCURRENCY = Math.max(
  1,
  Number(process.env.SIGNET_ARGON2_CONCURRENCY) || (Os.availableParallelism?.() ?? Os.cpus().length) - 1
)
const hashing = Effect.unsafeMakeSemaphore(ARGON2_CONCURRENCY)

/** Hashes a password (PHC string `$argon2id$v=19$m=19456,t=2,p=1$…`). */
export const hashPassword = (password: Redacted.Redacted<string>): Effect.Effect<string> =>
  hashing.withPermits(1)(Effect.promise(() => hash(Redacted.value(password), ARGON2_PARAMS)))

/** Verifies a password against a PHC hash; malformed hashes verify false. */
export const verifyPassword = (phc: string, password: Redacted.Redacted<string>): Effect.Effect<boolean> =>
  hashing.withPermits(1)(Effect.promise(() => verify(phc, Redacted.value(password)).catch(() => false)))

/** True when a stored hash is not argon2id with the current parameters. */
export const needsRehash = (phc: string): boolean => {
  const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc)
  return (
    !m ||
    Number(m[1]) !== ARGON2_PARAMS.memoryCost ||
    Number(m[2]) !== ARGON2_PARAMS.timeCost ||
    Number(m[3]) !== ARGON2_PARAMS.parallelism
  )
}

let dummy: Promise<string> | undefined
/**
 * A hash of a random password, verified against when the login names no
 * user, so unknown and known users cost the same time.
 */
export const dummyHash = (): Effect.Effect<string> =>
  Effect.promise(() => {
    dummy ??= hash(`dummy-${Math.random()}-${Date.now()}`, ARGON2_PARAMS)
    return dummy
  })

let common: Promise<ReadonlySet<string>> | undefined
/** The common-password list, loaded once on first use. */
export const commonPasswords = (): Promise<ReadonlySet<string>> => {
  common ??= import("@zxcvbn-ts/language-common").then(
    (m) => new Set(m.dictionary["passwords-common"].map((p: string) => p.toLowerCase()))
  )
  return common
}

/** Why a password is refused, or `undefined` when it is acceptable. */
export const passwordProblem = (
  password: Redacted.Redacted<string>,
  context: { readonly minLength: number; readonly email: string; readonly username?: string | null | undefined }
): Effect.Effect<string | undefined> =>
  Effect.promise(async () => {
    const pw = Redacted.value(password)
    const length = [...pw].length
    if (length < context.minLength) return `must be at least ${context.minLength} characters`
    if (length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`
    const lower = pw.toLowerCase()
    const local = context.email.toLowerCase().split("@")[0] ?? ""
    const email = context.email.toLowerCase()
    if (lower === email || (local.length >= 4 && lower.includes(local)) || lower.includes(email)) {
      return "must not contain your e-mail address"
    }
    const user = context.username?.toLowerCase()
    if (user && user.length >= 4 && lower.includes(user)) return "must not contain your username"
    if ((await commonPasswords()).has(lower)) return "is too common (it appears in lists of breached passwords)"
    return undefined
  })
