/**
 * Integrations tables (issue 21 §1), all tenant-owned with row-level
 * security on Postgres:
 *
 * - `webhook_endpoints`: a tenant's endpoints — URL, event-type filter
 *   (JSON array), description, enabled flag, the signing secret
 *   (envelope-encrypted, {@link webhookSecretColumn}) and the previous one
 *   while its overlap lasts ({@link webhookPreviousSecretColumn}).
 * - `webhook_deliveries`: one event (or ping) to one endpoint, unique per
 *   (endpoint, event) so a redelivered event enqueues nothing new; the
 *   payload is stored so every retry sends the same bytes.
 * - `webhook_attempts`: the delivery log, one row per HTTP attempt.
 * - `broker_relay` (issue 21 §2): the broker relay's per-event sent marker —
 *   one row per event handed to the relay (its CloudEvent JSON), marked
 *   `relayed_at` once the broker acknowledged it. Infrastructure like the
 *   outbox: `tenant_id` for filtering, no row-level security.
 * - `platform_credentials`, `oauth_bindings`, `oauth_binding_states`
 *   (issue 21 §4, seed 000 `platform_credential` / `oauth_binding`): a
 *   tenant's client at each outside OAuth provider (secret
 *   envelope-encrypted, {@link platformCredentialSecretColumn}), each user's
 *   tokens there (envelope-encrypted, {@link oauthAccessTokenColumn},
 *   {@link oauthRefreshTokenColumn}), and the pending authorization
 *   requests (state hashed, PKCE verifier encrypted, ten minutes, single use).
 * - `sso_connections` (issue 19 §2): a tenant's connections to outside
 *   OpenID Connect IdPs for its users' sign-in — issuer, client (secret
 *   envelope-encrypted, {@link ssoClientSecretColumn}), scopes, e-mail
 *   domains (JSON array), provisioning mode and the `sso_only` flag;
 * - `sso_connections.attribute_mapping` (0008): which IdP claims set a
 *   person's user type, school and roles (JSON, null when none);
 * - `sso_connections.protocol`, `saml_sso_url`, `saml_certificates` (0007):
 *   SAML 2.0 connections (the IdP's entity ID in `issuer`, its signing
 *   certificates as a JSON array of PEM);
 * - `sso_sign_in_states` and `sso_identities` (0006): started sign-ins
 *   (hashed state, encrypted PKCE verifier, nonce; ten minutes) and the link
 *   from an IdP's subject to a Signet user.
 * - `sso_policies` and `sso_break_glass` (0009): the tenant-wide "SSO
 *   only" policy (one row per tenant, absent: off) and the break-glass
 *   accounts exempt from it (user ids, who marked them and when).
 * - `sso_connections.saml_sp_certificate`, `saml_require_encrypted` (0010):
 *   Signet's encryption certificate of a SAML connection (PEM; its private
 *   key is the connection's envelope-encrypted secret,
 *   {@link ssoClientSecretColumn}) and whether only encrypted assertions
 *   are accepted.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { EncryptedColumn } from "../kernel/KeyRotation.js"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Every integrations table (for RLS and tests). */
export const INTEGRATIONS_TABLES = ["webhook_endpoints", "webhook_deliveries", "webhook_attempts"] as const

/** The AAD of an endpoint's secret ciphertext. */
export const secretAad = (tenant: string, id: string) => `tenant:${tenant}:webhook_endpoints:${id}:secret`

/** The envelope-encrypted signing secret of each endpoint (master-key rotation re-wraps it). */
export const webhookSecretColumn: EncryptedColumn = {
  table: "webhook_endpoints",
  keyColumns: ["tenant_id", "id"],
  column: "secret_enc",
  aad: (row) => secretAad(String(row.tenant_id), String(row.id))
}

/** The previous secret of an endpoint during a rotation's overlap (same AAD as the current one). */
export const webhookPreviousSecretColumn: EncryptedColumn = {
  table: "webhook_endpoints",
  keyColumns: ["tenant_id", "id"],
  column: "previous_secret_enc",
  aad: (row) => secretAad(String(row.tenant_id), String(row.id))
}

