/**
 * The facade's invitations group (`client.invitations`, issue 18
 * "Invitations"): one factory over the client's {@link Session}, composed by
 * `Client.ts`.
 *
 * @module
 */
import type { Session } from "./Session.js"
import type { ParamsOf, PlainOf } from "./Transport.js"

/**
 * `client.invitations`: invite users by e-mail (`users:write`), list them
 * (`users:read`), revoke or resend one, and accept a mailed link's token
 * (unauthenticated: answers as the login does). Made from the client's {@link Session}.
 */
export const invitationsApi = ({ call, callWith, path }: Session) => {
  const at = (id: string) => ({ path: { ...path, id } })
  return {
    /** Invites one address: `{ email, user_type, school_id?, given_name?, family_name? }` → the invitation. */
    create: (input: PlainOf<"invitations", "createInvitation">) =>
      callWith("invitations", "createInvitation", input, (r, payload) =>
        r.invitations.createInvitation({ path, payload })
      ),
    /**
     * Invites every user with an e-mail, no password and no live invitation
     * (`{ user_type?, school_id?, limit?, after? }`) → `{ invited, skipped, skipped_count, more, next }`;
     * call again with `after: next` while `more`.
     */
    bulk: (input: PlainOf<"invitations", "bulkInvite"> = {}) =>
      callWith("invitations", "bulkInvite", input, (r, payload) => r.invitations.bulkInvite({ path, payload })),
    /** The tenant's invitations, newest first (`status?`, `limit?`). */
    list: (params: ParamsOf<"invitations", "listInvitations"> = {}) =>
      call((r) => r.invitations.listInvitations({ path, urlParams: params })),
    /** Revokes one: its link stops working. */
    revoke: (id: string) => call((r) => r.invitations.revokeInvitation(at(id))),
    /** Mails a new link; the previous one stops working. */
    resend: (id: string) => call((r) => r.invitations.resendInvitation(at(id))),
    /** Accepts a mailed link's token with a new password; answers the login's result (tokens). */
    accept: (input: PlainOf<"accounts", "acceptInvitation">) =>
      callWith("accounts", "acceptInvitation", input, (r, payload) => r.accounts.acceptInvitation({ path, payload }))
  }
}
