/**
 * RPC handlers (`/rpc`): one layer per module's groups, each file beside this one.
 *
 * @module
 */
import { Layer } from "effect"
import type { ServerConfig } from "../Config.js"
import { AcademicsRpc } from "./Academics.js"
import { AccessRpc } from "./Access.js"
import { AccountsRpc } from "./Accounts.js"
import { ActivitiesRpc } from "./Activities.js"
import { AttendanceRpc } from "./Attendance.js"
import { BillingRpc } from "./Billing.js"
import { CarbonRpc } from "./Carbon.js"
import { ChannelsRpc } from "./Channels.js"
import { IdentityRpc } from "./Identity.js"
import { IntegrationsRpc } from "./Integrations.js"
import { OAuthRpc } from "./OAuth.js"
import { OidcClientsRpc } from "./Oidc.js"
import { PhonesRpc } from "./Phones.js"
import { SsoRpc } from "./Sso.js"
import { TenancyRpc } from "./Tenancy.js"

/** Handlers of every RPC group in `SignetRpcs`. */
export const RpcHandlers = (config: ServerConfig) =>
  Layer.mergeAll(
    TenancyRpc,
    IdentityRpc(config),
    AccessRpc,
    AcademicsRpc,
    AttendanceRpc,
    IntegrationsRpc,
    BillingRpc,
    OidcClientsRpc,
    OAuthRpc,
    SsoRpc,
    AccountsRpc(config),
    PhonesRpc(config),
    ActivitiesRpc,
    CarbonRpc,
    ChannelsRpc
  )
