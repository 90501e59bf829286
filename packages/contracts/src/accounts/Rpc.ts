/**
 * RPC contract of the accounts module (issue 18 "REST, RPC, SDK and CLI for
 * all of it"): `AccountsCommand`, the administration of invitations, with
 * the same payloads, results and tagged errors as the REST `invitations`
 * group (`Api.ts`). The tenant is the one the caller authenticated for
 * (`RpcTenantAuth`), never an argument. Accepting an invitation stays on
 * REST: it is unauthenticated, by the mailed link.
 *
 * @module
 */
import { Rpc, RpcGroup } from "@effect/rpc"
import { Schema } from "effect"
import { RpcTenantAuth } from "../identity/Rpc.js"
import { Conflict, Forbidden, NotFound, QuotaExceeded, RateLimited, ValidationError } from "../kernel/Errors.js"
import { BulkInvite, BulkInviteSummary, CreateInvitation, Invitation, InvitationStatus } from "./Invitations.js"

/** Errors every invitation procedure can answer (tenant and credential errors come from the middleware). */
const Base = [Forbidden, ValidationError, NotFound, RateLimited] as const

/**
 * Invitation procedures: `CreateInvitation`, `BulkInvite`, `RevokeInvitation`,
 * `ResendInvitation` need `users:write`; `ListInvitations` needs `users:read`.
 */
export class AccountsCommand extends RpcGroup.make(
  Rpc.make("CreateInvitation", {
    payload: CreateInvitation,
    success: Invitation,
    error: Schema.Union(...Base, Conflict, QuotaExceeded)
  }),
  Rpc.make("BulkInvite", { payload: BulkInvite, success: BulkInviteSummary, error: Schema.Union(...Base) }),
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
