/**
 * Identity domain: tenant users with their subtype data (students,
 * teachers), sessions and tokens (seed 001 "users", "user_sessions";
 * seed 002 JWT structure; seed 004 user types, `RefreshTokenSession`,
 * `identity.proto`; ARCHITECTURE §3).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { TenantId } from "../kernel/Context.js"
import { SessionId, UserId } from "../kernel/Ids.js"
import { strictStruct } from "../tenancy/Domain.js"
import { ActionsRequired } from "./RequiredActions.js"

/** Branded user and session ids: defined in the kernel (every module refers to users); re-exported here. */
export { SessionId, UserId } from "../kernel/Ids.js"

/** Branded API-key id (UUIDv7; seed 001 "api_keys"). */
export const ApiKeyId = Schema.UUID.pipe(Schema.brand("ApiKeyId"), Schema.annotations({ identifier: "ApiKeyId" }))
/** @see ApiKeyId */
export type ApiKeyId = typeof ApiKeyId.Type

/** Branded platform-operator id (UUIDv7; `platform_operators`). */
export const OperatorId = Schema.UUID.pipe(Schema.brand("OperatorId"), Schema.annotations({ identifier: "OperatorId" }))
/** @see OperatorId */
export type OperatorId = typeof OperatorId.Type

/**
 * Branded signing-key id: the JWT header's `kid`, the key's RFC 7638 JWK
 * thumbprint (base64url, not a UUID), so a branded string of at most 128
 * characters.
 */
export const SigningKeyId = Schema.String.pipe(
  Schema.maxLength(128),
  Schema.brand("SigningKeyId"),
  Schema.annotations({ identifier: "SigningKeyId" })
)
/** @see SigningKeyId */
export type SigningKeyId = typeof SigningKeyId.Type

/** User kinds (seed 004): decides the subtype data and default role. */
export const UserType = Schema.Literal("student", "teacher", "admin", "dev").annotations({ identifier: "UserType" })
/** @see UserType */
export type UserType = typeof UserType.Type

/** Account status. `locked` is set by too many failed logins (until `locked_until`) or by an admin. */
export const UserStatus = Schema.Literal("active", "disabled", "locked").annotations({ identifier: "UserStatus" })
/** @see UserStatus */
export type UserStatus = typeof UserStatus.Type

/** An e-mail address (lower-cased on write; unique per tenant, case-insensitive). */
export const Email = Schema.Trim.pipe(
  Schema.maxLength(254),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an e-mail address" }),
  Schema.annotations({ identifier: "Email" })
)

/** A username: 3–64 of letters, digits, `.`, `_`, `-`. */
export const Username = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9._-]{3,64}$/, { message: () => "must be 3–64 letters, digits, '.', '_' or '-'" }),
  Schema.annotations({ identifier: "Username" })
)

/** A display name part. */
const NamePart = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))

/**
 * A password as submitted: 1..1024 characters here; the tenant's policy
 * (length, breached list, not containing the e-mail or username) is checked
 * by the service. Redacted so it never reaches a log.
 */
export const PasswordInput = Schema.Redacted(
  Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024))
).annotations({ identifier: "Password" })

/** A registered device identifier of a student (NFC tag, phone id), 1..200 chars. */
export const DeviceIdentifier = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))

/**
 * A BCP 47 language tag for a user's interface and mails (`fr`, `en-GB`),
 * canonical per `Intl.getCanonicalLocales` (issue 18 "Profiles").
 */
export const Locale = Schema.String.pipe(
  Schema.maxLength(35),
  Schema.filter(
    (tag) => {
      try {
        return Intl.getCanonicalLocales(tag)[0] === tag
      } catch {
        return false
      }
    },
    { message: () => "must be a canonical BCP 47 language tag, e.g. fr or en-GB" }
  ),
  Schema.annotations({ identifier: "Locale", examples: ["fr", "en-GB"] })
)

