/**
 * What integrations provides to identity through its ports (issue 19 §2):
 * {@link SsoOnlyDomains} from the SSO connections' repository (not the
 * service, so that the layers form no cycle: identity's services are built
 * before integrations').
 *
 * @module
 */
import { Effect, Layer, Option } from "effect"
import { SsoOnlyDomains } from "../identity/Ports.js"
import { emailDomain } from "./SsoConnections.js"
import { SsoPolicyRepo } from "./SsoPolicyRepo.js"
import { SsoRepo } from "./SsoRepo.js"

/**
 * {@link SsoOnlyDomains} over `sso_connections` (the `sso_only` connection
 * serving the address's domain) and `sso_policies`/`sso_break_glass` (the
 * tenant-wide policy, `SsoPolicy.ts`).
 */
export const ssoOnlyDomainsLayer: Layer.Layer<SsoOnlyDomains, never, SsoRepo | SsoPolicyRepo> = Layer.effect(
  SsoOnlyDomains,
  Effect.zipWith(SsoRepo, SsoPolicyRepo, (repo, policies) => ({
    tenantWide: (userId: string) =>
      policies.policy.pipe(
        Effect.flatMap((p) =>
          Option.isSome(p) && p.value.sso_only
            ? Effect.map(policies.isMarked(userId), (marked) => !marked)
            : Effect.succeed(false)
        ),
        // A database error is a defect here (the sign-in fails), never a "no policy" answer.
        Effect.orDie
      ),
    connectionFor: (email: string) => {
      const domain = emailDomain(email)
      if (domain === undefined) return Effect.succeed(Option.none<string>())
      return repo.list.pipe(
        Effect.map((all) =>
          Option.map(Option.fromNullable(all.find((c) => c.sso_only && c.domains.includes(domain))), (c) => c.name)
        ),
        // A database error is a defect here (the login fails), never a "no SSO" answer.
        Effect.orDie
      )
    }
  }))
)
