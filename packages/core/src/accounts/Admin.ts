/**
 * The invitations facade (issue 18 "Invitations"; STYLE.md "policy
 * pattern"): each operation carries its permission in its type —
 * `users:read` to list, `users:write` to invite (one, in bulk or on printed sign-in cards), revoke and
 * resend. Tenant and actor come from context. Accepting is not here: whoever
 * holds the mailed link accepts (`Accounts.acceptInvitation`).
 *
 * @module
 */
import type { BulkInvite, CreateInvitation, ListInvitations, SignInCards } from "@signet/contracts/accounts/Invitations"
import { policyRequire } from "../access/Policy.js"
import { Accounts } from "./Accounts.js"

const usersRead = policyRequire("users", "read")
const usersWrite = policyRequire("users", "write")

/** Invitation administration; see the module comment for the permissions. */
export const InvitationAdmin = {
  /** Invites one address (creating the user without a password when needed). See `Invitations.create`. */
  create: (input: CreateInvitation) => usersWrite(Accounts.use((a) => a.invitations.create(input))),
  /** Invites every pending user (e-mail, no password, no live invitation). See `Invitations.bulk`. */
  bulk: (input: BulkInvite) => usersWrite(Accounts.use((a) => a.invitations.bulk(input))),
  /**
   * Printable sign-in cards for a student group: a card invitation per
   * active student member without a password, one PDF (`{ pdf, created,
   * skipped }`). See `Cards.ts` (issue 18 "printable sign-in cards").
   * @errors AcademicsNotFound, ValidationError, Forbidden, RateLimited
   */
  signInCards: (input: SignInCards) => usersWrite(Accounts.use((a) => a.invitations.signInCards(input))),
  /** The tenant's invitations, newest first. */
  list: (params: ListInvitations = {}) => usersRead(Accounts.use((a) => a.invitations.list(params))),
  /** Revokes an invitation. @errors NotFound, Conflict */
  revoke: (id: string) => usersWrite(Accounts.use((a) => a.invitations.revoke(id))),
  /** Sends an invitation again with a new link. @errors NotFound, Conflict, RateLimited */
  resend: (id: string) => usersWrite(Accounts.use((a) => a.invitations.resend(id)))
} as const