/** An IANA time zone (`Europe/Paris`), as `Intl` knows it (issue 18 "Profiles"). */
export const TimeZone = Schema.String.pipe(
  Schema.maxLength(64),
  Schema.filter(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz })
        return /^[A-Za-z_+\-0-9/]+$/.test(tz)
      } catch {
        return false
      }
    },
    { message: () => "must be an IANA time zone, e.g. Europe/Paris" }
  ),
  Schema.annotations({ identifier: "TimeZone", examples: ["Europe/Paris"] })
)

/** An `https://` URL of a user's picture, at most 2,048 characters, without credentials. */
export const AvatarUrl = Schema.String.pipe(
  Schema.maxLength(2048),
  Schema.filter(
    (raw) => {
      try {
        const url = new URL(raw)
        return url.protocol === "https:" && url.username === "" && url.password === ""
      } catch {
        return false
      }
    },
    { message: () => "must be an https:// URL without credentials" }
  ),
  Schema.annotations({ identifier: "AvatarUrl" })
)

/** A name a user goes by (1–100 characters, trimmed), shown instead of given and family names. */
export const DisplayName = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100))

/** The profile fields a user may edit themselves when the tenant allows it (setting `profile.self_edit`). */
export const ProfileField = Schema.Literal("display_name", "locale", "time_zone", "avatar_url")
/** @see ProfileField */
export type ProfileField = typeof ProfileField.Type

/**
 * Body of `PATCH /api/v1/tenants/{slug}/me` (issue 18 "Profiles", seed 002
 * "profiles"): a user's own display name, locale, time zone and picture;
 * `null` clears a field. Only the fields the tenant's `profile.self_edit`
 * setting lists may be sent (else 403); names, e-mail and type stay the
 * admins' and the roster's.
 */
export const UpdateMyProfile = strictStruct("UpdateMyProfile", {
  display_name: Schema.optional(Schema.NullOr(DisplayName)),
  locale: Schema.optional(Schema.NullOr(Locale)),
  time_zone: Schema.optional(Schema.NullOr(TimeZone)),
  avatar_url: Schema.optional(Schema.NullOr(AvatarUrl))
})
/** @see UpdateMyProfile */
export type UpdateMyProfile = typeof UpdateMyProfile.Type

/** A tenant user. Secrets (password hash, TOTP seed) never appear here. */
export class User extends Schema.Class<User>("User")({
  id: UserId,
  tenant_id: TenantId,
  email: Schema.String,
  username: Schema.NullOr(Schema.String),
  given_name: Schema.String,
  family_name: Schema.String,
  user_type: UserType,
  status: UserStatus,
  school_id: Schema.NullOr(Schema.String),
  student_number: Schema.NullOr(Schema.String),
  devices: Schema.Array(Schema.String).annotations({
    description:
      "Registered device identifiers (students). Shown to the user themselves and to users:write holders; empty with devices_hidden for other readers"
  }),
  devices_hidden: Schema.optional(Schema.Literal(true)).annotations({
    description: "Present (true) when the caller may not see the device identifiers (issue 15 §4)"
  }),
  mfa_enabled: Schema.Boolean,
  /** The name the user goes by (profile), or null. */
  display_name: Schema.NullOr(Schema.String),
  /** The user's language (BCP 47), or null: the tenant's `general.locale`. */
  locale: Schema.NullOr(Schema.String),
  /** The user's IANA time zone, or null: their school's. */
  time_zone: Schema.NullOr(Schema.String),
  /** An `https://` URL of the user's picture, or null. */
  avatar_url: Schema.NullOr(Schema.String),
  locked_until: Schema.NullOr(Schema.DateTimeUtc),
  last_login_at: Schema.NullOr(Schema.DateTimeUtc),
  created_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** The seed's `UserLite` (identity.proto): what other modules need of a user. */
export class UserLite extends Schema.Class<UserLite>("UserLite")({
  id: UserId,
  school_id: Schema.String,
  email: Schema.String,
  firstname: Schema.String,
  lastname: Schema.String,
  user_type: Schema.String
}) {}

/** Body of `POST /api/v1/tenants/{slug}/users`. */
export const CreateUser = strictStruct("CreateUser", {
  email: Email,
  username: Schema.optional(Username),
  given_name: NamePart,
  family_name: NamePart,
  user_type: UserType,
  password: Schema.optional(PasswordInput),
  school_id: Schema.optional(Schema.UUID),
  student_number: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64))),
  devices: Schema.optional(Schema.Array(DeviceIdentifier).pipe(Schema.maxItems(20)))
})
/** @see CreateUser */
export type CreateUser = typeof CreateUser.Type

