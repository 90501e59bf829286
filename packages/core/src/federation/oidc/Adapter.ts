/**
 * The storage adapter `oidc-provider` writes its models through (issue 19
 * §1; adapter contract of node-oidc-provider's `example/my_adapter.js`):
 * sessions, interactions, grants, authorization codes, access and refresh
 * tokens go to `oidc_payloads` of the provider's tenant (SQLite or Postgres,
 * shared by every replica), never to process memory. The `Client` model is
 * answered from the tenant's client registry (`Clients.ts`) and is never
 * written.
 *
 * - `find*` answer nothing for a row past its expiry;
 * - `consume` stamps `consumed` (a reused authorization code or rotated
 *   refresh token is then refused by the provider, which revokes the grant);
 * - `revokeByGrantId` deletes every row of the grant;
 * - a payload is at most {@link MAX_PAYLOAD_BYTES}; every 256th write sweeps
 *   the tenant's expired rows.
 *
 * @module
 */
import type { SqlClient } from "@effect/sql"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { type Context, Effect, Option, Runtime } from "effect"
import type { Adapter, AdapterPayload } from "oidc-provider"
import { tenantTx } from "../../kernel/Database.js"
import type { OidcClients } from "./Clients.js"
import type { OidcRepo } from "./Repo.js"

/** Largest payload the adapter stores, in bytes of JSON. */
export const MAX_PAYLOAD_BYTES = 64 * 1024

/** What {@link makeAdapterFactory} needs. */
export interface AdapterDeps {
  readonly tenant: Context.Tag.Service<CurrentTenant>
  readonly repo: OidcRepo
  readonly clients: OidcClients
  readonly runtime: Runtime.Runtime<SqlClient.SqlClient>
}

let writes = 0

/** The adapter class of one tenant's provider; see the module comment. */
export const makeAdapterFactory =
  (deps: AdapterDeps) =>
  (model: string): Adapter => {
    const run = <A>(effect: Effect.Effect<A, never, CurrentTenant | SqlClient.SqlClient>): Promise<A> =>
      Runtime.runPromise(deps.runtime)(Effect.provideService(effect, CurrentTenant, deps.tenant))
    const { repo } = deps
    const now = () => Date.now()
    const decode = (row: Option.Option<{ readonly payload: string; readonly consumed_at: unknown }>) =>
      Option.match(row, {
        onNone: () => undefined,
        onSome: (r): AdapterPayload => ({
          ...(JSON.parse(r.payload) as AdapterPayload),
          ...(r.consumed_at === null || r.consumed_at === undefined ? {} : { consumed: true })
        })
      })
    const findBy = (column: "id" | "uid" | "user_code", value: string) =>
      run(Effect.map(tenantTx(repo.findPayload(model, column, value, now())), decode))

    if (model === "Client") {
      return {
        upsert: () => Promise.resolve(),
        find: (id) =>
          run(
            Effect.map(deps.clients.metadata(id), (found) => Option.getOrUndefined(found) as AdapterPayload | undefined)
          ),
        findByUid: () => Promise.resolve(undefined),
        findByUserCode: () => Promise.resolve(undefined),
        consume: () => Promise.resolve(),
        destroy: () => Promise.resolve(),
        revokeByGrantId: () => Promise.resolve()
      }
    }

    return {
      upsert: (id, payload, expiresIn) => {
        const text = JSON.stringify(payload)
        if (Buffer.byteLength(text) > MAX_PAYLOAD_BYTES)
          return Promise.reject(new Error(`oidc ${model} payload over ${MAX_PAYLOAD_BYTES} bytes`))
        const sweep = ++writes % 256 === 0
        return run(
          tenantTx(
            Effect.gen(function* () {
              if (sweep) yield* repo.sweep(now())
              yield* repo.upsertPayload({
                model,
                id,
                payload: text,
                grantId: payload.grantId ?? null,
                userCode: payload.userCode ?? null,
                uid: payload.uid ?? null,
                accountId: payload.accountId ?? null,
                clientId: payload.clientId ?? null,
                expiresAt: expiresIn === undefined ? null : now() + expiresIn * 1000
              })
            })
          )
        )
      },
      find: (id) => findBy("id", id),
      findByUid: (uid) => findBy("uid", uid),
      findByUserCode: (userCode) => findBy("user_code", userCode),
      consume: (id) => run(tenantTx(repo.consume(model, id, now()))),
      destroy: (id) => run(tenantTx(repo.destroy(model, id))),
      revokeByGrantId: (grantId) => run(tenantTx(repo.revokeByGrantId(grantId)))
    }
  }
