/**
 * Sign-in refusals of the tenant-wide "SSO only" policy (issue 19 §2),
 * beside identity's `Domain.ts` (kept under the file size limit).
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/**
 * 403 — the tenant signs in through SSO only (its tenant-wide policy,
 * `PUT …/sso/policy`, issue 19 §2) and this account is not one of its
 * break-glass accounts: passwords, e-mail codes and passkeys are refused;
 * sign in through one of the tenant's SSO connections.
 */
export class TenantSsoRequired extends Schema.TaggedError<TenantSsoRequired>()(
  "TenantSsoRequired",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 403, description: "The tenant signs in through SSO only" })
) {
  /** The single instance. */
  static readonly instance = new TenantSsoRequired({
    message: "this tenant signs in through SSO only; use your organisation's sign-in"
  })
}
