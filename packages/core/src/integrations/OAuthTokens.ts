/**
 * The token side of OAuth bindings (issue 21 §4; see `OAuthBindings.ts`):
 * refresh (an `invalid_grant` marks the binding `refresh_failed`), the
 * access token handed out decrypted and refreshed when due, unbinding with
 * revocation at the provider (RFC 7009), and the `refresh_oauth` job.
 *
 * @module
 */
import * as NodeCrypto from "node:crypto"
import { SqlClient } from "@effect/sql"
import { OAuthBindingNotFound, OAuthProviderError } from "@signet/contracts/integrations/OAuthDomain"
import { CurrentActor, CurrentTenant, systemActor, type TenantId } from "@signet/contracts/kernel/Context"
import { DateTime, Effect, Option, Redacted, Schema } from "effect"
import { tenantTx } from "../kernel/Database.js"
import { acquireLease, releaseLease } from "../kernel/Leases.js"
import type { Tenancy } from "../tenancy/Tenancy.js"
import { oauthAccessTokenColumn, oauthRefreshTokenColumn } from "./Migrations.js"
import {
  type Kit,
  presentBinding,
  REFRESH_AHEAD_MS,
  REFRESH_JOB_PERIOD_MS,
  REFRESH_MARGIN_MS,
  reasonOf,
  UserId
} from "./OAuthKit.js"
import type { BindingRow } from "./OAuthRepo.js"

/** A binding's tokens: refreshed when due, handed out decrypted. */
export const makeTokens = ({
  repo,
  envelope,
  audit,
  events,
  client,
  now,
  aad,
  decrypt,
  credentialOf,
  configuration
}: Kit) => {
  const bindingOf = (userId: string, provider: string) =>
    Effect.flatMap(
      Schema.is(UserId)(userId) ? tenantTx(repo.findBinding(userId, provider)) : Effect.succeed(Option.none()),
      (found) =>
        Option.match(found, {
          onNone: () => Effect.fail(new OAuthBindingNotFound({ message: "no binding to this provider", provider })),
          onSome: Effect.succeed
        })
    )

  /** Refreshes a binding's tokens now; `invalid_grant` marks it `refresh_failed`. @errors OAuthProviderError */
  const refresh = (binding: BindingRow) =>
    Effect.gen(function* () {
      const label = { user_id: binding.user_id, provider: binding.provider }
      if (binding.refresh_token_enc === null)
        return yield* new OAuthProviderError({
          message: "the access token expired and the provider gave no refresh token: bind again",
          provider: binding.provider,
          reason: "no_refresh_token"
        })
      const row = yield* Effect.orDie(credentialOf(binding.provider))
      const config = yield* configuration(row)
      const oidc = yield* client
      const refreshToken = yield* decrypt(binding.refresh_token_enc, yield* aad(oauthRefreshTokenColumn, label))
      const at = yield* now
      const tokens = yield* Effect.tryPromise({
        try: () => oidc.refreshTokenGrant(config, refreshToken),
        catch: (e) =>
          new OAuthProviderError({
            message: "the provider refused the refresh",
            provider: row.provider,
            reason: reasonOf(e)
          })
      }).pipe(
        Effect.tapError((e) =>
          e.reason === "invalid_grant"
            ? tenantTx(
                Effect.gen(function* () {
                  yield* repo.markRefreshFailed(binding.user_id, binding.provider)
                  yield* audit.record({
                    action: "oauth.binding.refresh_failed",
                    targetType: "user",
                    targetId: binding.user_id,
                    after: { provider: binding.provider, reason: e.reason }
                  })
                  yield* events.publish({
                    type: "signet.integrations.oauth_binding.refresh_failed",
                    subject: binding.user_id,
                    data: { user_id: binding.user_id, provider: binding.provider }
                  })
                })
              )
            : Effect.void
        )
      )
      const expiresIn = tokens.expiresIn()
      const accessToken = tokens.access_token
      yield* tenantTx(
        repo.updateTokens(
          binding.user_id,
          binding.provider,
          {
            access_token_enc: yield* envelope.encrypt(accessToken, yield* aad(oauthAccessTokenColumn, label)),
            refresh_token_enc:
              tokens.refresh_token === undefined
                ? null
                : yield* envelope.encrypt(tokens.refresh_token, yield* aad(oauthRefreshTokenColumn, label)),
            expires_at: expiresIn === undefined ? null : DateTime.addDuration(at, `${expiresIn} seconds`)
          },
          at
        )
      )
      return accessToken
    }).pipe(Effect.withSpan("OAuthBindings.refresh"))

  /**
   * The user's access token at `provider`, refreshed first when it expires
   * within REFRESH_MARGIN_MS (seed 000 "tokens decrypted only when used").
   * @errors OAuthBindingNotFound, OAuthProviderError (refresh refused, or the binding's refresh failed before)
   */
  const accessToken = (userId: string, provider: string) =>
    Effect.gen(function* () {
      const binding = yield* bindingOf(userId, provider)
      if (binding.status === "refresh_failed")
        return yield* new OAuthProviderError({
          message: "the binding's last refresh was refused: the user must bind again",
          provider,
          reason: "refresh_failed"
        })
      const at = yield* now
      const due =
        binding.expires_at !== null &&
        DateTime.lessThan(binding.expires_at, DateTime.addDuration(at, `${REFRESH_MARGIN_MS} millis`))
      if (due) return Redacted.make(yield* refresh(binding))
      const label = { user_id: binding.user_id, provider }
      return Redacted.make(yield* decrypt(binding.access_token_enc, yield* aad(oauthAccessTokenColumn, label)))
    }).pipe(Effect.withSpan("OAuthBindings.accessToken"))

  return { bindingOf, refresh, accessToken }
}

