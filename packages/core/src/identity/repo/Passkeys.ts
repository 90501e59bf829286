/**
 * The passkeys repository (issue 18 "Passkeys / WebAuthn"): the SQL of
 * `webauthn_credentials` and `webauthn_challenges`, of which it is the only
 * writer. Every method filters by the tenant of `CurrentTenant` and runs in
 * the caller's transaction; credential rows are decoded once into
 * {@link PasskeyRow}; SQL errors become defects. Each method has a span
 * `PasskeysRepo.<method>`.
 *
 * @module
 */
import { SqlClient, SqlSchema } from "@effect/sql"
import { Passkey } from "@signet/contracts/identity/Domain"
import { CurrentTenant } from "@signet/contracts/kernel/Context"
import { Effect, Option, Schema, Struct } from "effect"
import { bool, DbBool, DbCount, json, repoSpan } from "../../kernel/Sql.js"

/** A `webauthn_credentials` row: the domain's {@link Passkey} plus the COSE public key, counter and RP ID. */
export const PasskeyRow = Schema.Struct({
  ...Struct.omit(Passkey.fields, "transports", "backup_eligible", "backed_up"),
  transports: Schema.Union(Schema.Array(Schema.String), Schema.parseJson(Schema.Array(Schema.String))),
  backup_eligible: DbBool,
  backed_up: DbBool,
  public_key: Schema.String,
  counter: DbCount,
  rp_id: Schema.String
})
/** @see PasskeyRow */
export type PasskeyRow = typeof PasskeyRow.Type

/** A new credential as stored (`public_key` base64url COSE key; instants ISO-8601). */
export interface NewPasskey {
  readonly id: string
  readonly user_id: string
  readonly credential_id: string
  readonly public_key: string
  readonly counter: number
  readonly transports: ReadonlyArray<string>
  readonly backup_eligible: boolean
  readonly backed_up: boolean
  readonly rp_id: string
  readonly name: string
  readonly created_at: string
}

/** What a ceremony challenge is for. */
export type ChallengePurpose = "register" | "sign_in" | "mfa" | "step_up"

/** A stored challenge (`webauthn_challenges` row). */
export const ChallengeRow = Schema.Struct({
  challenge: Schema.String,
  purpose: Schema.Literal("register", "sign_in", "mfa", "step_up"),
  user_id: Schema.NullOr(Schema.String),
  session_id: Schema.NullOr(Schema.String),
  rp_id: Schema.String,
  origin: Schema.String
})
/** @see ChallengeRow */
export type ChallengeRow = typeof ChallengeRow.Type

const span = repoSpan("PasskeysRepo")
const tid = Effect.map(CurrentTenant, (t) => t.id as string)

