/**
 * Handlers of the `smsAuth`, `phonesSelf` and `phonesAdmin` groups (issue 18
 * SMS): texted codes as the login's second step and for passwordless
 * sign-in, the signed-in user's own phone number, and an admin clearing a
 * user's number (`PhonesAdmin`, `users:write`). Core enforces every rule
 * (limits, codes, policy); the server only derives the client address.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Phones, PhonesAdmin, policyUse, SignetApi } from "@signet/core"
import { Effect } from "effect"
import { asPrincipal, clientInfo } from "../Auth.js"
import type { ServerConfig } from "../Config.js"
import { webMfaSmsCode, webSignInSmsCode } from "../WebSession.js"

/** Handlers of the sign-in steps by texted code (tenant from `{slug}`). */
export const SmsAuthHttp = (config: ServerConfig) =>
  HttpApiBuilder.group(SignetApi, "smsAuth", (handlers) =>
    handlers
      .handle("sendMfaSmsCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Phones.use((p) => p.sendMfaSmsCode(path.slug, payload, c)))
      )
      .handle("verifyMfaSmsCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Phones.use((p) => p.verifyMfaSmsCode(path.slug, payload, c)))
      )
      .handle("sendSignInSmsCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Phones.use((p) => p.sendSignInSmsCode(path.slug, payload, c)))
      )
      .handle("verifySignInSmsCode", ({ path, payload }) =>
        Effect.flatMap(clientInfo(config), (c) => Phones.use((p) => p.verifySignInSmsCode(path.slug, payload, c)))
      )
      .handle("verifyMfaSmsCodeWeb", ({ path, payload }) => webMfaSmsCode(config, path.slug, payload))
      .handle("verifySignInSmsCodeWeb", ({ path, payload }) => webSignInSmsCode(config, path.slug, payload))
  )

/** Handlers of the signed-in user's phone number (tenant and actor from the verified token). */
export const PhonesSelfHttp = HttpApiBuilder.group(SignetApi, "phonesSelf", (handlers) =>
  handlers
    .handle("phoneStatus", () => asPrincipal(Phones.use((p) => p.phoneStatus)))
    .handle("setPhoneNumber", ({ payload }) => asPrincipal(Phones.use((p) => p.setPhoneNumber(payload))))
    .handle("confirmPhoneNumber", ({ payload }) => asPrincipal(Phones.use((p) => p.confirmPhoneNumber(payload))))
    .handle("removePhoneNumber", () => asPrincipal(Phones.use((p) => p.removePhoneNumber)))
)

/** Handler of an admin clearing a user's number (`users:write`). */
export const PhonesAdminHttp = HttpApiBuilder.group(SignetApi, "phonesAdmin", (handlers) =>
  handlers.handle("clearPhoneNumber", ({ path }) =>
    asPrincipal(PhonesAdmin.clear(path.id).pipe(policyUse("users:write")))
  )
)
