/**
 * Accounts tables (issue 18). Tenant-owned: `tenant_id` first in every key,
 * row-level security on Postgres.
 *
 * - `password_reset_tokens` (seed 001): one row per reset link. Only the
 *   SHA-256 of the token is stored; `used_at` makes it single use,
 *   `expires_at` short lived.
 * - `mail_messages`: a rendered mail waiting for (or past) delivery. The
 *   outbox event that asks for it carries only its id; the message itself
 *   (which may hold a token link) is envelope-encrypted and erased once sent.
 * - `email_verification_tokens` (seed 001): like reset tokens, plus the
 *   address being verified.
 * - `email_verifications`: the address each user last verified and when. A
 *   user's address counts as verified while it equals this one, so changing
 *   it (identity's) makes it unverified without accounts touching `users`.
 * - `invitations` (seed 002 "org invites"): one row per invitation. Only
 *   the SHA-256 of the current token is stored (a resend replaces it);
 *   `accepted_at` / `revoked_at` end it, `expires_at` bounds it; `channel`
 *   (0005) says how the link reached the user: `email` or a printed sign-in
 *   `card` (whose acceptance proves no mailbox).
 * - `mfa_email_codes` (seed 002 "MFA by e-mail"): one row per mailed login
 *   code. Only a SHA-256 of the code (salted with the row id) is stored;
 *   `used_at` ends it (use, resend or too many wrong tries), `attempts`
 *   counts wrong tries, `expires_at` bounds it.
 * - `user_phones` (0007, issue 18 SMS; seed 002 "MFA by … SMS"): each
 *   user's own phone number (E.164, normalized) and when it was verified
 *   (null until a texted code confirms it; setting a new number clears it).
 *   Accounts' own, like `email_verifications`: identity's `users` is untouched.
 * - `sms_codes` (0007): one row per texted code, `mfa_email_codes`' rules
 *   (SHA-256 of `<id>:<code>`, `attempts`, `used_at`, `expires_at`) plus
 *   the `purpose` (`phone_verify`, `mfa`, `sign_in`) and the number it was
 *   texted to (a verification code confirms exactly that number).
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ddl, enableTenantRls, type ModuleMigrations } from "../kernel/Migrations.js"

/** Every tenant-owned accounts table (for RLS and tests). */
export const ACCOUNTS_TABLES = [
  "password_reset_tokens",
  "mail_messages",
  "email_verification_tokens",
  "email_verifications",
  "invitations",
  "mfa_email_codes",
  "user_phones",
  "sms_codes"
] as const

/** Accounts module migrations. */
export const accountsMigrations: ModuleMigrations = {
  module: "accounts",
  migrations: {
    "0001_reset_and_mail": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE password_reset_tokens (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        token_hash TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash)
      )`)
      yield* sql.unsafe(`CREATE INDEX password_reset_tokens_user ON password_reset_tokens (tenant_id, user_id)`)
      yield* sql.unsafe(`CREATE TABLE mail_messages (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        kind TEXT NOT NULL,
        content_enc TEXT,
        created_at ${t.ts} NOT NULL,
        sent_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      for (const table of ["password_reset_tokens", "mail_messages"]) yield* enableTenantRls(table)
    }),
    "0002_email_verification": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE email_verification_tokens (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        email TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash)
      )`)
      yield* sql.unsafe(`CREATE INDEX email_verification_tokens_user ON email_verification_tokens (tenant_id, user_id)`)
      yield* sql.unsafe(`CREATE TABLE email_verifications (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        email TEXT NOT NULL,
        verified_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id)
      )`)
      for (const table of ["email_verification_tokens", "email_verifications"]) yield* enableTenantRls(table)
    }),
    "0003_invitations": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE invitations (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        email TEXT NOT NULL,
        user_type TEXT NOT NULL,
        school_id ${t.uuid},
        token_hash TEXT NOT NULL,
        invited_by TEXT,
        sent_count INTEGER NOT NULL,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        accepted_at ${t.ts},
        revoked_at ${t.ts},
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, token_hash)
      )`)
      yield* sql.unsafe(`CREATE INDEX invitations_user ON invitations (tenant_id, user_id)`)
      yield* enableTenantRls("invitations")
    }),
    "0004_mfa_email_codes": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE mfa_email_codes (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        code_hash TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX mfa_email_codes_user ON mfa_email_codes (tenant_id, user_id)`)
      yield* enableTenantRls("mfa_email_codes")
    }),
    "0005_invitation_channel": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`ALTER TABLE invitations ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'`)
    }),
    "0006_email_code_purpose": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // `mfa`: a second factor after a password; `sign_in`: passwordless sign-in.
      // A code is good only for the purpose it was mailed for.
      yield* sql.unsafe(`ALTER TABLE mfa_email_codes ADD COLUMN purpose TEXT NOT NULL DEFAULT 'mfa'`)
    }),
    "0007_phones": Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const t = yield* ddl
      yield* sql.unsafe(`CREATE TABLE user_phones (
        tenant_id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        phone_number TEXT NOT NULL,
        verified_at ${t.ts},
        updated_at ${t.ts} NOT NULL,
        PRIMARY KEY (tenant_id, user_id)
      )`)
      // Passwordless sign-in looks a verified number up.
      yield* sql.unsafe(`CREATE INDEX user_phones_number ON user_phones (tenant_id, phone_number)`)
      yield* sql.unsafe(`CREATE TABLE sms_codes (
        tenant_id ${t.uuid} NOT NULL,
        id ${t.uuid} NOT NULL,
        user_id ${t.uuid} NOT NULL,
        purpose TEXT NOT NULL,
        phone_number TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        created_at ${t.ts} NOT NULL,
        expires_at ${t.ts} NOT NULL,
        used_at ${t.ts},
        PRIMARY KEY (tenant_id, id)
      )`)
      yield* sql.unsafe(`CREATE INDEX sms_codes_user ON sms_codes (tenant_id, user_id)`)
      for (const table of ["user_phones", "sms_codes"]) yield* enableTenantRls(table)
    })
  }
}