/** The passkeys repository; see the module comment. */
export class PasskeysRepo extends Effect.Service<PasskeysRepo>()("Signet/PasskeysRepo", {
  effect: Effect.map(SqlClient.SqlClient, (sql) => {
    const byIdQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, id: Schema.String }),
      Result: PasskeyRow,
      execute: (r) => sql`SELECT * FROM webauthn_credentials WHERE tenant_id = ${r.tenant} AND id = ${r.id}`
    })
    const byCredentialQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, credential: Schema.String }),
      Result: PasskeyRow,
      execute: (r) =>
        sql`SELECT * FROM webauthn_credentials WHERE tenant_id = ${r.tenant} AND credential_id = ${r.credential}`
    })
    const ofUserQ = SqlSchema.findAll({
      Request: Schema.Struct({ tenant: Schema.String, user: Schema.String }),
      Result: PasskeyRow,
      execute: (r) => sql`SELECT * FROM webauthn_credentials WHERE tenant_id = ${r.tenant} AND user_id = ${r.user}
        ORDER BY created_at, id`
    })
    const countQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, user: Schema.String }),
      Result: Schema.Struct({ n: DbCount }),
      execute: (r) =>
        sql`SELECT COUNT(*) AS n FROM webauthn_credentials WHERE tenant_id = ${r.tenant} AND user_id = ${r.user}`
    })
    const renameQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, user: Schema.String, id: Schema.String, name: Schema.String }),
      Result: PasskeyRow,
      execute: (r) => sql`UPDATE webauthn_credentials SET name = ${r.name} WHERE tenant_id = ${r.tenant}
        AND user_id = ${r.user} AND id = ${r.id} RETURNING *`
    })
    const consumeQ = SqlSchema.findOne({
      Request: Schema.Struct({ tenant: Schema.String, challenge: Schema.String, at: Schema.String }),
      Result: ChallengeRow,
      execute: (r) => sql`UPDATE webauthn_challenges SET used_at = ${r.at} WHERE tenant_id = ${r.tenant}
        AND challenge = ${r.challenge} AND used_at IS NULL AND expires_at > ${r.at}
        RETURNING challenge, purpose, user_id, session_id, rp_id, origin`
    })

    return {
      /** One credential by its row id. */
      find: (id: string) => Effect.flatMap(tid, (tenant) => byIdQ({ tenant, id })).pipe(span("find")),
      /** The credential with this authenticator credential id (base64url). */
      findByCredentialId: (credential: string) =>
        Effect.flatMap(tid, (tenant) => byCredentialQ({ tenant, credential })).pipe(span("findByCredentialId")),
      /** A user's credentials, oldest first. */
      listOfUser: (userId: string) =>
        Effect.flatMap(tid, (tenant) => ofUserQ({ tenant, user: userId })).pipe(span("listOfUser")),
      /** How many credentials a user has. */
      countOfUser: (userId: string) =>
        Effect.flatMap(tid, (tenant) => countQ({ tenant, user: userId })).pipe(
          Effect.map(Option.match({ onNone: () => 0, onSome: (r) => r.n })),
          span("countOfUser")
        ),
      /** Stores a new credential. */
      insert: (p: NewPasskey) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`INSERT INTO webauthn_credentials (tenant_id, id, user_id, credential_id, public_key, counter,
              transports, backup_eligible, backed_up, rp_id, name, created_at)
            VALUES (${tenant}, ${p.id}, ${p.user_id}, ${p.credential_id}, ${p.public_key}, ${p.counter},
              ${json(p.transports)}, ${bool(p.backup_eligible)}, ${bool(p.backed_up)}, ${p.rp_id}, ${p.name},
              ${p.created_at})`
        ).pipe(Effect.asVoid, span("insert")),
      /** Renames a user's credential: the renamed row, or none. */
      rename: (userId: string, id: string, name: string) =>
        Effect.flatMap(tid, (tenant) => renameQ({ tenant, user: userId, id, name })).pipe(span("rename")),
      /**
       * Records a successful assertion: the new signature counter, the backup
       * state and the time. Conditional on the counter read before (`expected`),
       * so of two concurrent assertions with one counter value one wins.
       */
      recordUse: (id: string, expected: number, counter: number, backedUp: boolean, at: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`UPDATE webauthn_credentials SET counter = ${counter}, backed_up = ${bool(backedUp)},
            last_used_at = ${at} WHERE tenant_id = ${tenant} AND id = ${id} AND counter = ${expected}
            RETURNING id`
        ).pipe(
          Effect.map((rows) => rows.length === 1),
          span("recordUse")
        ),
      /** Removes a user's credential: whether it existed. */
      remove: (userId: string, id: string) =>
        Effect.flatMap(
          tid,
          (tenant) => sql`DELETE FROM webauthn_credentials WHERE tenant_id = ${tenant} AND user_id = ${userId}
            AND id = ${id} RETURNING id`
        ).pipe(
          Effect.map((rows) => rows.length === 1),
          span("remove")
        ),
      /** Removes every credential of a user; how many there were. */
      removeAll: (userId: string) =>
        Effect.flatMap(
          tid,
          (tenant) =>
            sql`DELETE FROM webauthn_credentials WHERE tenant_id = ${tenant} AND user_id = ${userId} RETURNING id`
        ).pipe(
          Effect.map((rows) => rows.length),
          span("removeAll")
        ),
      /** Stores a new challenge, after deleting the tenant's challenges that expired before `at`. */
      insertChallenge: (
        c: Omit<ChallengeRow, "purpose"> & { readonly purpose: ChallengePurpose },
        at: string,
        expiresAt: string
      ) =>
        Effect.flatMap(tid, (tenant) =>
          Effect.zipRight(
            sql`DELETE FROM webauthn_challenges WHERE tenant_id = ${tenant} AND expires_at < ${at}`,
            sql`INSERT INTO webauthn_challenges (tenant_id, challenge, purpose, user_id, session_id, rp_id, origin,
                created_at, expires_at)
              VALUES (${tenant}, ${c.challenge}, ${c.purpose}, ${c.user_id}, ${c.session_id}, ${c.rp_id},
                ${c.origin}, ${at}, ${expiresAt})`
          )
        ).pipe(Effect.asVoid, span("insertChallenge")),
      /**
       * Uses an unused, unexpired challenge: its row, or none. The UPDATE is
       * conditional on `used_at IS NULL`, so a challenge answers one ceremony
       * even under concurrency (a replayed assertion finds it used).
       */
      consumeChallenge: (challenge: string, at: string) =>
        Effect.flatMap(tid, (tenant) => consumeQ({ tenant, challenge, at })).pipe(span("consumeChallenge"))
    } as const
  })
}) {}
