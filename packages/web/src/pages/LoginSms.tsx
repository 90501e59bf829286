/**
 * The sign-in page's SMS second step (issue 18 SMS, seed 002 "MFA by …
 * SMS"): when the school enabled texted codes as a second factor
 * (`auth.mfa_sms_codes`, reported by `…/auth/methods`), the MFA step offers
 * "Text me a code" (`smsAuth.sendMfaSmsCode` with the login's `mfa_token`;
 * the same 202 whether or not a verified number got it) and the code field
 * then takes the texted code, checked by `smsAuth.verifyMfaSmsCodeWeb`, which
 * sets the browser session's refresh cookie like `web.mfa`. Also the MFA
 * step's fields (authenticator, recovery or texted code). Kept apart from
 * `Login.tsx` so that page stays small.
 *
 * @module
 */
import { AccountsApi } from "@signet/contracts/accounts/Api"
import { SmsAuthApi } from "@signet/contracts/accounts/PhonesApi"
import type { WebTokens } from "@signet/contracts/identity/WebApi"
import { useEffect, useState } from "preact/hooks"
import { type ApiError, call } from "../app/api.js"
import { useT } from "../app/i18n.js"

/**
 * The SMS second step's state for the login challenge `mfa` (undefined
 * before the password step): whether the school offers it, whether a code
 * was asked for, `send` (rejects with `ApiError`: `MfaSmsCodesDisabled`,
 * `RateLimited`, `Unauthorized` for a dead challenge) and `verify` (the
 * browser session's tokens; rejects with `ApiError`, `Unauthorized` for a
 * wrong, expired or used code); `text` sends with the page's busy flag and
 * error line (cleared first, set to the failure).
 */
export const useMfaSms = (slug: string, mfa: string | undefined) => {
  const [offered, setOffered] = useState(false)
  const [sent, setSent] = useState(false)
  useEffect(() => {
    setSent(false)
    if (mfa === undefined) return
    call(AccountsApi, (c) => c.accounts.signInMethods({ path: { slug } })).then(
      (m) => setOffered(m.mfa_sms_codes),
      () => setOffered(false)
    )
  }, [slug, mfa])
  const send = async () => {
    await call(SmsAuthApi, (c) => c.smsAuth.sendMfaSmsCode({ path: { slug }, payload: { mfa_token: mfa! } }))
    setSent(true)
  }
  const verify = (code: string): Promise<WebTokens> =>
    call(SmsAuthApi, (c) => c.smsAuth.verifyMfaSmsCodeWeb({ path: { slug }, payload: { mfa_token: mfa!, code } }))
  const text = async (busy: (b: boolean) => void, fail: (e: ApiError | undefined) => void) => {
    busy(true)
    fail(undefined)
    try {
      await send()
    } catch (e) {
      fail(e as ApiError)
    } finally {
      busy(false)
    }
  }
  return { offered, sent, send, text, verify } as const
}

/**
 * The sign-in page's second-step fields: one code field (authenticator code,
 * recovery code when `useRecovery`, texted code once `sms.sent`), the switch
 * to a recovery code and, when the school offers it, "Text me a code".
 */
export const MfaCodeFields = (props: {
  sms: ReturnType<typeof useMfaSms>
  useRecovery: boolean
  busy: boolean
  onToggleRecovery: () => void
  onText: () => void
}) => {
  const t = useT()
  const { sms, useRecovery } = props
  return (
    <>
      {sms.sent && !useRecovery && <output>{t("login.smsSent")}</output>}
      <label>
        {useRecovery ? t("login.recoveryCode") : sms.sent ? t("login.smsCode") : t("login.totp")}
        <input
          name="code"
          autocomplete="one-time-code"
          inputMode={useRecovery ? "text" : "numeric"}
          pattern={useRecovery ? ".+" : "[0-9]{6}"}
          maxLength={40}
          required
        />
      </label>
      <button type="button" class="link" onClick={props.onToggleRecovery}>
        {t("login.recovery")}
      </button>
      {sms.offered && (
        <button type="button" class="link" disabled={props.busy} onClick={props.onText}>
          {sms.sent ? t("login.smsAgain") : t("login.sms")}
        </button>
      )}
    </>
  )
}