/** Unbinding, and the `refresh_oauth` job. */
export const makeUpkeep = (
  { repo, audit, events, sql, client, now, aad, decrypt, credentialOf, configuration }: Kit,
  { bindingOf, refresh }: ReturnType<typeof makeTokens>
) => {
  /**
   * Removes the user's binding; the provider is asked to revoke the tokens
   * first when it has a revocation endpoint (RFC 7009; a failure there
   * does not keep the binding). @errors OAuthBindingNotFound
   */
  const unbind = (userId: string, provider: string) =>
    Effect.gen(function* () {
      const binding = yield* bindingOf(userId, provider)
      const row = yield* Effect.orDie(credentialOf(provider))
      const label = { user_id: userId, provider }
      const revoke = Effect.gen(function* () {
        const config = yield* configuration(row)
        if (config.serverMetadata().revocation_endpoint === undefined) return
        const oidc = yield* client
        const token =
          binding.refresh_token_enc === null
            ? yield* decrypt(binding.access_token_enc, yield* aad(oauthAccessTokenColumn, label))
            : yield* decrypt(binding.refresh_token_enc, yield* aad(oauthRefreshTokenColumn, label))
        yield* Effect.tryPromise(() => oidc.tokenRevocation(config, token))
      })
      yield* revoke.pipe(Effect.catchAll((e) => Effect.logWarning("oauth token revocation failed", String(e))))
      yield* tenantTx(
        Effect.gen(function* () {
          yield* repo.deleteBinding(userId, provider)
          yield* audit.record({
            action: "oauth.binding.deleted",
            targetType: "user",
            targetId: userId,
            before: presentBinding(binding)
          })
          yield* events.publish({
            type: "signet.integrations.oauth_binding.deleted",
            subject: userId,
            data: { user_id: userId, provider }
          })
        })
      )
    }).pipe(Effect.withSpan("OAuthBindings.unbind"))

  /** Refreshes the current tenant's tokens expiring within REFRESH_AHEAD_MS; answers how many were refreshed and failed. */
  const refreshDue = Effect.gen(function* () {
    const at = yield* now
    const due = yield* tenantTx(repo.dueBindings(DateTime.addDuration(at, `${REFRESH_AHEAD_MS} millis`), 500))
    let refreshed = 0
    let failed = 0
    for (const binding of due) {
      const ok = yield* refresh(binding).pipe(
        Effect.as(true),
        Effect.catchAll(() => Effect.succeed(false))
      )
      if (ok) refreshed++
      else failed++
    }
    return { refreshed, failed }
  })

  /** The `refresh_oauth` job over every active tenant, on the replica holding the `oauth.refresh` lease; runs until interrupted. */
  const job = (tenancy: Tenancy, periodMs = REFRESH_JOB_PERIOD_MS) =>
    Effect.gen(function* () {
      const holder = `${process.pid}-${NodeCrypto.randomUUID()}`
      const round = Effect.gen(function* () {
        if (!(yield* acquireLease("oauth.refresh", holder, periodMs * 2))) return
        let cursor: string | undefined
        do {
          const page = yield* tenancy
            .list({ status: "active", limit: 200, ...(cursor ? { cursor } : {}) })
            .pipe(Effect.orDie)
          for (const t of page.items)
            yield* refreshDue.pipe(
              Effect.provideService(CurrentTenant, { id: t.id as TenantId, slug: t.slug }),
              Effect.provideService(CurrentActor, systemActor)
            )
          cursor = page.next_cursor ?? undefined
        } while (cursor)
      }).pipe(Effect.catchAllCause((cause) => Effect.logError("oauth refresh round failed", cause)))
      return yield* Effect.forever(Effect.zipRight(round, Effect.sleep(periodMs))).pipe(
        Effect.ensuring(releaseLease("oauth.refresh", holder))
      )
    }).pipe(Effect.provideService(SqlClient.SqlClient, sql))

  return { unbind, refreshDue, job }
}
