/**
 * What identity needs from modules that import it, as ports (issue 14 §5;
 * ARCHITECTURE §1 "modules form no cycle").
 *
 * Academics owns `schools` and imports identity, so identity cannot import
 * academics: it asks through {@link UserSchools}, which academics provides
 * from its own repository (`academics/IdentityPorts.ts`) and `Core.ts`
 * composes. An embedder composing its own layers provides it the same way,
 * or {@link noSchools} (every `school_id` refused) when it has no academics.
 *
 * @module
 */
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Context, Effect, Layer, Option } from "effect"

/**
 * "Is `schoolId` a live school of the `CurrentTenant`?" — false for another
 * tenant's school, a deleted one, or an id that names nothing. A user's
 * `school_id` must pass it (issue 15 §4: it lands in the JWT `school_id`
 * claim, which other services trust). Runs in the caller's transaction when
 * there is one.
 */
export class UserSchools extends Context.Tag("Signet/UserSchools")<
  UserSchools,
  {
    readonly exists: (schoolId: string) => Effect.Effect<boolean, never, CurrentTenant>
    /**
     * The id of the live school of the `CurrentTenant` that `key` names —
     * by its id, its code, or its OneRoster `sourcedId` — or none (an SSO
     * connection's school claim, issue 19 §2).
     */
    readonly resolve: (key: string) => Effect.Effect<Option.Option<string>, never, CurrentTenant>
  }
>() {}

/** {@link UserSchools} for an installation without academics: no school exists, so every `school_id` is refused. */
export const noSchools: Layer.Layer<UserSchools> = Layer.succeed(UserSchools, {
  exists: () => Effect.succeed(false),
  resolve: () => Effect.succeed(Option.none())
})

/**
 * "Does `email`'s domain sign in only through SSO in the `CurrentTenant`?"
 * — the name of the SSO connection whose `sso_only` flag covers the domain,
 * or none (issue 19 §2). Password login refuses such addresses with
 * `SsoRequired`. The integrations module owns SSO connections and imports
 * identity, so it provides this port (`integrations/IdentityPorts.ts`,
 * composed by `Core.ts`); an embedder without SSO provides
 * {@link noSsoOnly}. Runs in the caller's transaction.
 *
 * `tenantWide(userId)` answers the tenant-wide policy: true when the
 * `CurrentTenant` signs in through SSO only and `userId` is not one of its
 * break-glass accounts. Password, e-mail code and passkey sign-in then
 * refuse the account with `TenantSsoRequired`.
 */
export class SsoOnlyDomains extends Context.Tag("Signet/SsoOnlyDomains")<
  SsoOnlyDomains,
  {
    readonly connectionFor: (email: string) => Effect.Effect<Option.Option<string>, never, CurrentTenant>
    readonly tenantWide: (userId: string) => Effect.Effect<boolean, never, CurrentTenant>
  }
>() {}

/** {@link SsoOnlyDomains} for an installation without SSO: every address may use a password. */
export const noSsoOnly: Layer.Layer<SsoOnlyDomains> = Layer.succeed(SsoOnlyDomains, {
  connectionFor: () => Effect.succeed(Option.none()),
  tenantWide: () => Effect.succeed(false)
})