/** The OAuth bindings' tables (issue 21 §4), tenant-owned with row-level security. */
export const OAUTH_TABLES = ["platform_credentials", "oauth_bindings", "oauth_binding_states"] as const

/** A provider credential's client secret (AAD: tenant, table, provider). */
export const platformCredentialSecretColumn: EncryptedColumn = {
  table: "platform_credentials",
  keyColumns: ["tenant_id", "provider"],
  column: "client_secret_enc",
  aad: (row) => `tenant:${String(row.tenant_id)}:platform_credentials:${String(row.provider)}:client_secret`
}

const bindingAad = (what: string) => (row: Record<string, unknown>) =>
  `tenant:${String(row.tenant_id)}:oauth_bindings:${String(row.user_id)}:${String(row.provider)}:${what}`

/** A binding's access token (seed 000 `access_token_encrypted`). */
export const oauthAccessTokenColumn: EncryptedColumn = {
  table: "oauth_bindings",
  keyColumns: ["tenant_id", "user_id", "provider"],
  column: "access_token_enc",
  aad: bindingAad("access_token")
}

/** A binding's refresh token (seed 000 `refresh_token_encrypted`). */
export const oauthRefreshTokenColumn: EncryptedColumn = {
  table: "oauth_bindings",
  keyColumns: ["tenant_id", "user_id", "provider"],
  column: "refresh_token_enc",
  aad: bindingAad("refresh_token")
}

/** A pending binding's PKCE code verifier (lives ten minutes). */
export const oauthVerifierColumn: EncryptedColumn = {
  table: "oauth_binding_states",
  keyColumns: ["tenant_id", "state_hash"],
  column: "verifier_enc",
  aad: (row) => `tenant:${String(row.tenant_id)}:oauth_binding_states:${String(row.state_hash)}:verifier`
}

/** The SSO tables (issue 19 §2), tenant-owned with row-level security. */
export const SSO_TABLES = [
  "sso_connections",
  "sso_sign_in_states",
  "sso_identities",
  "sso_policies",
  "sso_break_glass"
] as const

/** An SSO connection's client secret (AAD: tenant, table, connection name). */
export const ssoClientSecretColumn: EncryptedColumn = {
  table: "sso_connections",
  keyColumns: ["tenant_id", "name"],
  column: "client_secret_enc",
  aad: (row) => `tenant:${String(row.tenant_id)}:sso_connections:${String(row.name)}:client_secret`
}

/** A started SSO sign-in's PKCE code verifier (lives ten minutes). */
export const ssoVerifierColumn: EncryptedColumn = {
  table: "sso_sign_in_states",
  keyColumns: ["tenant_id", "state_hash"],
  column: "verifier_enc",
  aad: (row) => `tenant:${String(row.tenant_id)}:sso_sign_in_states:${String(row.state_hash)}:verifier`
}

/**
 * `webhook_due` (issue 23: idle cost per tenant): which tenants may have a
 * webhook delivery due, and from when — a platform table (no row-level
 * security: a tenant id and a time), kept by triggers on
 * `webhook_deliveries` (a pending delivery with a next attempt lowers
 * `due_at` to it) and `webhook_endpoints` (an endpoint enabled again makes
 * its tenant due at once). Every trigger write increments `version`, so the
 * delivery job's settle (`IntegrationsRepo.settleDue`) never overwrites a
 * change it did not see. The delivery job visits the tenants this table
 * names instead of every tenant each second. Backfilled with every tenant
 * due, so the first round visits each once.
 */