/**
 * Body of `PATCH /api/v1/tenants/{slug}/users/{id}`: profile fields only.
 * `user_type`, `status`, `tenant_id` and roles are refused (400), never
 * silently applied.
 */
export const UpdateUser = strictStruct("UpdateUser", {
  email: Schema.optional(Email),
  username: Schema.optional(Schema.NullOr(Username)),
  given_name: Schema.optional(NamePart),
  family_name: Schema.optional(NamePart),
  school_id: Schema.optional(Schema.NullOr(Schema.UUID)),
  student_number: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)))),
  devices: Schema.optional(Schema.Array(DeviceIdentifier).pipe(Schema.maxItems(20))),
  ...UpdateMyProfile.fields
})
/** @see UpdateUser */
export type UpdateUser = typeof UpdateUser.Type

/** Body of `POST …/auth/login`. `login` is an e-mail or a username. */
export const LoginRequest = strictStruct("LoginRequest", {
  login: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(254)),
  password: PasswordInput,
  device_label: Schema.optional(Schema.String.pipe(Schema.maxLength(100)))
})
/** @see LoginRequest */
export type LoginRequest = typeof LoginRequest.Type

/** Tokens issued at login, MFA completion and refresh (OAuth 2.0 field names). */
export class TokenPair extends Schema.Class<TokenPair>("TokenPair")({
  access_token: Schema.String,
  refresh_token: Schema.String,
  token_type: Schema.Literal("Bearer"),
  expires_in: Schema.Number.annotations({ description: "Access token lifetime in seconds" }),
  refresh_expires_in: Schema.Number,
  session_id: SessionId,
  user: User
}) {}

/** Login answer: tokens, an MFA challenge for `…/auth/mfa`, or required actions (`RequiredActions.ts`). */
export const LoginResult = Schema.Union(
  Schema.Struct({ status: Schema.Literal("authenticated"), tokens: TokenPair }),
  Schema.Struct({
    status: Schema.Literal("mfa_required"),
    mfa_token: Schema.String.annotations({ description: "Short-lived challenge token (5 min) for …/auth/mfa" }),
    expires_in: Schema.Number
  }),
  ActionsRequired
)
/** @see LoginResult */
export type LoginResult = typeof LoginResult.Type

/** Body of `POST …/auth/refresh`. */
export const RefreshRequest = strictStruct("RefreshRequest", {
  refresh_token: Schema.String.pipe(Schema.maxLength(200))
})

/** Body of `POST …/me/password`. */
export const ChangePassword = strictStruct("ChangePassword", {
  current_password: PasswordInput,
  new_password: PasswordInput,
  sign_out_other_sessions: Schema.optional(Schema.Boolean).annotations({ description: "Default true" })
})

/**
 * Body of `POST …/users/{id}/password` (admin reset). `temporary: true`
 * (issue 18, Keycloak's temporary passwords) sets the required action
 * `update_password`: the user replaces it at their next password sign-in.
 */
export const ResetPassword = strictStruct("ResetPassword", {
  new_password: PasswordInput,
  temporary: Schema.optional(Schema.Boolean).annotations({
    description: "The user must choose a new password at their next sign-in (default false)"
  })
})

/** A session as shown to its owner. */
export class Session extends Schema.Class<Session>("Session")({
  id: SessionId,
  user_id: UserId,
  device_label: Schema.NullOr(Schema.String),
  user_agent: Schema.NullOr(Schema.String),
  ip: Schema.NullOr(Schema.String),
  created_at: Schema.DateTimeUtc,
  last_seen_at: Schema.DateTimeUtc,
  expires_at: Schema.DateTimeUtc,
  current: Schema.Boolean
}) {}

