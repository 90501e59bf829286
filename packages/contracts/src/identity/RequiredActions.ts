/**
 * Required actions enforced at sign-in (issue 18 "required actions (verify
 * e-mail, set password, enrol MFA) enforced at sign-in", after Keycloak's
 * `VERIFY_EMAIL`, `UPDATE_PASSWORD`, `CONFIGURE_TOTP`), beside identity's
 * `Domain.ts` (kept under the file size limit).
 *
 * A sign-in whose factors all succeeded but whose account has pending
 * actions answers no tokens: it answers {@link ActionsRequired} (password
 * login) or fails with {@link SignInActionsRequired} (second factor step),
 * both carrying a 10-minute, single-purpose `action_token` (JWT
 * `typ: signet-action+jwt`, audience `signet-actions`: never accepted as an
 * access token). With it the user completes the actions
 * (`POST …/auth/actions/password`), then exchanges it for tokens at
 * `POST …/auth/actions/complete` once nothing is pending.
 *
 * @module
 */
import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { UserId } from "../kernel/Ids.js"
import { strictStruct } from "../tenancy/Domain.js"

/**
 * A required action: `verify_email` (the account's address must be
 * verified), `update_password` (a new password must be set),
 * `configure_mfa` (a second factor — TOTP or passkey — must be enrolled).
 */
export const RequiredAction = Schema.Literal("verify_email", "update_password", "configure_mfa").annotations({
  identifier: "RequiredAction"
})
/** @see RequiredAction */
export type RequiredAction = typeof RequiredAction.Type

/** The pending actions, in a stable order, without duplicates. */
export const RequiredActionList = Schema.Array(RequiredAction).pipe(Schema.maxItems(3))

/**
 * The third login answer (`status: "actions_required"`): the password (and
 * second factor) were right, but `actions` are pending. `action_token`
 * (10 minutes) only completes them; no session exists yet.
 */
export const ActionsRequired = Schema.Struct({
  status: Schema.Literal("actions_required"),
  actions: RequiredActionList,
  action_token: Schema.String.annotations({
    description: "Short-lived (10 min) token for …/auth/actions/*; not an access token"
  }),
  expires_in: Schema.Number.annotations({ description: "Lifetime of `action_token` in seconds" })
}).annotations({ identifier: "ActionsRequired" })
/** @see ActionsRequired */
export type ActionsRequired = typeof ActionsRequired.Type

/**
 * 403 — the second sign-in step (`…/auth/mfa`) succeeded but the account
 * has pending actions: no tokens; the body carries the actions and the
 * `action_token` to complete them (as {@link ActionsRequired}).
 */
export class SignInActionsRequired extends Schema.TaggedError<SignInActionsRequired>()(
  "SignInActionsRequired",
  {
    message: Schema.String,
    actions: RequiredActionList,
    action_token: Schema.String,
    expires_in: Schema.Number
  },
  HttpApiSchema.annotations({ status: 403, description: "Required actions are pending" })
) {
  /** The refusal of a sign-in whose proof succeeded with `pending` actions (passkey, SSO, the second factor). */
  static of(pending: Pick<ActionsRequired, "actions" | "action_token" | "expires_in">): SignInActionsRequired {
    return new SignInActionsRequired({
      message: "required actions are pending",
      actions: pending.actions,
      action_token: pending.action_token,
      expires_in: pending.expires_in
    })
  }
}

/**
 * 409 — `…/auth/actions/complete` while actions are still pending; the body
 * names them.
 */
export class ActionsPending extends Schema.TaggedError<ActionsPending>()(
  "ActionsPending",
  { message: Schema.String, actions: RequiredActionList },
  HttpApiSchema.annotations({ status: 409, description: "Required actions are still pending" })
) {}

/** Body of `PUT …/users/{id}/required-actions`: the user's new list of admin-set actions (empty clears). */
export const SetRequiredActions = strictStruct("SetRequiredActions", { actions: RequiredActionList })
/** @see SetRequiredActions */
export type SetRequiredActions = typeof SetRequiredActions.Type

/** A user's admin-set pending actions (tenant-policy actions are derived at sign-in, not listed). */
export class UserRequiredActions extends Schema.Class<UserRequiredActions>("UserRequiredActions")({
  user_id: UserId,
  actions: RequiredActionList
}) {}

/** Body of `POST …/auth/actions/complete`. */
export const CompleteActions = strictStruct("CompleteActions", {
  action_token: Schema.String.pipe(Schema.maxLength(4096))
})
/** @see CompleteActions */
export type CompleteActions = typeof CompleteActions.Type

/** Answer of `POST …/auth/actions/*` steps: what is still pending, and a fresh action token. */
export const ActionsProgress = Schema.Struct({
  actions: RequiredActionList,
  action_token: Schema.String,
  expires_in: Schema.Number
}).annotations({ identifier: "ActionsProgress" })
/** @see ActionsProgress */
export type ActionsProgress = typeof ActionsProgress.Type

/**
 * Body of `POST …/auth/actions/password`: the new password (the tenant's
 * policy applies, as `PasswordInput` in `Domain.ts`; redacted), clearing
 * `update_password`.
 */
export const ActionPassword = strictStruct("ActionPassword", {
  action_token: Schema.String.pipe(Schema.maxLength(4096)),
  new_password: Schema.Redacted(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024)))
})
/** @see ActionPassword */
export type ActionPassword = typeof ActionPassword.Type

/**
 * Body of `POST …/auth/actions/totp/confirm`: the action token and the
 * first 6-digit code of the authenticator enrolled at `…/auth/actions/totp`,
 * clearing `configure_mfa`.
 */
export const ActionTotpConfirm = strictStruct("ActionTotpConfirm", {
  action_token: Schema.String.pipe(Schema.maxLength(4096)),
  code: Schema.String.pipe(Schema.pattern(/^\d{6}$/, { message: () => "must be 6 digits" }))
})
/** @see ActionTotpConfirm */
export type ActionTotpConfirm = typeof ActionTotpConfirm.Type

/**
 * Answer of `POST …/auth/actions/totp/confirm`: {@link ActionsProgress}
 * (the renewed token counts the new factor as verified) and the 10
 * single-use recovery codes, shown once.
 */
export const ActionTotpConfirmed = Schema.Struct({
  ...ActionsProgress.fields,
  recovery_codes: Schema.Array(Schema.String)
}).annotations({ identifier: "ActionTotpConfirmed" })
/** @see ActionTotpConfirmed */
export type ActionTotpConfirmed = typeof ActionTotpConfirmed.Type
