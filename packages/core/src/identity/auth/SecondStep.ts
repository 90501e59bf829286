/**
 * When a password sign-in asks a second step (issue 18: a passkey that met
 * `configure_mfa` is asked, not only TOTP), split from the authentication
 * kit (`Kit.ts`) so each stays under the size limits.
 *
 * @module
 */
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Effect } from "effect"
import type { UserRow } from "../repo/Users.js"
import type { Kit } from "./Kit.js"

/**
 * Whether a password sign-in of `user` must pass a second step
 * (`mfa_required`): TOTP is enrolled, or the user holds a passkey and
 * MFA is required of them (`auth.mfa_required_user_types`, an admin-set
 * `configure_mfa`, or `auth.mfa_required_for_admins` for an administrator, as
 * `Kit.issueAccess` reads it). A passkey that met `configure_mfa` is
 * then asked at every password sign-in (the login's second step accepts
 * it, `passkeys/SignIn.ts`); otherwise the tenant's MFA rule would be
 * met by enrolling a factor that is never used.
 */
export const secondStepDue = (kit: Kit, tenant: Tenant, user: UserRow) =>
  Effect.gen(function* () {
    if (user.mfa_enabled) return true
    if ((yield* kit.withTenant(tenant, kit.inTx(kit.passkeys.countOfUser(user.id)))) === 0) return false
    const mfaTypes = yield* kit.tenancy.settingValue<ReadonlyArray<string>>(tenant.id, "auth.mfa_required_user_types")
    if (mfaTypes.includes(user.user_type)) return true
    if ((yield* kit.withTenant(tenant, kit.inTx(kit.actionsRepo.ofUser(user.id)))).includes("configure_mfa"))
      return true
    if (!(yield* kit.tenancy.settingValue<boolean>(tenant.id, "auth.mfa_required_for_admins"))) return false
    if (user.user_type === "admin" || user.user_type === "dev") return true
    return (yield* kit.withTenant(tenant, kit.inTx(kit.access.roleNames(user.id)))).includes("admin")
  })