const webhookDueMigration = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const t = yield* ddl
  yield* sql.unsafe(`CREATE TABLE webhook_due (
    tenant_id ${t.uuid} NOT NULL PRIMARY KEY,
    due_at ${t.ts} NOT NULL,
    version ${t.bigint} NOT NULL DEFAULT 0
  )`)
  yield* sql.unsafe(`CREATE INDEX webhook_due_at ON webhook_due (due_at)`)
  const epoch = "1970-01-01T00:00:00.000Z"
  if (t.pg) {
    yield* sql.unsafe(`CREATE FUNCTION signet_webhook_due_bump() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'webhook_endpoints' THEN
          INSERT INTO webhook_due (tenant_id, due_at, version) VALUES (NEW.tenant_id, '${epoch}', 1)
            ON CONFLICT (tenant_id) DO UPDATE SET due_at = '${epoch}', version = webhook_due.version + 1;
        ELSIF NEW.status = 'pending' AND NEW.next_attempt_at IS NOT NULL THEN
          INSERT INTO webhook_due (tenant_id, due_at, version) VALUES (NEW.tenant_id, NEW.next_attempt_at, 1)
            ON CONFLICT (tenant_id) DO UPDATE
              SET due_at = LEAST(webhook_due.due_at, EXCLUDED.due_at), version = webhook_due.version + 1;
        END IF;
        RETURN NULL;
      END $$`)
    yield* sql.unsafe(`CREATE TRIGGER webhook_deliveries_due AFTER INSERT OR UPDATE ON webhook_deliveries
      FOR EACH ROW EXECUTE FUNCTION signet_webhook_due_bump()`)
    yield* sql.unsafe(`CREATE TRIGGER webhook_endpoints_due AFTER UPDATE OF enabled ON webhook_endpoints
      FOR EACH ROW WHEN (NEW.enabled AND NOT OLD.enabled) EXECUTE FUNCTION signet_webhook_due_bump()`)
  } else {
    const bump = `INSERT INTO webhook_due (tenant_id, due_at, version) VALUES (NEW.tenant_id, NEW.next_attempt_at, 1)
        ON CONFLICT (tenant_id) DO UPDATE
          SET due_at = min(webhook_due.due_at, excluded.due_at), version = webhook_due.version + 1;`
    for (const event of ["INSERT", "UPDATE"])
      yield* sql.unsafe(`CREATE TRIGGER webhook_deliveries_due_${event.toLowerCase()} AFTER ${event} ON webhook_deliveries
        FOR EACH ROW WHEN NEW.status = 'pending' AND NEW.next_attempt_at IS NOT NULL
        BEGIN ${bump} END`)
    yield* sql.unsafe(`CREATE TRIGGER webhook_endpoints_due AFTER UPDATE OF enabled ON webhook_endpoints
      FOR EACH ROW WHEN NEW.enabled AND NOT OLD.enabled
      BEGIN
        INSERT INTO webhook_due (tenant_id, due_at, version) VALUES (NEW.tenant_id, '${epoch}', 1)
          ON CONFLICT (tenant_id) DO UPDATE SET due_at = '${epoch}', version = webhook_due.version + 1;
      END`)
  }
  yield* sql.unsafe(`INSERT INTO webhook_due (tenant_id, due_at, version) SELECT id, '${epoch}', 0 FROM tenants`)
})

