/**
 * `@signet/core/api` — contracts only: schemas, HttpApi groups and RPC
 * groups. Imports no SQL and no Node-only module, so `@signet/sdk` (and
 * browsers) can depend on it alone.
 *
 * @module
 */
import { HttpApi, OpenApi } from "@effect/platform"
import type { RpcGroup } from "@effect/rpc"
import { AcademicsApi, CalendarApi, TimetableSyncApi } from "./academics/Api.js"
import { AcademicsCommand, AcademicsQuery } from "./academics/Rpc.js"
import { AccessApi } from "./access/Api.js"
import { AccessCommand, AccessQuery } from "./access/Rpc.js"
import { AccountsApi, AccountsSelfApi, InvitationsApi } from "./accounts/Api.js"
import { PhonesAdminApi, PhonesSelfApi, SmsAuthApi } from "./accounts/PhonesApi.js"
import { PhonesCommand, SmsAuthService } from "./accounts/PhonesRpc.js"
import { AccountsAuthService, AccountsCommand } from "./accounts/Rpc.js"
import { ActivitiesApi } from "./activities/Api.js"
import { CarbonApi, CarbonCommand, CarbonQuery } from "./activities/Carbon.js"
import { ChannelsApi, ChannelsCommand, ChannelsQuery } from "./activities/ChannelsApi.js"
import { ActivitiesCommand, ActivitiesQuery } from "./activities/Rpc.js"
import { AttendanceApi } from "./attendance/Api.js"
import { AttendanceCommand, AttendanceQuery } from "./attendance/Rpc.js"
import { AuditApi } from "./audit/Api.js"
import { BeaconDeviceApi, BeaconsApi } from "./beacon/Api.js"
import { BillingApi, BillingPlatformApi, BillingWebhooksApi } from "./billing/Api.js"
import { BillingCommand, BillingQuery } from "./billing/Rpc.js"
import { EventsApi } from "./events/Api.js"
import { OidcClientsApi } from "./federation/OidcApi.js"
import { OidcClientsCommand, OidcClientsQuery } from "./federation/OidcRpc.js"
import { ScimTokensApi } from "./federation/ScimApi.js"
import { ApiKeysApi, AuthApi, IntrospectionApi, PlatformApi, SessionApi, UsersApi } from "./identity/Api.js"
import { PasskeyAuthApi, PasskeysApi } from "./identity/PasskeysApi.js"
import { AuthService, IdentityCommand, IdentityQuery, RpcTenantAuth } from "./identity/Rpc.js"
import { WebSessionApi } from "./identity/WebApi.js"
import { WebhooksApi } from "./integrations/Api.js"
import { OAuthCallbackApi, OAuthProvidersApi, OAuthSelfApi } from "./integrations/OAuthApi.js"
import { OAuthCommand, OAuthQuery } from "./integrations/OAuthRpc.js"
import { WebhooksCommand, WebhooksQuery } from "./integrations/Rpc.js"
import { SsoConnectionsApi, SsoDiscoveryApi } from "./integrations/SsoApi.js"
import { SsoCommand, SsoQuery } from "./integrations/SsoRpc.js"
import { SsoSignInApi } from "./integrations/SsoSignIn.js"
import { UserAuth } from "./kernel/Security.js"
import { SystemApi } from "./system/Api.js"
import { TenantsApi } from "./tenancy/Api.js"
import { TenantCommand, TenantQuery } from "./tenancy/Rpc.js"

