/**
 * Configuration of the access service (ARCHITECTURE §3 "RBAC": the
 * compiled-policy cache, the permission catalog and the default roles) and
 * the list parameters its listings take.
 *
 * @module
 */

import {
  corePermissions,
  DEFAULT_ROLES,
  type DefaultRole,
  type PermissionCatalog
} from "@signet/contracts/access/Domain"
import { Context, Duration } from "effect"

/** Tuning and data of the access service; see {@link AccessConfig}. */
export interface AccessOptions {
  /**
   * How long a compiled policy is trusted before its version is checked
   * again (default 1 s). This bounds how long a change made on another
   * replica takes to apply here.
   */
  readonly cacheTtl: Duration.DurationInput
  /** Permissions declared by the modules (default {@link corePermissions}). */
  readonly catalog: PermissionCatalog
  /** Roles seeded at onboarding (default {@link DEFAULT_ROLES}). */
  readonly defaultRoles: ReadonlyArray<DefaultRole>
  /** Most tenants whose compiled policy is kept in memory (default 10,000; oldest dropped first). */
  readonly maxCachedTenants: number
}

/** The defaults of {@link AccessOptions}. */
export const defaultAccessOptions: AccessOptions = {
  cacheTtl: Duration.seconds(1),
  catalog: corePermissions,
  defaultRoles: DEFAULT_ROLES,
  maxCachedTenants: 10_000
}

/**
 * Configuration of the `Access` service, read when the service is
 * built. Optional: without it the service uses {@link defaultAccessOptions}.
 * Provide it to change the TTL or to add an application's own catalog:
 * `Layer.succeed(AccessConfig, { ...defaultAccessOptions, cacheTtl: "250 millis" })`.
 */
export class AccessConfig extends Context.Reference<AccessConfig>()("Signet/AccessConfig", {
  defaultValue: (): AccessOptions => defaultAccessOptions
}) {}

/** Filters of list operations: cursor pagination (see `kernel/Pagination.ts`); `limit` 1..200, default 50. */
export interface ListParams {
  readonly cursor?: string | undefined
  readonly limit?: number | undefined
}