/** Integrations module migrations. */
export const integrationsMigrations: ModuleMigrations = {
  module: "integrations",
  migrations: {
    "0001_webhooks": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE webhook_endpoints (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        url TEXT NOT NULL,
        description TEXT,
        event_types ${t.json} NOT NULL,
        enabled ${t.bool} NOT NULL,
        disabled_reason TEXT,
        secret_enc TEXT NOT NULL,
        previous_secret_enc TEXT,
        previous_secret_until ${t.ts},
        secret_rotated_at ${t.ts} NOT NULL,
        last_success_at ${t.ts},
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE TABLE webhook_deliveries (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        endpoint_id ${t.uuid} NOT NULL,
        event_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at ${t.ts},
        last_status_code INTEGER,
        last_error TEXT,
        created_at ${t.ts} NOT NULL,
        delivered_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, endpoint_id, event_id),
        FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(
        `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant_id, status, next_attempt_at)`
      )
      yield* sql.unsafe(`CREATE TABLE webhook_attempts (
        tenant_id ${t.uuid} NOT NULL,
        delivery_id ${t.uuid} NOT NULL,
        attempt INTEGER NOT NULL,
        at ${t.ts} NOT NULL,
        status_code INTEGER,
        latency_ms INTEGER NOT NULL,
        response_excerpt TEXT,
        error TEXT,
        PRIMARY KEY (tenant_id, delivery_id, attempt),
        FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
      )`)
      for (const table of INTEGRATIONS_TABLES) yield* enableTenantRls(table)
    }),
    "0002_broker_relay": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE broker_relay (
        event_id ${t.uuid} NOT NULL PRIMARY KEY,
        tenant_id ${t.uuid},
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        next_attempt_at ${t.ts} NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        relayed_at ${t.ts}
      )`)
      yield* sql.unsafe(
        `CREATE INDEX broker_relay_pending ON broker_relay (created_at, event_id) WHERE relayed_at IS NULL`
      )
      yield* sql.unsafe(`CREATE INDEX broker_relay_relayed ON broker_relay (relayed_at) WHERE relayed_at IS NOT NULL`)
    }),
    "0003_webhook_ordered": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // Issue 21 §1 "ordered per endpoint where asked": existing endpoints stay unordered.
      yield* sql.unsafe(
        `ALTER TABLE webhook_endpoints ADD COLUMN ordered ${t.bool} NOT NULL DEFAULT ${t.pg ? "FALSE" : "0"}`
      )
    }),
    "0004_oauth_bindings": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE platform_credentials (
        tenant_id ${t.uuid} NOT NULL,
        provider TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_secret_enc TEXT NOT NULL,
        scopes ${t.json} NOT NULL,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, provider)
      )`)
      yield* sql.unsafe(`CREATE TABLE oauth_bindings (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        provider TEXT NOT NULL,
        subject TEXT,
        scopes ${t.json} NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'refresh_failed')),
        access_token_enc TEXT NOT NULL,
        refresh_token_enc TEXT,
        expires_at ${t.ts},
        created_at ${t.ts} NOT NULL,
        refreshed_at ${t.ts},
        PRIMARY KEY (tenant_id, user_id, provider),
        FOREIGN KEY (tenant_id, provider) REFERENCES platform_credentials (tenant_id, provider) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE INDEX oauth_bindings_due ON oauth_bindings (tenant_id, status, expires_at)`)
      yield* sql.unsafe(`CREATE TABLE oauth_binding_states (
        tenant_id ${t.uuid} NOT NULL,
        state_hash TEXT NOT NULL,
        user_id ${t.uuid} NOT NULL,
        provider TEXT NOT NULL,
        verifier_enc TEXT NOT NULL,
        nonce TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        expires_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, state_hash),
        FOREIGN KEY (tenant_id, provider) REFERENCES platform_credentials (tenant_id, provider) ON DELETE CASCADE
      )`)
      for (const table of OAUTH_TABLES) yield* enableTenantRls(table)
    }),
    "0005_sso_connections": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // `domains` is a JSON array; discovery and the sso_only check scan the (at most 20) rows of a tenant.
      yield* sql.unsafe(`CREATE TABLE sso_connections (
        tenant_id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_secret_enc TEXT NOT NULL,
        scopes ${t.json} NOT NULL,
        domains ${t.json} NOT NULL,
        provisioning TEXT NOT NULL CHECK (provisioning IN ('jit', 'link_only')),
        default_user_type TEXT NOT NULL CHECK (default_user_type IN ('student', 'teacher', 'admin', 'dev')),
        sso_only ${t.bool} NOT NULL,
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, name)
      )`)
      yield* enableTenantRls("sso_connections")
    }),
    "0006_sso_sign_in": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // A started sign-in: the state (SHA-256), the PKCE verifier (encrypted), the nonce.
      yield* sql.unsafe(`CREATE TABLE sso_sign_in_states (
        tenant_id ${t.uuid} NOT NULL,
        state_hash TEXT NOT NULL,
        connection TEXT NOT NULL,
        verifier_enc TEXT NOT NULL,
        nonce TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        return_to TEXT,
        expires_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, state_hash),
        FOREIGN KEY (tenant_id, connection) REFERENCES sso_connections (tenant_id, name) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE INDEX sso_sign_in_states_expiry ON sso_sign_in_states (tenant_id, expires_at)`)
      // Who an IdP's subject is in Signet (OpenID Connect Core §5.7: iss + sub identify the person).
      yield* sql.unsafe(`CREATE TABLE sso_identities (
        tenant_id ${t.uuid} NOT NULL,
        connection TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id ${t.uuid} NOT NULL,
        created_at ${t.ts} NOT NULL,
        last_login_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, connection, subject),
        FOREIGN KEY (tenant_id, connection) REFERENCES sso_connections (tenant_id, name) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE INDEX sso_identities_user ON sso_identities (tenant_id, user_id)`)
      yield* enableTenantRls("sso_sign_in_states")
      yield* enableTenantRls("sso_identities")
    }),
    "0007_sso_saml": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // SAML 2.0 connections beside OIDC ones: `issuer` holds the IdP's entity ID.
      yield* sql.unsafe(
        `ALTER TABLE sso_connections ADD COLUMN protocol TEXT NOT NULL DEFAULT 'oidc' CHECK (protocol IN ('oidc', 'saml'))`
      )
      yield* sql.unsafe(`ALTER TABLE sso_connections ADD COLUMN saml_sso_url TEXT`)
      yield* sql.unsafe(`ALTER TABLE sso_connections ADD COLUMN saml_certificates ${t.json} NOT NULL DEFAULT '[]'`)
    }),
    "0008_sso_attribute_mapping": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // Which IdP claims set a person's user type, school and roles (JSON; null: none).
      yield* sql.unsafe(`ALTER TABLE sso_connections ADD COLUMN attribute_mapping ${t.json}`)
    }),
    "0009_sso_policy": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // The tenant-wide "SSO only" policy (issue 19 §2); no row: off.
      yield* sql.unsafe(`CREATE TABLE sso_policies (
        tenant_id ${t.uuid} NOT NULL,
        sso_only ${t.bool} NOT NULL,
        updated_by TEXT,
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id)
      )`)
      // The accounts exempt from it (a user of identity, by id only: ARCHITECTURE §1).
      yield* sql.unsafe(`CREATE TABLE sso_break_glass (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        marked_by TEXT,
        marked_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id)
      )`)
      yield* enableTenantRls("sso_policies")
      yield* enableTenantRls("sso_break_glass")
    }),
    "0010_saml_encryption": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // Encrypted SAML assertions (issue 19 §2): Signet's encryption certificate per SAML
      // connection (the private key is the connection's encrypted secret) and whether a
      // plain assertion is refused.
      yield* sql.unsafe(`ALTER TABLE sso_connections ADD COLUMN saml_sp_certificate TEXT`)
      yield* sql.unsafe(
        `ALTER TABLE sso_connections ADD COLUMN saml_require_encrypted ${t.bool} NOT NULL DEFAULT ${t.pg ? "FALSE" : "0"}`
      )
    }),
    "0011_webhook_due": webhookDueMigration,
    "0012_enabled_endpoints_function": Effect.flatMap(SqlClient.SqlClient, (sql) =>
      // Issue 23: the outbox subscriber looks for a tenant's enabled endpoints in every batch of
      // events, and most tenants have none. On Postgres this function binds the tenant for
      // row-level security and answers in one statement, in its own implicit transaction
      // (`is_local` dies with it), where a tenant transaction costs BEGIN + set_config, the
      // read and COMMIT. SECURITY INVOKER (the default): the policies apply as usual.
      sql.onDialectOrElse({
        pg: () =>
          sql
            .unsafe(`CREATE FUNCTION signet_has_enabled_endpoints(p_tenant UUID) RETURNS BOOLEAN
            LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
              PERFORM set_config('app.tenant_id', p_tenant::text, true);
              RETURN EXISTS (SELECT 1 FROM webhook_endpoints WHERE tenant_id = p_tenant AND enabled);
            END $$`)
            .pipe(Effect.asVoid),
        orElse: () => Effect.void
      })
    )
  }
}
