/**
 * The account area (`/t/{slug}/account`, issue 17 "Account"): profile,
 * password change, sessions with devices and revoke, two-step verification
 * (TOTP with a QR image and recovery codes), passkeys, the phone number
 * (issue 18 SMS), API keys for users who may
 * read them.
 *
 * @module
 */
import "./account.css"
import { SessionApi } from "@signet/contracts/identity/Api"
import type { User } from "@signet/contracts/identity/Domain"
import { useState } from "preact/hooks"
import { Route, Router } from "preact-iso"
import { call } from "../../app/api.js"
import { useT } from "../../app/i18n.js"
import { ErrorNote, Frame, Loading, RequireUser, useLoad } from "../../app/ui.js"
import { ApiKeys } from "./ApiKeys.js"
import { Mfa } from "./Mfa.js"
import { Passkeys } from "./Passkeys.js"
import { Phone } from "./Phone.js"
import { PasswordForm, Profile } from "./Profile.js"
import { ProfileForm } from "./ProfileForm.js"
import { Sessions } from "./Sessions.js"

/** The account page of the signed-in `user` (their profile re-read from `me`). */
const AccountPage = ({ slug, user }: { slug: string; user: User }) => {
  const t = useT("account")
  const me = useLoad(() => call(SessionApi, (c) => c.session.me({ path: { slug } })), [slug])
  const [version, setVersion] = useState(0)
  const current = me.data ?? user
  return (
    <Frame slug={slug} user={user} title={t("title")}>
      {me.loading && !me.data && <Loading />}
      <ErrorNote error={me.error} />
      <div class="account">
        <Profile slug={slug} me={current} />
        {/* Keyed by the user, not by `updated_at`: a remount after the reload would drop the "saved" note. */}
        {me.data && <ProfileForm key={me.data.id} slug={slug} me={me.data} onSaved={me.reload} />}
        <PasswordForm slug={slug} onDone={() => setVersion((v) => v + 1)} />
        <Sessions slug={slug} version={version} />
        <Mfa slug={slug} me={current} onChange={me.reload} />
        <Passkeys slug={slug} />
        <Phone slug={slug} />
        <ApiKeys slug={slug} mfaEnabled={current.mfa_enabled} />
      </div>
    </Frame>
  )
}

/** The account area's routes. */
export const AccountArea = ({ slug }: { slug: string }) => (
  <RequireUser slug={slug}>
    {(user) => (
      <Router>{[<Route key="home" default component={() => <AccountPage slug={slug} user={user} />} />]}</Router>
    )}
  </RequireUser>
)