export * from "./academics/Api.js"
export * from "./academics/Domain.js"
export * from "./academics/Rpc.js"
export * from "./access/Api.js"
export * from "./access/Domain.js"
export * from "./access/Rpc.js"
export * from "./accounts/Api.js"
export * from "./accounts/Domain.js"
export * from "./accounts/Invitations.js"
export * from "./accounts/Phones.js"
export * from "./accounts/PhonesApi.js"
export * from "./accounts/PhonesRpc.js"
export * from "./accounts/Rpc.js"
export * from "./activities/Api.js"
export * from "./activities/Attachments.js"
export * from "./activities/Carbon.js"
export * from "./activities/Channels.js"
export * from "./activities/ChannelsApi.js"
export * from "./activities/Domain.js"
export * from "./activities/Rpc.js"
export * from "./activities/Schedule.js"
export * from "./attendance/Api.js"
export * from "./attendance/Domain.js"
export * from "./attendance/Rpc.js"
export * from "./audit/Api.js"
export { AuditEntry, AuditEntryId, ChainVerification } from "./audit/Domain.js"
export * from "./beacon/Api.js"
export * from "./beacon/Domain.js"
export * as BeaconProtocol from "./beacon/Protocol.js"
export * from "./billing/Api.js"
export * from "./billing/Corrections.js"
export * from "./billing/Domain.js"
export * from "./billing/Payments.js"
export * from "./billing/Rpc.js"
export * from "./events/Api.js"
export { CloudEvent, EventId, OutboxEntry, OutboxStatus } from "./events/Domain.js"
export * from "./federation/OidcDomain.js"
export * from "./federation/OidcRpc.js"
export * from "./federation/ScimApi.js"
export * from "./federation/ScimDomain.js"
export * from "./identity/Api.js"
export * from "./identity/Domain.js"
export * from "./identity/PasskeysApi.js"
export * from "./identity/RequiredActions.js"
export * from "./identity/Rpc.js"
export * from "./identity/SignInErrors.js"
export * from "./identity/WebApi.js"
export * from "./integrations/Api.js"
export * from "./integrations/Domain.js"
export * from "./integrations/OAuthApi.js"
export * from "./integrations/OAuthDomain.js"
export * from "./integrations/OAuthRpc.js"
export * from "./integrations/Rpc.js"
export * from "./integrations/SsoApi.js"
export * from "./integrations/SsoDomain.js"
export * from "./integrations/SsoRpc.js"
export * from "./integrations/SsoSignIn.js"
export { ActorKind, TenantId } from "./kernel/Context.js"
export * from "./kernel/Errors.js"
export { Page, PageParams } from "./kernel/Pagination.js"
export * from "./kernel/Security.js"
export * from "./system/Api.js"
export * from "./tenancy/Api.js"
export * from "./tenancy/Domain.js"
export * from "./tenancy/Rpc.js"

/** The Signet REST API (OpenAPI 3.1 at `/openapi.json`). */
export class SignetApi extends HttpApi.make("signet")
  .add(SystemApi)
  .add(TenantsApi)
  .add(PlatformApi)
  .add(AuthApi)
  .add(AccountsApi)
  .add(AccountsSelfApi)
  .add(InvitationsApi)
  .add(SmsAuthApi)
  .add(PhonesSelfApi)
  .add(PhonesAdminApi)
  .add(WebSessionApi)
  .add(SessionApi)
  .add(UsersApi)
  .add(ApiKeysApi)
  .add(IntrospectionApi)
  .add(PasskeyAuthApi)
  .add(PasskeysApi)
  .add(AccessApi.middleware(UserAuth))
  .add(AcademicsApi)
  .add(CalendarApi)
  .add(TimetableSyncApi)
  .add(AttendanceApi)
  .add(BeaconDeviceApi)
  .add(BeaconsApi)
  .add(AuditApi)
  .add(EventsApi)
  .add(WebhooksApi)
  .add(OAuthProvidersApi)
  .add(OAuthSelfApi)
  .add(OAuthCallbackApi)
  .add(SsoConnectionsApi)
  .add(SsoDiscoveryApi)
  .add(SsoSignInApi)
  .add(BillingPlatformApi)
  .add(BillingApi)
  .add(BillingWebhooksApi)
  .add(ActivitiesApi)
  .add(CarbonApi)
  .add(ChannelsApi)
  .add(ScimTokensApi)
  .add(OidcClientsApi)
  .annotate(OpenApi.Title, "Signet API")
  .annotate(OpenApi.Version, "0.1.0")
  .annotate(
    OpenApi.Description,
    "Identity, tenancy, RBAC, academics, attendance and classroom beacons. Errors are RFC 9457 problem details (application/problem+json)."
  ) {}

/** Every RPC group served at `/rpc`. */
export const SignetRpcs = TenantQuery.merge(
  TenantCommand,
  IdentityQuery,
  IdentityCommand,
  AuthService,
  AccessQuery.middleware(RpcTenantAuth),
  AccessCommand.middleware(RpcTenantAuth),
  AccountsCommand,
  AccountsAuthService,
  PhonesCommand,
  SmsAuthService,
  AcademicsQuery,
  AcademicsCommand,
  AttendanceQuery,
  AttendanceCommand,
  WebhooksQuery,
  WebhooksCommand,
  BillingQuery.middleware(RpcTenantAuth),
  BillingCommand.middleware(RpcTenantAuth),
  OidcClientsQuery.middleware(RpcTenantAuth),
  OidcClientsCommand.middleware(RpcTenantAuth),
  OAuthQuery.middleware(RpcTenantAuth),
  OAuthCommand.middleware(RpcTenantAuth),
  SsoQuery.middleware(RpcTenantAuth),
  SsoCommand.middleware(RpcTenantAuth),
  ActivitiesQuery,
  ActivitiesCommand,
  CarbonQuery,
  CarbonCommand,
  ChannelsQuery,
  ChannelsCommand
)
/** @see SignetRpcs */
export type SignetRpcs = RpcGroup.Rpcs<typeof SignetRpcs>
