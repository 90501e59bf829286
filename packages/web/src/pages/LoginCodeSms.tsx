/**
 * The code-login page's channel (issue 18 SMS): by e-mail
 * (`accounts.sendSignInEmailCode` / `verifySignInEmailCodeWeb`) or, when the
 * school enabled sign-in by SMS code (`sms_code` in `…/auth/methods`,
 * setting `auth.sms_code_sign_in`), by text message: the user types their
 * phone number, the school texts a 6-digit code to it when exactly one
 * active account verified it (`smsAuth.sendSignInSmsCode`, the same 202
 * otherwise), and the number with the code signs them in with the browser
 * session's cookies (`smsAuth.verifySignInSmsCodeWeb`, answering like the
 * e-mail path: tokens, `mfa_required` or `actions_required`). Kept apart
 * from `LoginCode.tsx` so that page stays small.
 *
 * @module
 */
import { AccountsApi } from "@signet/contracts/accounts/Api"
import { SmsAuthApi } from "@signet/contracts/accounts/PhonesApi"
import type { WebLoginResult } from "@signet/contracts/identity/WebApi"
import { useEffect, useState } from "preact/hooks"
import { call } from "../app/api.js"
import { useT } from "../app/i18n.js"

/** How the code travels: e-mail or text message. */
export type CodeChannel = "email" | "sms"

/**
 * The page's channel: which ones the school offers (`…/auth/methods`; e-mail
 * until the methods are known), the chosen one (text message when only it is
 * offered), `choose`, and `send` / `verify` on the chosen channel (both
 * reject with `ApiError`: `EmailCodeSignInDisabled` / `SmsCodeSignInDisabled`,
 * `ValidationError` for a string that is no phone number, `RateLimited`,
 * `Unauthorized` for a wrong, expired or used code).
 */
export const useCodeChannel = (slug: string) => {
  const [offered, setOffered] = useState({ email: true, sms: false })
  const [channel, choose] = useState<CodeChannel>("email")
  useEffect(() => {
    call(AccountsApi, (c) => c.accounts.signInMethods({ path: { slug } })).then(
      (m) => {
        setOffered({ email: m.email_code, sms: m.sms_code })
        if (!m.email_code && m.sms_code) choose("sms")
      },
      () => setOffered({ email: true, sms: false })
    )
  }, [slug])
  const send = async (login: string): Promise<void> => {
    if (channel === "sms")
      await call(SmsAuthApi, (c) => c.smsAuth.sendSignInSmsCode({ path: { slug }, payload: { phone_number: login } }))
    else await call(AccountsApi, (c) => c.accounts.sendSignInEmailCode({ path: { slug }, payload: { login } }))
  }
  const verify = (login: string, code: string): Promise<WebLoginResult> =>
    channel === "sms"
      ? call(SmsAuthApi, (c) =>
          c.smsAuth.verifySignInSmsCodeWeb({ path: { slug }, payload: { phone_number: login, code } })
        )
      : call(AccountsApi, (c) => c.accounts.verifySignInEmailCodeWeb({ path: { slug }, payload: { login, code } }))
  return { offered, channel, choose, send, verify } as const
}

/** The code-login page's strings for `channel`: title, first field's label, send button, sent note, code label. */
export const useChannelText = (channel: CodeChannel) => {
  const t = useT()
  const k = channel === "sms" ? "codeLogin.sms" : "codeLogin"
  return {
    title: t(`${k}.title`),
    send: t(`${k}.send`),
    sent: t(`${k}.sent`),
    code: t(`${k}.code`)
  }
}

/** The first step's field: the e-mail address or username, or the phone number. */
export const LoginField = ({ channel }: { channel: CodeChannel }) => {
  const t = useT()
  return channel === "sms" ? (
    <>
      <label>
        {t("codeLogin.sms.phone")}
        <input name="login" type="tel" autocomplete="tel" inputMode="tel" required maxLength={32} />
      </label>
      <span class="muted">{t("codeLogin.sms.phoneHint")}</span>
    </>
  ) : (
    <label>
      {t("login.login")}
      <input name="login" autocomplete="username" required maxLength={254} />
    </label>
  )
}

/** The switch to the other channel, shown before a code was asked for and only when the school offers both. */
export const ChannelSwitch = ({
  code,
  onChoose
}: {
  code: ReturnType<typeof useCodeChannel>
  onChoose: (c: CodeChannel) => void
}) => {
  const t = useT()
  if (!code.offered.sms || !code.offered.email) return null
  const other: CodeChannel = code.channel === "sms" ? "email" : "sms"
  return (
    <p>
      <button type="button" class="link" onClick={() => onChoose(other)}>
        {other === "sms" ? t("codeLogin.sms.choose") : t("codeLogin.sms.chooseEmail")}
      </button>
    </p>
  )
}
