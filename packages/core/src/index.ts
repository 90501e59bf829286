/**
 * `@signet/core` — the Signet domain, embeddable in any Node application:
 * build {@link Core.layer} on your own SQLite file or Postgres database and
 * call the module services directly.
 *
 * ```ts
 * import { Core, Tenancy, systemActor, CurrentActor } from "@signet/core"
 * const program = Effect.gen(function*() {
 *   const tenancy = yield* Tenancy
 *   return yield* tenancy.create(Schema.decodeSync(CreateTenant)({ slug: "acme", name: "Acme" }))
 * }).pipe(Effect.provideService(CurrentActor, systemActor), Effect.provide(Core.layer({ databaseUrl: "sqlite:./acme.db" })))
 * ```
 *
 * @module
 */

export * from "@signet/contracts"
export * from "@signet/contracts/kernel/Context"
export * as Ids from "@signet/contracts/kernel/Ids"
export { Academics, type ListCourses } from "./academics/Academics.js"
export { AcademicsAdmin } from "./academics/Admin.js"
export * as ICalendar from "./academics/ICalendar.js"
export { ACADEMICS_TABLES, academicsMigrations } from "./academics/Migrations.js"
export * as OneRoster from "./academics/OneRoster.js"
export { Roster } from "./academics/Roster.js"
export { Timetable } from "./academics/Timetable.js"
export { CourseAttendance } from "./academics/timetable/AttendancePort.js"
export { FETCH_TIMEOUT_MS, isInternalAddress, MAX_REDIRECTS } from "./academics/timetable/Fetch.js"
export {
  MAX_INTERVAL_MINUTES,
  MAX_SOURCES,
  MIN_INTERVAL_MINUTES,
  timetableSourceUrlColumn
} from "./academics/timetable/Sources.js"
export { SYNC_LIST_CAP, type SyncOptions } from "./academics/timetable/Sync.js"
export {
  Access,
  AccessConfig,
  type AccessOptions,
  defaultAccessOptions,
  forbidden,
  type ListParams,
  policyUse
} from "./access/Access.js"
export { AccessAdmin } from "./access/Admin.js"
export { ACCESS_TABLES, accessMigrations } from "./access/Migrations.js"
export {
  type AccessPolicy,
  CompiledPolicy,
  checkScoped,
  compilePolicy,
  compileScope,
  type Discharges,
  explainScoped,
  holdsScoped,
  type PermissionString,
  type PolicyInput,
  patternMatches,
  policyRequire,
  resourceWildcard
} from "./access/Policy.js"
export { AccessStepUp, AccessUsers } from "./access/Ports.js"
export { AccessRepo } from "./access/Repo.js"
export { Accounts } from "./accounts/Accounts.js"
export { InvitationAdmin } from "./accounts/Admin.js"
export { type CardContent, renderSignInCards } from "./accounts/CardsPdf.js"
export { EmailVerifications, noEmailVerifications } from "./accounts/IdentityPorts.js"
export { type Invitations, type InviteClient, makeInvitations } from "./accounts/Invitations.js"
export {
  DEFAULT_MAIL_FROM,
  logMailer,
  type MailConfig,
  MailDeliveryError,
  Mailer,
  type MailerOptions,
  mailConfig,
  mailerFromEnv,
  mailerLayer,
  type OutgoingMail,
  smtpMailer
} from "./accounts/Mailer.js"
export { MAIL_QUEUED, MAIL_SUBSCRIBER } from "./accounts/MailQueue.js"
export { ACCOUNTS_TABLES, accountsMigrations } from "./accounts/Migrations.js"
export {
  hashResetToken,
  newResetToken,
  RESET_REQUESTED_MESSAGE,
  RESET_TTL_MINUTES,
  type ResetClient
} from "./accounts/PasswordReset.js"
export { Phones, PhonesAdmin } from "./accounts/Phones.js"
export { AccountGroups, type AccountUser, AccountUsers, type CardGroup, type Invitee } from "./accounts/Ports.js"
export {
  type HttpSmsOptions,
  httpSmsSender,
  logSmsSender,
  type OutgoingSms,
  type SmsChannel,
  SmsChannels,
  SmsDeliveryError,
  type SmsReceipt,
  type SmsRequestBody,
  SmsSender,
  smsSenderFromEnv
} from "./accounts/Sms.js"
export {
  normalizePhone,
  SMS_CODE_MAX_ATTEMPTS,
  SMS_CODE_SENT_MESSAGE,
  SMS_CODE_TTL_MINUTES,
  SMS_EVENT_MFA,
  SMS_EVENT_PHONE_VERIFY,
  SMS_EVENT_SIGN_IN
} from "./accounts/SmsCodes.js"
export { SMS_QUEUED, SMS_SUBSCRIBER, SmsQueue, smsQueueLayer } from "./accounts/SmsQueue.js"
export * as MailTemplates from "./accounts/Templates.js"
export { Activities, type ListTasks } from "./activities/Activities.js"
export { ActivitiesAdmin } from "./activities/Admin.js"
export { AttachmentStore, type BlobKey, sha256Hex } from "./activities/AttachmentStore.js"
export { ChannelTargetPolicy, type ResolvedChannel, servesEvent } from "./activities/Channels.js"
export { ChannelsAdmin } from "./activities/ChannelsAdmin.js"
export { renderMarkdown } from "./activities/Markdown.js"
export { ACTIVITIES_TABLES, activitiesMigrations, channelCredentialsColumn } from "./activities/Migrations.js"
export { mentionTokens } from "./activities/Notes.js"
export {
  AttendanceAdmin,
  type DateRange as AttendanceDateRange,
  type ListExcuses,
  type PageQuery as AttendancePageQuery
} from "./attendance/Admin.js"
export {
  Attendance,
  type AttendancePrincipal,
  historyCsv,
  principalOfActor,
  QR_DIGITS,
  qrCodeFor,
  qrPayload,
  reportCsv,
  rollCsv,
  SignLinkOrigin,
  systemPrincipal
} from "./attendance/Attendance.js"
export { DEFAULT_SIGNING_RULES, type SigningRules, signingRules } from "./attendance/Limits.js"
export { ATTENDANCE_TABLES, attendanceMigrations, qrSecretColumn } from "./attendance/Migrations.js"
export { AttendanceRepo } from "./attendance/Repo.js"
export { Audit, chainHash, GENESIS_HASH, redact } from "./audit/Audit.js"
export { BeaconAdmin } from "./beacon/Admin.js"
export { BEACON_TOTP, type BeaconPrincipal, Beacons, deviceBinding } from "./beacon/Beacons.js"
export { BEACON_TABLES, beaconMigrations, beaconTotpColumn } from "./beacon/Migrations.js"
export * as BeaconVerify from "./beacon/Verify.js"
export { BillingAdmin, BillingPlatform, BillingWebhooks } from "./billing/Admin.js"
export { API_REQUESTS_TYPE, type ApiRequestCounter, MAX_PENDING_COUNTS } from "./billing/ApiUsage.js"
export { Billing } from "./billing/Billing.js"
export { formatCreditNoteNumber, MAX_CREDIT_NOTES_PER_INVOICE } from "./billing/Corrections.js"
export { METERED_TYPES, usageOf } from "./billing/DomainUsage.js"
export {
  billingQuotas,
  CACHE_TTL_MS as ENTITLEMENTS_CACHE_TTL_MS,
  type CompiledPlan,
  Entitlements,
  WARNING_THRESHOLDS
} from "./billing/Entitlements.js"
export { prorationLines, resolveTaxRates, taxLines } from "./billing/InvoiceLines.js"
export { formatAmount as formatInvoiceAmount, renderCreditNotePdf, renderInvoicePdf } from "./billing/InvoicePdf.js"
export { computeInvoice, formatInvoiceNumber, MAX_LISTED_INVOICES } from "./billing/Invoices.js"
export { eventDigest } from "./billing/Metering.js"
export {
  aggregate,
  makeAggregator,
  measureProblem,
  numericValue,
  valueAt,
  windowEnd,
  windowStart
} from "./billing/Meters.js"
export { BILLING_TENANT_TABLES, billingMigrations } from "./billing/Migrations.js"
export { paymentProviderLayer, paymentsConfig } from "./billing/PaymentConfig.js"
export { manualProvider, PaymentProvider, type PaymentProviderService } from "./billing/PaymentProvider.js"
export { FAILED_EVENTS, PAID_EVENTS, VOIDED_EVENTS } from "./billing/Payments.js"
export { CLOSE_PERIODS_JOB, MAX_PERIODS_PER_RUN } from "./billing/PeriodClose.js"
export * as Pricing from "./billing/Pricing.js"
export { makeStripeProvider, WEBHOOK_TOLERANCE_SECONDS } from "./billing/StripeProvider.js"
export * as Core from "./Core.js"
export {
  backoff,
  byTenant,
  type DispatcherOptions,
  defaultDispatcherOptions,
  Events,
  type Subscriber
} from "./events/Events.js"
export {
  federationOidcMigrations,
  interactionPath,
  OIDC_ROUTES,
  OidcClients,
  OidcClientsAdmin,
  OidcProviders,
  type TenantProvider
} from "./federation/Oidc.js"
export {
  DEFAULT_SCIM_OPTIONS,
  ERROR_SCHEMA as SCIM_ERROR_SCHEMA,
  type ListQuery as ScimListQuery,
  project as scimProject,
  resourceType as scimResourceType,
  resourceTypesList as scimResourceTypes,
  SCIM_LIMITS,
  SCIM_SCOPE,
  SCIM_TABLES,
  Scim,
  ScimAuth,
  ScimOptions,
  type ScimOptionsShape,
  ScimProvisioning,
  ScimTokensAdmin,
  SEARCH_REQUEST_SCHEMA as SCIM_SEARCH_REQUEST_SCHEMA,
  type SearchRequest as ScimSearchRequest,
  schema as scimSchema,
  schemasList as scimSchemas,
  scimMigrations,
  searchRequest as scimSearchRequest,
  serviceProviderConfig as scimServiceProviderConfig
} from "./federation/Scim.js"
export { accessPortsLayer } from "./identity/AccessPorts.js"
export { Account } from "./identity/Account.js"
export { UserAdmin } from "./identity/Admin.js"
export { ApiKeys, parseApiKey } from "./identity/ApiKeys.js"
export { Auth, type ClientInfo, newRefreshToken, REFRESH_TTL_MS } from "./identity/Auth.js"
export {
  ALGORITHMS,
  KEY_REFRESH_MS,
  type PublicJwk,
  type SigningKeyInfo,
  SigningKeys,
  signingKeyColumn,
  TOKEN_KINDS,
  type TokenKind
} from "./identity/Keys.js"
export { Mfa, newRecoveryCodes, TOTP } from "./identity/Mfa.js"
export { Operator, Operators } from "./identity/Operators.js"
export {
  CHALLENGE_TTL_MS,
  MAX_PASSKEYS_PER_USER,
  PasskeyOrigin,
  Passkeys,
  type RelyingParty,
  relyingPartyOf
} from "./identity/Passkeys.js"
export * as Password from "./identity/Password.js"
export { noSchools, UserSchools } from "./identity/Ports.js"
export { StepUp } from "./identity/StepUp.js"
export { Identity, type ListUsers } from "./identity/Users.js"
export { WebhookAdmin } from "./integrations/Admin.js"
export {
  BrokerError,
  type BrokerMessage,
  type BrokerPublisher,
  type PublishOutcome
} from "./integrations/Broker.js"
export { MAX_LISTED_DELIVERIES } from "./integrations/Deliveries.js"
export { filterMatches } from "./integrations/Delivery.js"
export { generateSecret } from "./integrations/Endpoints.js"
export {
  INTEGRATIONS_TABLES,
  integrationsMigrations,
  webhookPreviousSecretColumn,
  webhookSecretColumn
} from "./integrations/Migrations.js"
export {
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_MAX_AGE_MS,
  type NatsOptions,
  natsPublisher,
  parseNatsUrl
} from "./integrations/NatsRelay.js"
export { OAuthAdmin } from "./integrations/OAuthAdmin.js"
export { OAuthBindings } from "./integrations/OAuthBindings.js"
export {
  acceptableOAuthUrl,
  BINDING_STATE_TTL_MS,
  MAX_PENDING_BINDINGS,
  REFRESH_AHEAD_MS,
  REFRESH_JOB_PERIOD_MS,
  REFRESH_MARGIN_MS
} from "./integrations/OAuthKit.js"
export {
  BrokerRelay,
  defaultRelayOptions,
  RELAY_LEASE,
  type RelayOptions,
  relayRetryDelayMs
} from "./integrations/Relay.js"
export { MAX_METADATA_CHARS, parseSamlIdpMetadata, type SamlIdpMetadata } from "./integrations/SamlMetadata.js"
export { MAX_EXCERPT_BYTES, MAX_WEBHOOK_REDIRECTS, redirectTarget, signHeaders } from "./integrations/Send.js"
export { SsoAdmin } from "./integrations/SsoAdmin.js"
export { emailDomain, SsoConnections } from "./integrations/SsoConnections.js"
export { SsoPolicies } from "./integrations/SsoPolicy.js"
export { type SsoSignedIn, SsoSignIn, type SsoStartRequest } from "./integrations/SsoSignIn.js"
export { checkEndpointUrl, isPublicAddress } from "./integrations/Target.js"
export {
  familyOf,
  PREFIX_PATTERN,
  streamName,
  streamSubjects,
  subjectOf,
  TOPIC_FAMILIES,
  type TopicFamily
} from "./integrations/Topics.js"
export { defaultWebhookOptions, retryDelayMs, type WebhookOptions, Webhooks } from "./integrations/Webhooks.js"
export * as Crypto from "./kernel/Crypto.js"
export * as Db from "./kernel/Database.js"
export * as KeyRotation from "./kernel/KeyRotation.js"
export * as Leases from "./kernel/Leases.js"
export * as Migrations from "./kernel/Migrations.js"
export { currentUser } from "./kernel/Principal.js"
export {
  CurrentQuotaNotices,
  noQuotaUsage,
  type QuotaNotice,
  Quotas,
  type QuotasApi,
  QuotaUsage,
  unlimitedQuotas
} from "./kernel/Quotas.js"
export * as RateLimit from "./kernel/RateLimit.js"
export * as Sql from "./kernel/Sql.js"
export { TenantAdmin } from "./Platform.js"
export { SETTINGS, type SettingDefinition } from "./tenancy/Settings.js"
export { type ListTenants, noOnboarding, Tenancy, TenantOnboarding } from "./tenancy/Tenancy.js"
