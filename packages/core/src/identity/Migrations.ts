/**
 * Identity tables. Tenant-owned (RLS): `users`, `student_devices`,
 * `user_sessions`, `refresh_tokens`, `webauthn_credentials`, `webauthn_challenges`,
 * `user_required_actions` (0008). On Postgres, `signet_session_state` (0009:
 * the token check's read in one statement). Platform-level: `signing_keys` (global
 * keys have no tenant; optional per-tenant keys carry one). `users` carries
 * the profile (0007: display name, locale, time zone, avatar URL).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Identity module migrations. */
export const identityMigrations: ModuleMigrations = {
  module: "identity",
  migrations: {
    "0001_users_sessions_keys": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE users (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        email TEXT NOT NULL,
        email_normalized TEXT NOT NULL,
        username TEXT,
        username_normalized TEXT,
        given_name TEXT NOT NULL,
        family_name TEXT NOT NULL,
        user_type TEXT NOT NULL CHECK (user_type IN ('student', 'teacher', 'admin', 'dev')),
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'locked')),
        school_id ${t.uuid},
        student_number TEXT,
        password_hash TEXT,
        password_changed_at ${t.ts},
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until ${t.ts},
        mfa_enabled ${t.bool} NOT NULL DEFAULT ${t.pg ? "false" : "0"},
        mfa_secret_enc TEXT,
        mfa_last_step ${t.bigint},
        mfa_enrolled_at ${t.ts},
        last_login_at ${t.ts},
        created_at ${t.ts} NOT NULL,
        updated_at ${t.ts} NOT NULL,
        deleted_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX users_email_key ON users (tenant_id, email_normalized) WHERE deleted_at IS NULL`
      )
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX users_username_key ON users (tenant_id, username_normalized) WHERE deleted_at IS NULL AND username_normalized IS NOT NULL`
      )
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX users_student_number_key ON users (tenant_id, student_number) WHERE deleted_at IS NULL AND student_number IS NOT NULL`
      )
      yield* sql.unsafe(`CREATE TABLE student_devices (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        device_identifier TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id, device_identifier),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE TABLE user_sessions (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        device_label TEXT,
        user_agent TEXT,
        ip TEXT,
        created_at ${t.ts} NOT NULL,
        last_seen_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        mfa_verified_at ${t.ts},
        revoked_at ${t.ts},
        revoked_reason TEXT,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX user_sessions_user ON user_sessions (tenant_id, user_id)`)
      yield* sql.unsafe(`CREATE TABLE refresh_tokens (
        tenant_id ${t.uuid} NOT NULL,
        token_hash TEXT NOT NULL,
        session_id ${t.uuid} NOT NULL,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        PRIMARY KEY (tenant_id, token_hash),
        FOREIGN KEY (tenant_id, session_id) REFERENCES user_sessions (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX refresh_tokens_session ON refresh_tokens (tenant_id, session_id)`)
      yield* sql.unsafe(`CREATE TABLE signing_keys (
        kid TEXT NOT NULL PRIMARY KEY,
        tenant_id ${t.uuid},
        alg TEXT NOT NULL,
        public_jwk ${t.json} NOT NULL,
        private_key_enc TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        retire_after ${t.ts}
      )`)
      for (const table of ["users", "student_devices", "user_sessions", "refresh_tokens"]) yield* enableTenantRls(table)
    }),
    "0002_mfa_recovery_codes": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE mfa_recovery_codes (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        code_hash TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        PRIMARY KEY (tenant_id, user_id, code_hash),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
      )`)
      yield* enableTenantRls("mfa_recovery_codes")
    }),
    "0003_api_keys": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE api_keys (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        name TEXT NOT NULL,
        prefix TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        permissions ${t.json} NOT NULL,
        created_by TEXT,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts},
        last_used_at ${t.ts},
        revoked_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, prefix)
      )`)
      yield* enableTenantRls("api_keys")
    }),
    "0004_platform_operators": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // Platform-level: operators belong to no tenant (no RLS).
      yield* sql.unsafe(`CREATE TABLE platform_operators (
        id ${t.uuid} NOT NULL PRIMARY KEY,
        email TEXT NOT NULL,
        email_normalized TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active',
        password_hash TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until ${t.ts},
        created_at ${t.ts} NOT NULL,
        last_login_at ${t.ts}
      )`)
    }),
    "0005_user_source_id": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // OneRoster sourcedId of imported users: re-imports upsert by it.
      yield* sql.unsafe(`ALTER TABLE users ADD COLUMN source_id TEXT`)
      yield* sql.unsafe(
        `CREATE UNIQUE INDEX users_source_key ON users (tenant_id, source_id) WHERE source_id IS NOT NULL`
      )
    }),
    "0006_webauthn": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // Passkeys (issue 18): one row per registered WebAuthn credential. The
      // credential id is unique per tenant (a passwordless sign-in resolves the
      // user by it); the public key is the authenticator's COSE key (not secret).
      yield* sql.unsafe(`CREATE TABLE webauthn_credentials (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        credential_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        counter ${t.bigint} NOT NULL DEFAULT 0,
        transports TEXT NOT NULL DEFAULT '[]',
        backup_eligible ${t.bool} NOT NULL,
        backed_up ${t.bool} NOT NULL,
        rp_id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        last_used_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, credential_id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`)
      yield* sql.unsafe(`CREATE INDEX webauthn_credentials_user ON webauthn_credentials (tenant_id, user_id)`)
      yield* enableTenantRls("webauthn_credentials")
      // Ceremony challenges: server-side, single use (used_at), 5 minutes, bound
      // to the tenant, the purpose, the user (except passwordless sign-in), the
      // session (step-up) and the origin / RP ID the options named.
      yield* sql.unsafe(`CREATE TABLE webauthn_challenges (
        tenant_id ${t.uuid} NOT NULL,
        challenge TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('register', 'sign_in', 'mfa', 'step_up')),
        user_id ${t.uuid},
        session_id ${t.uuid},
        rp_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        PRIMARY KEY (tenant_id, challenge)
      )`)
      yield* sql.unsafe(`CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (tenant_id, expires_at)`)
      yield* enableTenantRls("webauthn_challenges")
    }),
    "0007_user_profiles": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // Issue 18 "Profiles" (seed 002): what a user may edit about themselves.
      for (const column of ["display_name", "locale", "time_zone", "avatar_url"])
        yield* sql.unsafe(`ALTER TABLE users ADD COLUMN ${column} TEXT`)
    }),
    "0008_required_actions": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      // Issue 18 required actions (Keycloak's VERIFY_EMAIL, UPDATE_PASSWORD,
      // CONFIGURE_TOTP): the actions an administrator set on a user, enforced
      // at their next sign-in. Tenant-policy actions are derived, not stored.
      yield* sql.unsafe(`CREATE TABLE user_required_actions (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('verify_email', 'update_password', 'configure_mfa')),
        created_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id, action),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`)
      yield* enableTenantRls("user_required_actions")
    }),
    "0009_session_state_function": Effect.flatMap(SqlClient.SqlClient, (sql) =>
      // Issue 23: the token check of every authenticated request reads the
      // session and its user. On Postgres this function binds the tenant for
      // row-level security and reads in one statement, one round trip, in
      // the statement's own implicit transaction (`is_local` dies with it) —
      // where a tenant transaction costs BEGIN + set_config, the read and
      // COMMIT. SECURITY INVOKER (the default): the policies apply as for
      // the application role's own statements.
      sql.onDialectOrElse({
        pg: () =>
          sql
            .unsafe(`CREATE FUNCTION signet_session_state(p_tenant UUID, p_session UUID, p_user UUID)
            RETURNS TABLE (status TEXT, revoked_at TIMESTAMPTZ, expires_at TIMESTAMPTZ)
            LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
              PERFORM set_config('app.tenant_id', p_tenant::text, true);
              RETURN QUERY SELECT u.status, s.revoked_at, s.expires_at
                FROM user_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
                WHERE s.tenant_id = p_tenant AND s.id = p_session AND u.id = p_user AND u.deleted_at IS NULL;
            END $$`)
            .pipe(Effect.asVoid),
        orElse: () => Effect.void
      })
    )
  }
}
