/**
 * RPC contract of the accounts module (issue 18 "REST, RPC, SDK and CLI for
 * all of it"): `AccountsCommand`, the administration of invitations, with
 * the same payloads, results and tagged errors as the REST `invitations`
 * group (`Api.ts`). The tenant is the one the caller authenticated for
 * (`RpcTenantAuth`), never an argument. Accepting an invitation stays on
 * REST: it is unauthenticated, by the mailed link.
 *
 * `AccountsAuthService`: the e-mail code steps of a sign-in, unauthenticated
 * like `AuthService.Login` (the tenant is an argument; the login's
 * `mfa_token`, or the mailed code, is the credential).
 *
 * @module
 */

import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { AcademicsNotFound } from "../academics/Domain.js"
import { LoginResult, SsoRequired, TokenPair } from "../identity/Domain.js"
import { SignInActionsRequired } from "../identity/RequiredActions.js"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { TenantSsoRequired } from "../identity/SignInErrors.js"
import {
  Conflict,
  Forbidden,
  NotFound,
  QuotaExceeded,
  RateLimited,
  Unauthorized,
  ValidationError
} from "../kernel/Errors.js"
import { TenantNotFound, TenantSuspended } from "../tenancy/Domain.js"
import {
  EmailCodeSignInDisabled,
  EmailCodeSignInRequest,
  EmailCodeSignInVerify,
  EmailVerificationRequested,
  MfaEmailCodeRequest,
  MfaEmailCodeSent,
  MfaEmailCodesDisabled,
  MfaEmailCodeVerify
} from "./Domain.js"
import {
  BulkInvite,
  BulkInviteSummary,
  CreateInvitation,
  Invitation,
  InvitationStatus,
  SignInCards,
  SignInCardsDocument
} from "./Invitations.js"

/** Errors every invitation procedure can answer (tenant and credential errors come from the middleware). */
const Base = [Forbidden, ValidationError, NotFound, RateLimited] as const

/**
 * Invitation procedures: `CreateInvitation`, `BulkInvite`, `SignInCards`,
 * `RevokeInvitation`, `ResendInvitation` need `users:write`;
 * `ListInvitations` needs `users:read`. `SignInCards` answers the printable
 * cards PDF with the counts ({@link SignInCardsDocument}); another tenant's
 * group is `AcademicsNotFound`.
 */
export class AccountsCommand extends RpcGroup.make(
  Rpc.make("CreateInvitation", {
    payload: CreateInvitation,
    success: Invitation,
    error: Schema.Union(...Base, Conflict, QuotaExceeded)
  }),
  Rpc.make("BulkInvite", { payload: BulkInvite, success: BulkInviteSummary, error: Schema.Union(...Base) }),
  Rpc.make("SignInCards", {
    payload: SignInCards,
    success: SignInCardsDocument,
    error: Schema.Union(...Base, AcademicsNotFound)
  }),
  Rpc.make("ListInvitations", {
    payload: {
      status: Schema.optional(InvitationStatus),
      limit: Schema.optional(Schema.Int.pipe(Schema.between(1, 500)))
    },
    success: Schema.Array(Invitation),
    error: Schema.Union(...Base)
  }),
  Rpc.make("RevokeInvitation", {
    payload: { invitation_id: Schema.String },
    success: Invitation,
    error: Schema.Union(...Base, Conflict, QuotaExceeded)
  }),
  Rpc.make("ResendInvitation", {
    payload: { invitation_id: Schema.String },
    success: Invitation,
    error: Schema.Union(...Base, Conflict, QuotaExceeded)
  })
).middleware(RpcTenantAuth) {}

/** Errors of every e-mail code step besides its own. */
const CodeBase = [RateLimited, TenantNotFound, TenantSuspended] as const

/**
 * E-mail code steps of a sign-in (issue 18), as the REST endpoints
 * `…/auth/email-code[/verify]` (passwordless, tenant setting
 * `auth.email_code_sign_in`) and `…/auth/mfa/email-code[/verify]` (second
 * factor, `auth.mfa_email_codes`). Same payloads, answers and errors.
 * `ActionEmailVerification` is `…/auth/actions/email-verification` (the
 * required action `verify_email`, issue 18).
 */
export class AccountsAuthService extends RpcGroup.make(
  Rpc.make("SendSignInEmailCode", {
    payload: { tenant: Schema.String, request: EmailCodeSignInRequest },
    success: MfaEmailCodeSent,
    error: Schema.Union(EmailCodeSignInDisabled, ...CodeBase)
  }),
  Rpc.make("VerifySignInEmailCode", {
    payload: { tenant: Schema.String, request: EmailCodeSignInVerify },
    success: LoginResult,
    error: Schema.Union(EmailCodeSignInDisabled, Unauthorized, SsoRequired, TenantSsoRequired, ...CodeBase)
  }),
  Rpc.make("ActionEmailVerification", {
    payload: { tenant: Schema.String, action_token: Schema.String },
    success: EmailVerificationRequested,
    error: Schema.Union(Unauthorized, ...CodeBase)
  }),
  Rpc.make("SendMfaEmailCode", {
    payload: { tenant: Schema.String, request: MfaEmailCodeRequest },
    success: MfaEmailCodeSent,
    error: Schema.Union(MfaEmailCodesDisabled, Unauthorized, ...CodeBase)
  }),
  Rpc.make("VerifyMfaEmailCode", {
    payload: { tenant: Schema.String, request: MfaEmailCodeVerify },
    success: TokenPair,
    error: Schema.Union(MfaEmailCodesDisabled, Unauthorized, SignInActionsRequired, ...CodeBase)
  })
) {}