/** Claims of a verified access token (seed 002 "JWT token structure", ARCHITECTURE §3). */
export class AccessClaims extends Schema.Class<AccessClaims>("AccessClaims")({
  sub: UserId,
  tid: TenantId,
  tenant_slug: Schema.String,
  school_id: Schema.NullOr(Schema.String),
  user_type: UserType,
  roles: Schema.Array(Schema.String),
  sid: SessionId,
  plan: Schema.String,
  iss: Schema.String,
  aud: Schema.String,
  exp: Schema.Number,
  iat: Schema.Number,
  jti: Schema.String,
  mfa_enroll: Schema.optional(Schema.Boolean).annotations({
    description: "Set when tenant policy requires MFA and the user has none: only MFA enrolment is allowed"
  })
}) {}

/** 404 — no user with that id in the caller's tenant. */
export class UserNotFound extends Schema.TaggedError<UserNotFound>()(
  "UserNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such user" })
) {}

/**
 * 401 — the one login failure: unknown user, wrong password, locked or
 * disabled account all answer exactly this (same status, body and timing).
 */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()(
  "InvalidCredentials",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "Login failed" })
) {
  /** The single generic instance. */
  static readonly generic = new InvalidCredentials({ message: "invalid login or password" })
}

/**
 * 403 — the account's e-mail domain signs in only through the tenant's SSO
 * connection `connection` (its `sso_only` flag, issue 19 §2); passwords are
 * refused.
 */
export class SsoRequired extends Schema.TaggedError<SsoRequired>()(
  "SsoRequired",
  { message: Schema.String, connection: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "This account signs in through SSO only" })
) {}

/** A TOTP code: 6 digits. */
export const TotpCode = Schema.String.pipe(Schema.pattern(/^\d{6}$/, { message: () => "must be 6 digits" }))

/** Body of `POST …/auth/mfa` (second login step): a TOTP code or a recovery code. */
export const MfaLoginRequest = strictStruct("MfaLoginRequest", {
  mfa_token: Schema.String.pipe(Schema.maxLength(4096)),
  code: Schema.optional(TotpCode),
  recovery_code: Schema.optional(Schema.String.pipe(Schema.maxLength(40)))
})

/** Answer of `POST …/me/mfa/totp`: the secret to add to an authenticator app. */
export class TotpEnrollment extends Schema.Class<TotpEnrollment>("TotpEnrollment")({
  secret: Schema.String.annotations({
    description: "Base32 secret (enter it manually if the QR code cannot be scanned)"
  }),
  otpauth_uri: Schema.String,
  qr_svg: Schema.String.annotations({ description: "The otpauth URI as an SVG QR code" })
}) {}

/**
 * Body of `POST …/me/mfa/totp` (start TOTP enrolment): the account's current
 * password. A bearer token alone does not bind a new second factor to the
 * account (issue 15 §4; OWASP ASVS V2.8 / V3.7.1 re-authentication before
 * sensitive changes): a stolen access token cannot enrol the thief's
 * authenticator.
 */
export const EnrollTotp = strictStruct("EnrollTotp", { password: PasswordInput })
/** @see EnrollTotp */
export type EnrollTotp = typeof EnrollTotp.Type

/**
 * Answer of an administrator's MFA reset (`DELETE …/users/{id}/mfa`, RPC
 * `ResetUserMfa`): the user's TOTP secret and recovery codes are gone, MFA is
 * off, and `sessions_revoked` sessions of theirs were ended.
 */
export class MfaReset extends Schema.Class<MfaReset>("MfaReset")({
  user_id: UserId,
  sessions_revoked: Schema.Number.annotations({ description: "How many of the user's sessions were revoked" })
}) {}

/** Body of `POST …/me/mfa/totp/confirm` and `POST …/auth/step-up`. */
export const MfaCode = strictStruct("MfaCode", { code: TotpCode })

/** Body of `POST …/me/mfa/disable`: re-authentication. */
export const DisableMfa = strictStruct("DisableMfa", {
  password: PasswordInput,
  code: Schema.optional(TotpCode),
  recovery_code: Schema.optional(Schema.String.pipe(Schema.maxLength(40)))
})

