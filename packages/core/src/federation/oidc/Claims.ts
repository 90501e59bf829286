/**
 * The claims of a tenant's user as the OpenID Connect provider releases
 * them (issue 19 §1): `sub` (the user id), `email`, `email_verified` (the
 * accounts module's verification of the current address), `name`,
 * `given_name`, `family_name`, `locale` (the tenant's `general.locale`;
 * users have no locale of their own yet), `user_type`, `school_id`, and the
 * user's role names under the configured claim (`SIGNET_OIDC_ROLES_CLAIM`,
 * default `roles`). A user that is unknown in the tenant or not active has
 * no account (the provider then refuses the sign-in or the token).
 *
 * @module
 */
import type { UserId } from "@signet/contracts/identity/Domain"
import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { type Context, Effect, Option } from "effect"
import { Access } from "../../access/Access.js"
import { Accounts } from "../../accounts/Accounts.js"
import { Identity } from "../../identity/Users.js"
import type { Tenancy } from "../../tenancy/Tenancy.js"

/** The scopes the provider knows, and the claims each releases. */
export const claimsConfig = (rolesClaim: string) => ({
  openid: ["sub"],
  email: ["email", "email_verified"],
  profile: ["name", "given_name", "family_name", "locale"],
  signet: ["user_type", "school_id", rolesClaim]
})

/** The claims of `sub` in `tenant`, or undefined (see the module comment). */
export const accountClaims =
  (tenancy: Tenancy, rolesClaim: string) => (tenant: Context.Tag.Service<CurrentTenant>, sub: string) =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const user = yield* Effect.option(identity.get(sub as UserId))
      if (Option.isNone(user) || user.value.status !== "active") return undefined
      const roles = yield* (yield* Access).roleNames(user.value.id)
      const verified = yield* (yield* Accounts).emailVerificationStatus.pipe(
        Effect.provideService(CurrentActor, { kind: "user", id: user.value.id }),
        Effect.map((s) => s.verified),
        Effect.orElseSucceed(() => false)
      )
      const locale = yield* tenancy
        .settingValue<string>(tenant.id, "general.locale")
        .pipe(Effect.orElseSucceed(() => undefined))
      const u = user.value
      return {
        sub: u.id,
        email: u.email,
        email_verified: verified,
        name: `${u.given_name} ${u.family_name}`.trim(),
        given_name: u.given_name,
        family_name: u.family_name,
        ...(typeof locale === "string" ? { locale } : {}),
        user_type: u.user_type,
        school_id: u.school_id,
        [rolesClaim]: [...roles]
      }
    }).pipe(Effect.provideService(CurrentTenant, tenant))
