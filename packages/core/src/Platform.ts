/**
 * Tenant-level operations that span modules, for the tenant's own members
 * and for platform operators: the tenant's profile, its settings and its
 * audit log (`GET|PATCH /api/v1/tenants/{slug}`, `…/settings…`,
 * `…/audit-logs…`). Issue 15 §4: every declared permission means something.
 *
 * | operation | permission |
 * |---|---|
 * | `get` | `tenants:read` |
 * | ⚑ `update` (name and custom domain; region and plan: operators only) | `tenants:write` |
 * | `listSettings`, `getSetting` | `settings:read` |
 * | ⚑ `putSetting`, `resetSetting` | `settings:write` |
 * | `auditLog`, `verifyAudit` | `audit:read` |
 *
 * The tenant is always the `CurrentTenant` of the verified context, never a
 * name from the caller. ⚑ marks the step-up rule of `AccessAdmin`: a `user`
 * actor needs an MFA verification on its session within the tenant's
 * `auth.step_up_minutes` (`Forbidden`, `permission: "mfa:step-up"`),
 * because settings and the tenant's domain govern everyone's security
 * (lockout, MFA policy, token lifetimes). Operators pass every policy.
 * Tenant lifecycle (create, suspend, reactivate, delete, restore) and the
 * tenant list stay with platform operators (`Tenancy`).
 *
 * @module
 */

import { CurrentActor, CurrentTenant } from "@signet/contracts/kernel/Context"
import { Forbidden } from "@signet/contracts/kernel/Errors"
import type { UpdateTenant } from "@signet/contracts/tenancy/Domain"
import { type Context, Effect } from "effect"
import { Access } from "./access/Access.js"
import { policyRequire } from "./access/Policy.js"
import { Audit } from "./audit/Audit.js"
import { tenantTx } from "./kernel/Database.js"
import { Tenancy } from "./tenancy/Tenancy.js"

type AuditSvc = Context.Tag.Service<typeof Audit>

/** The current tenant's slug. */
const currentSlug = Effect.map(CurrentTenant, (t) => t.slug)

/** Runs `f` after the step-up check of `Access` (see the module comment). */
const sensitive = <A, E, R>(f: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Access, (access) => Effect.zipRight(access.requireStepUp, f))

/** Fields of `UpdateTenant` only a platform operator may change. */
const OPERATOR_ONLY_FIELDS = ["region", "plan"] as const

/** The current tenant's profile, settings and audit log; see the module comment for permissions. */
export const TenantAdmin = {
  /** The current tenant (`tenants:read`). @errors TenantNotFound */
  get: policyRequire("tenants", "read")(Effect.flatMap(currentSlug, (slug) => Tenancy.use((t) => t.get(slug)))),

  /**
   * ⚑ Renames the current tenant or sets its custom domain (`tenants:write`).
   * `region` and `plan` are the platform operator's: a tenant member naming
   * them is refused before anything changes.
   * @errors Forbidden (step-up, or `region`/`plan` by a non-operator), TenantNotFound, Conflict (domain taken)
   */
  update: (patch: UpdateTenant) =>
    policyRequire(
      "tenants",
      "write"
    )(
      Effect.gen(function* () {
        const actor = yield* CurrentActor
        const named = OPERATOR_ONLY_FIELDS.filter((f) => patch[f] !== undefined)
        if (actor.kind !== "operator" && named.length > 0)
          return yield* new Forbidden({
            message: `the tenant's ${named.join(" and ")} ${named.length > 1 ? "are" : "is"} set by the platform operator`,
            permission: "tenants:write"
          })
        const slug = yield* currentSlug
        return yield* sensitive(Tenancy.use((t) => t.update(slug, patch)))
      })
    ),

  /** The current tenant's settings with effective values and defaults (`settings:read`). @errors TenantNotFound */
  listSettings: policyRequire(
    "settings",
    "read"
  )(Effect.flatMap(currentSlug, (slug) => Tenancy.use((t) => t.listSettings(slug)))),

  /** One setting of the current tenant (`settings:read`). @errors TenantNotFound, SettingNotFound */
  getSetting: (key: string) =>
    policyRequire(
      "settings",
      "read"
    )(Effect.flatMap(currentSlug, (slug) => Tenancy.use((t) => t.getSetting(slug, key)))),

  /**
   * ⚑ Sets one setting, validated against its schema, audited
   * (`settings:write`).
   * @errors Forbidden (step-up), TenantNotFound, SettingNotFound, ValidationError (field `value`)
   */
  putSetting: (key: string, value: unknown) =>
    policyRequire(
      "settings",
      "write"
    )(Effect.flatMap(currentSlug, (slug) => sensitive(Tenancy.use((t) => t.putSetting(slug, key, value))))),

  /** ⚑ Resets one setting to its default (`settings:write`). @errors Forbidden (step-up), TenantNotFound, SettingNotFound */
  resetSetting: (key: string) =>
    policyRequire(
      "settings",
      "write"
    )(Effect.flatMap(currentSlug, (slug) => sensitive(Tenancy.use((t) => t.resetSetting(slug, key))))),

  /** A page of the current tenant's audit entries, newest first (`audit:read`). @errors ValidationError (cursor) */
  auditLog: (params: Parameters<AuditSvc["list"]>[0]) =>
    policyRequire("audit", "read")(tenantTx(Audit.use((a) => a.list(params)))),

  /** Walks the current tenant's hash chain (`audit:read`). */
  verifyAudit: policyRequire("audit", "read")(tenantTx(Audit.use((a) => a.verify)))
} as const