/** A permission string `resource:action`, with `resource:*` and `*:*` wildcards (ARCHITECTURE §3). */
export const PermissionString = Schema.String.pipe(
  Schema.pattern(/^(\*:\*|[a-z][a-z0-9_-]*:(\*|[a-z][a-z0-9_-]*))$/, {
    message: () => "must be resource:action (wildcards resource:* and *:*)"
  }),
  Schema.annotations({ identifier: "Permission" })
)

/** Body of `POST …/api-keys`. */
export const CreateApiKey = strictStruct("CreateApiKey", {
  name: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(100)),
  permissions: Schema.Array(PermissionString).pipe(Schema.minItems(1), Schema.maxItems(100)),
  expires_at: Schema.optional(
    Schema.String.pipe(Schema.filter((s) => !Number.isNaN(Date.parse(s)) || "must be an ISO-8601 instant"))
  )
})
/** @see CreateApiKey */
export type CreateApiKey = typeof CreateApiKey.Type

/** An API key as listed (never its secret). */
export class ApiKey extends Schema.Class<ApiKey>("ApiKey")({
  id: ApiKeyId,
  name: Schema.String,
  prefix: Schema.String,
  permissions: Schema.Array(Schema.String),
  created_by: Schema.NullOr(Schema.String).annotations({
    description: "Who created the key: a user id, or an operator's id for platform keys"
  }),
  created_at: Schema.DateTimeUtc,
  expires_at: Schema.NullOr(Schema.DateTimeUtc),
  last_used_at: Schema.NullOr(Schema.DateTimeUtc),
  revoked_at: Schema.NullOr(Schema.DateTimeUtc),
  active: Schema.Boolean
}) {}

/** Answer of key creation: the key itself is shown this once. */
export class CreatedApiKey extends Schema.Class<CreatedApiKey>("CreatedApiKey")({
  api_key: ApiKey,
  key: Schema.String.annotations({ description: "sg_<prefix>_<secret> — store it now, it is not shown again" })
}) {}

/** 404 — no such (active) API key in the caller's tenant. */
export class ApiKeyNotFound extends Schema.TaggedError<ApiKeyNotFound>()(
  "ApiKeyNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404, description: "No such API key" })
) {}

/** Id of a registered passkey (a `webauthn_credentials` row; not the authenticator's credential id). */
export const PasskeyId = Schema.UUID.pipe(Schema.brand("PasskeyId"), Schema.annotations({ identifier: "PasskeyId" }))
/** @see PasskeyId */
export type PasskeyId = typeof PasskeyId.Type

/** A passkey's display name, 1..64 characters (trimmed). */
export const PasskeyName = Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(64))

/**
 * A registered passkey (WebAuthn Level 3 public-key credential; issue 18
 * "Passkeys"). `credential_id` is the authenticator's credential id
 * (base64url); `backup_eligible` / `backed_up` are the BE / BS flags of its
 * authenticator data (a synced passkey is backed up).
 */
export class Passkey extends Schema.Class<Passkey>("Passkey")({
  id: PasskeyId,
  user_id: UserId,
  name: Schema.String,
  credential_id: Schema.String,
  transports: Schema.Array(Schema.String),
  backup_eligible: Schema.Boolean,
  backed_up: Schema.Boolean,
  created_at: Schema.DateTimeUtc,
  last_used_at: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** base64url text of at most `max` characters (WebAuthn JSON serialisation of binary fields). */
const Base64Url = (max: number) =>
  Schema.String.pipe(
    Schema.maxLength(max),
    Schema.pattern(/^[A-Za-z0-9_-]*={0,2}$/, { message: () => "must be base64url" })
  )

/**
 * A WebAuthn credential as the browser serialises it (`PublicKeyCredential.toJSON()`,
 * WebAuthn Level 3 §5.1): the registration (`attestationObject`) or the
 * assertion (`authenticatorData`, `signature`, `userHandle`) fields. Sizes are
 * bounded; unknown members are ignored.
 */
export const WebAuthnCredential = Schema.Struct({
  id: Base64Url(1366),
  rawId: Base64Url(1366),
  type: Schema.Literal("public-key"),
  authenticatorAttachment: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(32)))),
  clientExtensionResults: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
    default: () => ({})
  }),
  response: Schema.Struct({
    clientDataJSON: Base64Url(8192),
    attestationObject: Schema.optional(Base64Url(32768)),
    authenticatorData: Schema.optional(Base64Url(8192)),
    signature: Schema.optional(Base64Url(2048)),
    userHandle: Schema.optional(Schema.NullOr(Base64Url(128))),
    transports: Schema.optional(Schema.Array(Schema.String.pipe(Schema.maxLength(32))).pipe(Schema.maxItems(10))),
    publicKeyAlgorithm: Schema.optional(Schema.Number),
    publicKey: Schema.optional(Base64Url(8192))
  }).annotations({ parseOptions: { onExcessProperty: "ignore" } })
}).annotations({ identifier: "WebAuthnCredential", parseOptions: { onExcessProperty: "ignore" } })
/** @see WebAuthnCredential */
export type WebAuthnCredential = typeof WebAuthnCredential.Type

