/**
 * Tenant lookup for every request (issue 14 §3 "tenancy: lookup ·
 * lifecycle · settings"): by slug or id, through a short cache, and the
 * "active tenant" rule user-facing requests run under.
 *
 * @module
 */
import type { TenantId } from "@signet/contracts/kernel/Context"
import { TenantNotFound, TenantSuspended } from "@signet/contracts/kernel/Errors"
import type { Tenant } from "@signet/contracts/tenancy/Domain"
import { Effect, Option } from "effect"
import { makeTtlCache } from "../kernel/TtlCache.js"
import type { TenancyRepo } from "./Repo.js"

/**
 * How long a lookup is cached (milliseconds). Mutations in this process
 * clear the cache at once; other replicas see a change (e.g. a suspension)
 * within this time.
 */
export const TENANT_CACHE_MS = 2000

/** At most this many cached lookups; the cache is cleared when it would grow past it. */
const CACHE_ENTRIES = 10_000

/** Tenant lookups over `repo`; see the module comment. */
export const makeLookup = (repo: TenancyRepo) => {
  // Concurrent misses of one key (every request of a tenant, each time its entry expires) read it
  // once; `invalidate` makes a change in this process seen at once (see kernel/TtlCache.ts).
  const cache = makeTtlCache<Option.Option<Tenant>>({ ttlMs: TENANT_CACHE_MS, maxEntries: CACHE_ENTRIES })

  const notFound = (name: string) => new TenantNotFound({ message: `no tenant "${name}"`, tenant: name })
  const live = (name: string) => (t: Option.Option<Tenant>) =>
    Option.isSome(t) && t.value.status !== "deleted" ? Effect.succeed(t.value) : Effect.fail(notFound(name))

  /** The tenant with this slug, deleted ones included. */
  const findBySlug = (slug: string) => cache.get(`slug:${slug}`, repo.findBySlug(slug))

  /** The tenant with this slug; deleted tenants answer `TenantNotFound`. */
  const get = (slug: string): Effect.Effect<Tenant, TenantNotFound> => Effect.flatMap(findBySlug(slug), live(slug))

  /**
   * The tenant whose custom domain is `host` (a `Host` header: lower-cased,
   * port dropped); deleted tenants answer `TenantNotFound`.
   */
  const getByDomain = (host: string): Effect.Effect<Tenant, TenantNotFound> => {
    const domain = host.toLowerCase().replace(/:\d+$/, "")
    if (!/^[a-z0-9.-]{1,253}$/.test(domain)) return Effect.fail(notFound(domain))
    return Effect.flatMap(cache.get(`domain:${domain}`, repo.findByDomain(domain)), live(domain))
  }

  /** The tenant with this id; deleted tenants answer `TenantNotFound`. */
  const getById = (id: TenantId): Effect.Effect<Tenant, TenantNotFound> =>
    Effect.flatMap(cache.get(`id:${id}`, repo.findById(id)), live(id))

  /**
   * The tenant a user-facing request runs for: must exist and be active.
   * @errors TenantNotFound, TenantSuspended
   */
  const resolveActive = (slug: string): Effect.Effect<Tenant, TenantNotFound | TenantSuspended> =>
    Effect.flatMap(get(slug), (t) =>
      t.status === "suspended"
        ? Effect.fail(
            new TenantSuspended({ message: `tenant "${slug}" is suspended; contact your administrator`, tenant: slug })
          )
        : Effect.succeed(t)
    )

  return {
    findBySlug,
    get,
    getById,
    getByDomain,
    resolveActive,
    notFound,
    invalidate: cache.invalidate()
  } as const
}

/** What {@link makeLookup} returns. */
export type Lookup = ReturnType<typeof makeLookup>
