/**
 * The facade's invitations group (`client.invitations`, issue 18
 * "Invitations"): one factory over the client's {@link Session}, composed by
 * `Client.ts`.
 *
 * @module
 */
import { Effect } from "effect"
import type { Session } from "./Session.js"
import type { ParamsOf, PlainOf } from "./Transport.js"

/** What `client.invitations.cards` answers: the PDF bytes and the call's summary (from the response headers). */
export interface SignInCardsDownload {
  /** The PDF (`application/pdf`): one card per created invitation, eight per A4 page. */
  readonly pdf: Uint8Array
  /** Cards in the PDF (`Signet-Cards-Created`). */
  readonly created: number
  /** Students skipped (`Signet-Cards-Skipped`). */
  readonly skippedCount: number
  /** The first 100 skipped students and why (`Signet-Cards-Skipped-Users`: `has_password`, `disabled`, `not_member`). */
  readonly skipped: ReadonlyArray<{ readonly user_id: string; readonly reason: string }>
}

/** The summary headers of a sign-in cards response, read into a {@link SignInCardsDownload}. */
const cardsDownload = (pdf: Uint8Array, headers: Readonly<Record<string, string | undefined>>): SignInCardsDownload => {
  const listed = headers["signet-cards-skipped-users"] ?? ""
  return {
    pdf,
    created: Number(headers["signet-cards-created"] ?? 0),
    skippedCount: Number(headers["signet-cards-skipped"] ?? 0),
    skipped: listed
      .split(",")
      .filter((x) => x.includes(":"))
      .map((x) => {
        const [user_id = "", reason = ""] = x.split(":")
        return { user_id, reason }
      })
  }
}

/**
 * `client.invitations`: invite users by e-mail or print sign-in cards (`users:write`), list them
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
    /**
     * Printable sign-in cards for a student group (issue 18; `users:write`):
     * `{ group_id, user_ids? }` → the PDF and the summary (rejects
     * `AcademicsNotFound` for another tenant's group, `Forbidden`,
     * `ValidationError` past 5,000 students, `RateLimited`).
     */
    cards: (input: PlainOf<"invitations", "signInCards">) =>
      callWith("invitations", "signInCards", input, (r, payload) =>
        Effect.map(r.invitations.signInCards({ path, payload, withResponse: true }), ([pdf, res]) =>
          cardsDownload(pdf, res.headers)
        )
      ),
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