/**
 * WebAuthn options for `navigator.credentials.create()` / `.get()` in their
 * JSON form (`PublicKeyCredentialCreationOptionsJSON` /
 * `PublicKeyCredentialRequestOptionsJSON`, WebAuthn Level 3 §5.4, §5.5): pass
 * `options` to `PublicKeyCredential.parse…OptionsFromJSON` or to
 * `@simplewebauthn/browser`. The challenge is single use and expires after
 * `expires_in` seconds.
 */
export class PasskeyOptions extends Schema.Class<PasskeyOptions>("PasskeyOptions")({
  options: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  expires_in: Schema.Number
}) {}

/**
 * Body of `POST …/me/passkeys/options` (start registering a passkey):
 * re-authentication — the account's password, or none when the session has
 * an MFA verification within `auth.step_up_minutes` (a passkey sign-in or a
 * step-up counts).
 */
export const PasskeyRegistrationStart = strictStruct("PasskeyRegistrationStart", {
  password: Schema.optional(PasswordInput)
})

/** Body of `POST …/me/passkeys`: the authenticator's answer and a name for it. */
export const PasskeyRegistration = strictStruct("PasskeyRegistration", {
  credential: WebAuthnCredential,
  name: Schema.optional(PasskeyName)
})

/**
 * Body of `POST …/auth/actions/passkey` (the required action
 * `configure_mfa` met with a passkey, issue 18): the sign-in's action
 * token, the authenticator's answer to `…/auth/actions/passkey/options`
 * and a name for it.
 */
export const ActionPasskeyRegistration = strictStruct("ActionPasskeyRegistration", {
  action_token: Schema.String.pipe(Schema.maxLength(4096)),
  credential: WebAuthnCredential,
  name: Schema.optional(PasskeyName)
})

/** Body of `PATCH …/me/passkeys/{id}`. */
export const PasskeyRename = strictStruct("PasskeyRename", { name: PasskeyName })

/**
 * Body of `POST …/auth/passkey/options`: without `mfa_token`, options for a
 * passwordless sign-in (discoverable credentials, no `allowCredentials`);
 * with the login's MFA challenge token, options for the second login step
 * (the user's own passkeys).
 */
export const PasskeySignInStart = strictStruct("PasskeySignInStart", {
  mfa_token: Schema.optional(Schema.String.pipe(Schema.maxLength(4096)))
})

/** Body of `POST …/auth/passkey`: the assertion, and the MFA challenge token when it is the second login step. */
export const PasskeySignIn = strictStruct("PasskeySignIn", {
  credential: WebAuthnCredential,
  mfa_token: Schema.optional(Schema.String.pipe(Schema.maxLength(4096))),
  device_label: Schema.optional(Schema.String.pipe(Schema.maxLength(100)))
})

/** Body of `POST …/auth/step-up/passkey`: an assertion answering a step-up challenge. */
export const PasskeyAssertion = strictStruct("PasskeyAssertion", { credential: WebAuthnCredential })

/** A user's passkey that does not exist in the tenant (also another user's or tenant's): 404. */
export class PasskeyNotFound extends Schema.TaggedError<PasskeyNotFound>()(
  "PasskeyNotFound",
  { message: Schema.String, id: Schema.String },
  HttpApiSchema.annotations({ status: 404 })
) {}
