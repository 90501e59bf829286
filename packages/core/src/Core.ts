/**
 * Composition of the core: the database (with migrations) and every module
 * service, as one layer. The server, the CLI and embedding applications all
 * build Signet from here.
 *
 * @module
 */

import type { SqlClient } from "@effect/sql"
import { DEFAULT_ROLE_OF_TYPE } from "@signet/contracts/access/Domain"
import type { CurrentTenant } from "@signet/contracts/kernel/Context"
import { ServiceUnavailable } from "@signet/contracts/kernel/Errors"
import { Context, DateTime, Effect, Layer, Option } from "effect"
import { Academics } from "./academics/Academics.js"
import { accountGroupsLayer } from "./academics/AccountsPorts.js"
import { userSchoolsLayer } from "./academics/IdentityPorts.js"
import { academicsMigrations } from "./academics/Migrations.js"
import { Roster } from "./academics/Roster.js"
import { Timetable } from "./academics/Timetable.js"
import { timetableSourceUrlColumn } from "./academics/timetable/Sources.js"
import { Access } from "./access/Access.js"
import { accessMigrations } from "./access/Migrations.js"
import type { AccessStepUp, AccessUsers } from "./access/Ports.js"
import { Accounts } from "./accounts/Accounts.js"
import { emailVerificationsLayer } from "./accounts/IdentityPorts.js"
import { type Mailer, mailerFromEnv } from "./accounts/Mailer.js"
import { mailContentColumn } from "./accounts/MailQueue.js"
import { accountsMigrations } from "./accounts/Migrations.js"
import { Phones } from "./accounts/Phones.js"
import { SmsChannels, type SmsSender, smsSenderFromEnv } from "./accounts/Sms.js"
import { type SmsQueue, smsQueueLayer } from "./accounts/SmsQueue.js"
import { Activities } from "./activities/Activities.js"
import { AttachmentStore } from "./activities/AttachmentStore.js"
import { ATTACHMENT_STORAGE_LIMIT } from "./activities/Attachments.js"
import { activitiesMigrations, channelCredentialsColumn } from "./activities/Migrations.js"
import { ActivitiesRepo } from "./activities/Repo.js"
import { courseAttendanceLayer } from "./attendance/AcademicsPorts.js"
import { Attendance } from "./attendance/Attendance.js"
import { attendanceMigrations, qrSecretColumn } from "./attendance/Migrations.js"
import { AttendanceRepo } from "./attendance/Repo.js"
import { Audit } from "./audit/Audit.js"
import { auditMigrations } from "./audit/Migrations.js"
import { Beacons } from "./beacon/Beacons.js"
import { beaconMigrations, beaconTotpColumn } from "./beacon/Migrations.js"
import { BeaconRepo } from "./beacon/Repo.js"
import { flushJob } from "./billing/ApiUsage.js"
import { Billing } from "./billing/Billing.js"
import { billingQuotas, Entitlements } from "./billing/Entitlements.js"
import { billingMigrations } from "./billing/Migrations.js"
import { paymentProviderLayer } from "./billing/PaymentConfig.js"
import { Events } from "./events/Events.js"
import { eventsMigrations } from "./events/Migrations.js"
import { OidcClients } from "./federation/oidc/Clients.js"
import { federationOidcMigrations, oidcClientSecretColumn, oidcCookieKeyColumn } from "./federation/oidc/Migrations.js"
import { OidcProviders } from "./federation/oidc/Provider.js"
import { Scim } from "./federation/Scim.js"
import { scimMigrations } from "./federation/scim/Migrations.js"
import { accessPortsLayer } from "./identity/AccessPorts.js"
import { accountUsersLayer } from "./identity/AccountsPorts.js"
import { ApiKeys } from "./identity/ApiKeys.js"
import { Auth } from "./identity/Auth.js"
import { SigningKeys, signingKeyColumn } from "./identity/Keys.js"
import { Mfa, mfaSecretColumn } from "./identity/Mfa.js"
import { identityMigrations } from "./identity/Migrations.js"
import { Operators } from "./identity/Operators.js"
import { Passkeys } from "./identity/Passkeys.js"
import type { UserSchools } from "./identity/Ports.js"
import { UsersRepo } from "./identity/repo/Users.js"
import { Identity } from "./identity/Users.js"
import { ssoOnlyDomainsLayer } from "./integrations/IdentityPorts.js"
import {
  integrationsMigrations,
  oauthAccessTokenColumn,
  oauthRefreshTokenColumn,
  oauthVerifierColumn,
  platformCredentialSecretColumn,
  ssoClientSecretColumn,
  ssoVerifierColumn,
  webhookPreviousSecretColumn,
  webhookSecretColumn
} from "./integrations/Migrations.js"
import { type NatsOptions, natsPublisher } from "./integrations/NatsRelay.js"
import { OAuthBindings } from "./integrations/OAuthBindings.js"
import { OAuthRepo } from "./integrations/OAuthRepo.js"
import { BrokerRelay, type RelayOptions } from "./integrations/Relay.js"
import { SsoConnections } from "./integrations/SsoConnections.js"
import { SsoPolicies } from "./integrations/SsoPolicy.js"
import { SsoPolicyRepo } from "./integrations/SsoPolicyRepo.js"
import { SsoRepo } from "./integrations/SsoRepo.js"
import { SsoSignIn } from "./integrations/SsoSignIn.js"
import { Webhooks } from "./integrations/Webhooks.js"
import { Envelope, EnvelopeLive } from "./kernel/Crypto.js"
import {
  type Database,
  DatabaseStartupError,
  DEFAULT_PG_APP_ROLE,
  layer as databaseLayer,
  ping
} from "./kernel/Database.js"
import type { EncryptedColumn } from "./kernel/KeyRotation.js"
import { leaseMigrations } from "./kernel/Leases.js"
import { isCurrent, kernelMigrations, type ModuleMigrations, runAll, status } from "./kernel/Migrations.js"
import { type Quotas, QuotaUsage } from "./kernel/Quotas.js"
import * as RateLimit from "./kernel/RateLimit.js"
import { tenancyMigrations } from "./tenancy/Migrations.js"
import { Tenancy, TenantOnboarding } from "./tenancy/Tenancy.js"

/** Every module's migrations, in dependency order. */
export const allMigrations = (appRole: string = DEFAULT_PG_APP_ROLE): ReadonlyArray<ModuleMigrations> => [
  kernelMigrations(appRole),
  // Job leases (kernel/Leases.ts): after the kernel set, so the table gets the app role's grants.
  leaseMigrations,
  tenancyMigrations,
  auditMigrations(appRole),
  eventsMigrations,
  RateLimit.rateLimitMigrations,
  identityMigrations,
  accessMigrations(appRole),
  academicsMigrations,
  attendanceMigrations,
  beaconMigrations,
  accountsMigrations,
  integrationsMigrations,
  billingMigrations,
  activitiesMigrations,
  scimMigrations,
  federationOidcMigrations
]

/** Every envelope-encrypted column of every module (master-key rotation re-wraps them). */
export const encryptedColumns: ReadonlyArray<EncryptedColumn> = [
  signingKeyColumn,
  mfaSecretColumn,
  qrSecretColumn,
  beaconTotpColumn,
  timetableSourceUrlColumn,
  webhookSecretColumn,
  webhookPreviousSecretColumn,
  mailContentColumn,
  oidcClientSecretColumn,
  oidcCookieKeyColumn,
  platformCredentialSecretColumn,
  oauthAccessTokenColumn,
  oauthRefreshTokenColumn,
  oauthVerifierColumn,
  ssoClientSecretColumn,
  ssoVerifierColumn,
  channelCredentialsColumn
]

/** Options of {@link layer}. */
export interface CoreOptions {
  /** `DATABASE_URL` (`sqlite:<path>` or `postgres://…`). */
  readonly databaseUrl: string
  /** Apply pending migrations at start (default true). When false, start fails if any is pending. */
  readonly migrate?: boolean | undefined
  /** Postgres application role (default `signet_app`). */
  readonly pgAppRole?: string | undefined
  /** Postgres pool size. */
  readonly pgPoolSize?: number | undefined
  /** SQLite: create the database when it is missing (default true; read-only commands pass false). */
  readonly create?: boolean | undefined
  /** Called with each applied migration (progress output). */
  readonly onMigrated?: ((applied: ReadonlyArray<string>) => void) | undefined
  /**
   * Envelope encryption for secrets at rest. Default: the master key from
   * `SIGNET_MASTER_KEY` or the key file (`Crypto.EnvelopeLive`).
   */
  readonly envelope?: Layer.Layer<Envelope, unknown> | undefined
  /**
   * The mail transport (`accounts/Mailer.ts`). Default: from the
   * environment (`SIGNET_SMTP_URL`, `SIGNET_MAIL_FROM`, `SIGNET_PUBLIC_URL`),
   * the development-only log transport when no SMTP URL is set.
   */
  readonly mailer?: Layer.Layer<Mailer> | undefined
  /**
   * The SMS transport (`accounts/Sms.ts`, issue 18). Default: from the
   * environment (`SIGNET_SMS_TRANSPORT=http|log`, http by default: each
   * tenant's `sms` channel, issue 22 "Channel configs").
   */
  readonly sms?: Layer.Layer<SmsSender, never, SmsChannels> | undefined
  /**
   * Where attachment bytes live (issue 22 "Attachments"). Default: files
   * under `AttachmentStore.defaultDir(databaseUrl)` (`SIGNET_ATTACHMENTS_DIR`,
   * else `attachments` beside the SQLite file, else `./data/attachments`).
   */
  readonly attachmentStore?: Layer.Layer<AttachmentStore> | undefined
}

/** All module services. */
export type CoreServices =
  | Tenancy
  | Audit
  | Events
  | Identity
  | Auth
  | Mfa
  | Passkeys
  | Operators
  | ApiKeys
  | SigningKeys
  | Envelope
  | RateLimit.RateLimiter
  | Access
  | AccessUsers
  | AccessStepUp
  | UserSchools
  | TenantOnboarding
  | Academics
  | Roster
  | Timetable
  | Attendance
  | Beacons
  | Webhooks
  | OAuthBindings
  | SsoConnections
  | SsoPolicies
  | SsoSignIn
  | BrokerRelay
  | Billing
  | Entitlements
  | Quotas
  | Activities
  | Scim

/**
 * The accounts services (issue 18; the SMS port over the tenants' `sms`
 * channels) and the OpenID Connect provider's
 * (issue 19 §1: it reads `email_verified` through accounts), built above
 * the core services by {@link layer}.
 */
export type AccountsServices = Accounts | Phones | Mailer | SmsSender | SmsQueue | OidcClients | OidcProviders

/**
 * The accounts service over the core services: identity provides its
 * `AccountUsers` port, academics its `AccountGroups` port; the mailer is the caller's.
 */
export const accountsLayer: Layer.Layer<Accounts, never, CoreServices | Mailer | SqlClient.SqlClient> =
  Accounts.Default.pipe(
    Layer.provide(accountUsersLayer),
    Layer.provide(accountGroupsLayer),
    Layer.provide(UsersRepo.Default)
  )

/**
 * The phones service (issue 18 SMS: phone numbers, SMS second factor and
 * sign-in) over the SMS queue and identity's `AccountUsers` port.
 */
export const phonesLayer: Layer.Layer<Phones, never, CoreServices | SmsQueue | SqlClient.SqlClient> =
  Phones.Default.pipe(Layer.provide(accountUsersLayer), Layer.provide(UsersRepo.Default))

/**
 * Accounts' {@link SmsChannels} port over activities' channel configs
 * (issue 18 SMS, issue 22 "Channel configs"): the tenant's enabled `sms`
 * channel serving an event type, credentials decrypted. Composed here
 * because accounts may not import activities (module graph).
 */
export const smsChannelsLayer: Layer.Layer<SmsChannels, never, Activities> = Layer.effect(
  SmsChannels,
  Effect.map(Activities, (activities) => ({
    resolve: (eventType: string) =>
      Effect.map(
        activities.channels.resolve("sms", eventType),
        Option.map(({ config, credentials }) => {
          const s = config.settings as { url: string; from: string; method?: "POST" | "PUT"; auth_header?: string }
          return { id: config.id, url: s.url, from: s.from, method: s.method, authHeader: s.auth_header, credentials }
        })
      )
  }))
)

/** The OpenID Connect provider's services (issue 19 §1) over the core and accounts services. */
export const oidcLayer: Layer.Layer<OidcClients | OidcProviders, never, CoreServices | Accounts | SqlClient.SqlClient> =
  OidcProviders.Default.pipe(Layer.provideMerge(OidcClients.Default))

/** The default role a new user of each type receives (defined with the default roles). */
export { DEFAULT_ROLE_OF_TYPE }

/**
 * Tenancy's onboarding port ({@link TenantOnboarding}, issue 14 §5): in the
 * transaction that creates a tenant, access seeds the default roles, then
 * identity creates the first admin given with `CreateTenant.admin` (who
 * receives the admin role as every new user receives their type's default
 * role, `Access.grantDefaultRole`).
 */
const onboarding = Layer.effect(
  TenantOnboarding,
  Effect.gen(function* () {
    const access = yield* Access
    const identity = yield* Identity
    return {
      run: (_tenant, input) =>
        Effect.gen(function* () {
          yield* access.seedDefaults
          if (input.admin)
            yield* identity
              .create({
                email: input.admin.email,
                given_name: input.admin.given_name,
                family_name: input.admin.family_name,
                user_type: "admin",
                password: input.admin.password
              })
              // A tenant being created has no subscription, so no plan limits it.
              .pipe(Effect.catchTag("QuotaExceeded", (e) => Effect.die(e)))
        })
    }
  })
)

/**
 * The `QuotaUsage` port (issue 20): what a tenant holds under each counted
 * limit, from identity's, beacons', attendance's and activities'
 * (attachment storage) repositories, so
 * billing refuses a downgrade below it and reports usage.
 */
const quotaUsage = Layer.effect(
  QuotaUsage,
  Effect.gen(function* () {
    const users = yield* UsersRepo
    const beacons = yield* BeaconRepo
    const attendance = yield* AttendanceRepo
    const activities = yield* ActivitiesRepo
    const counters: Record<string, Effect.Effect<number, never, CurrentTenant>> = {
      [ATTACHMENT_STORAGE_LIMIT]: Effect.orDie(activities.storedBytes),
      "users.max": users.countLive,
      "beacons.max": beacons.countLive,
      "signatures.monthly": Effect.flatMap(DateTime.now, (now) =>
        attendance.countSignaturesSince(DateTime.startOf(now, "month"))
      )
    }
    return { count: (limit: string) => counters[limit] ?? Effect.succeed(undefined) }
  })
).pipe(
  Layer.provide(Layer.mergeAll(UsersRepo.Default, BeaconRepo.Default, AttendanceRepo.Default, ActivitiesRepo.Default))
)

/** The module services, given a `SqlClient`, an `Envelope` and an `AttachmentStore`. */
export const servicesLayer: Layer.Layer<CoreServices, never, SqlClient.SqlClient | Envelope | AttachmentStore> =
  Layer.mergeAll(
    Activities.Default,
    // SCIM provisions users through identity's and access's services (issue 19 §3).
    Scim.Default,
    // SSO sign-in: integrations' connections, identity's users and sessions (issue 19 §2).
    SsoSignIn.Default
  ).pipe(
    // Activities checks targets through academics', identity's and beacons' facades (issue 22).
    Layer.provideMerge(
      Layer.mergeAll(
        Timetable.Default,
        Roster.Default,
        Beacons.Default,
        Webhooks.Default,
        OAuthBindings.Default.pipe(Layer.provide(OAuthRepo.Default)),
        SsoConnections.Default.pipe(Layer.provide(SsoRepo.Default)),
        SsoPolicies.Default,
        BrokerRelay.Default,
        Billing.Default.pipe(Layer.provide(quotaUsage), Layer.provide(paymentProviderLayer))
      )
    ),
    Layer.provideMerge(Layer.mergeAll(Attendance.Default, courseAttendanceLayer)),
    Layer.provideMerge(Layer.mergeAll(Academics.Default, onboarding)),
    Layer.provideMerge(Layer.mergeAll(ApiKeys.Default, Operators.Default, Mfa.Default, Passkeys.Default)),
    Layer.provideMerge(Auth.Default),
    Layer.provideMerge(Identity.Default),
    // Identity's services use access; access's ports come from identity's repositories and
    // academics' (not their services), so the layers form no cycle (issue 14 §5).
    Layer.provideMerge(Layer.mergeAll(Access.Default, userSchoolsLayer)),
    // Billing's entitlements answer the quota port identity, beacons and attendance ask (issue 20).
    Layer.provideMerge(billingQuotas),
    Layer.provideMerge(Entitlements.Default),
    Layer.provideMerge(accessPortsLayer),
    // Password login asks integrations' SSO connections through identity's port (issue 19 §2).
    Layer.provideMerge(ssoOnlyDomainsLayer.pipe(Layer.provide(Layer.mergeAll(SsoRepo.Default, SsoPolicyRepo.Default)))),
    // Required actions at sign-in read accounts' verified addresses through identity's port (issue 18).
    Layer.provideMerge(emailVerificationsLayer),
    Layer.provideMerge(Layer.mergeAll(Tenancy.Default, SigningKeys.Default)),
    Layer.provideMerge(Layer.mergeAll(Audit.Default, Events.Default, RateLimit.layer)),
    Layer.provideMerge(Layer.effectContext(Effect.map(Envelope, (e) => Context.make(Envelope, e))))
  )

/**
 * Database + migrations + services.
 * @errors DatabaseStartupError (one-line operator message) when the database
 * cannot be opened, migrated, or is not migrated and `migrate` is false.
 */
export const layer = (
  options: CoreOptions
): Layer.Layer<CoreServices | AccountsServices | SqlClient.SqlClient | Database, DatabaseStartupError> => {
  const sets = allMigrations(options.pgAppRole)
  const beforeStart =
    options.migrate === false
      ? Effect.flatMap(status(sets), (s) =>
          isCurrent(s)
            ? Effect.void
            : Effect.fail(
                new DatabaseStartupError({
                  message: `database is not migrated (${s
                    .filter((x) => x.applied < x.latest)
                    .map((x) => `${x.module} ${x.applied}/${x.latest}`)
                    .join(", ")}); run \`signet migrate\` or start without --no-migrate`
                })
              )
        )
      : Effect.map(runAll(sets), (applied) => {
          if (applied.length > 0) options.onMigrated?.(applied)
        })
  return Layer.merge(
    oidcLayer,
    phonesLayer.pipe(
      Layer.provideMerge(smsQueueLayer),
      Layer.provideMerge(options.sms ?? smsSenderFromEnv),
      Layer.provide(smsChannelsLayer)
    )
  ).pipe(
    Layer.provideMerge(accountsLayer),
    Layer.provideMerge(servicesLayer),
    Layer.provideMerge(
      options.attachmentStore ?? AttachmentStore.fileSystem(AttachmentStore.defaultDir(options.databaseUrl))
    ),
    Layer.provideMerge(options.mailer ?? mailerFromEnv),
    Layer.provideMerge(
      (options.envelope ?? EnvelopeLive).pipe(
        Layer.mapError(
          (e) => new DatabaseStartupError({ message: (e as { message?: string }).message ?? String(e), cause: e })
        )
      )
    ),
    Layer.provideMerge(
      databaseLayer({
        url: options.databaseUrl,
        beforeStart,
        pgAppRole: options.pgAppRole,
        pgPoolSize: options.pgPoolSize,
        create: options.create
      })
    )
  )
}

/**
 * Readiness (`GET /ready`): the database answers and every module's
 * migrations are applied.
 * @errors ServiceUnavailable ("database unreachable", "database migrations pending")
 */
export const readiness = (pgAppRole?: string) =>
  Effect.gen(function* () {
    if (!(yield* ping)) return yield* new ServiceUnavailable({ message: "database unreachable" })
    const current = isCurrent(yield* status(allMigrations(pgAppRole)))
    if (!current) return yield* new ServiceUnavailable({ message: "database migrations pending" })
  })

/** Options of {@link jobs}. */
export interface JobOptions {
  /** Period of the attendance close job (CloseExpiredCourses), in ms; `0` leaves it off (default 60 000). */
  readonly closeIntervalMs?: number | undefined
  /** Run the outbox dispatcher (CloudEvents to subscribers; default true). */
  readonly outbox?: boolean | undefined
  /**
   * Period of the timetable sources job (pulls due iCalendar URLs and syncs
   * them, issue 16), in ms; `0` leaves it off (default 60 000).
   */
  readonly timetableSourcesIntervalMs?: number | undefined
  /**
   * Let the timetable sources job fetch plain `http` from a loopback host
   * (and loopback/private literal addresses): tests and development only.
   * Default false: https only.
   */
  readonly allowInsecureHttp?: boolean | undefined
  /** Run the webhook delivery job (issue 21 §1; default true). */
  readonly webhooks?: boolean | undefined
  /**
   * Period of the `billing.close_periods` job (issue 20 "Invoices": ended
   * subscription periods are invoiced, finalized and rolled on), in ms; `0`
   * leaves it off (default: `closeIntervalMs`, else 60 000).
   */
  readonly billingCloseIntervalMs?: number | undefined
  /**
   * Period of the `activities.task_reminders` job (issue 22: due task
   * reminders become `signet.activities.task.reminder_due` events), in ms;
   * `0` leaves it off (default: `closeIntervalMs`, else 60 000).
   */
  readonly taskRemindersIntervalMs?: number | undefined
  /**
   * Period of the `activities.purge_deleted` job (issue 22 retention:
   * soft-deleted activities past the tenant's
   * `activities.deleted_retention_days` are deleted for good, with their
   * unreferenced attachment blobs), in ms; `0` leaves it off (default
   * 3 600 000, one hour; off when `closeIntervalMs` is 0).
   */
  readonly activitiesPurgeIntervalMs?: number | undefined
  /**
   * Period of the API usage flush (issue 20: the API requests counted in
   * memory become one outbox event per tenant and minute, `billing/ApiUsage.ts`),
   * in ms; `0` leaves the periodic flush off (default 60 000). Whatever the
   * period, the counts held are flushed when the jobs stop.
   */
  readonly apiUsageFlushIntervalMs?: number | undefined
  /** Run the `refresh_oauth` job (OAuth bindings' tokens, every 10 minutes, issue 21 §4; default true). */
  readonly oauthRefresh?: boolean | undefined
  /**
   * Relay every event to NATS JetStream (issue 21 §2; `SIGNET_NATS_URL`):
   * the connection and stream settings plus relay tuning. Absent: no relay.
   * Set it on every replica (each replica's dispatcher hands events over;
   * one replica at a time publishes).
   */
  readonly nats?: (NatsOptions & Partial<RelayOptions>) | undefined
}

/**
 * The background jobs of an installation, forked for the layer's lifetime:
 * the outbox dispatcher (at-least-once delivery of published events to
 * subscribers) and the attendance close job (every `closeIntervalMs`: ended
 * courses close and their unmarked students become ABSENT; one replica at a
 * time holds its lease) and the timetable sources job (every
 * `timetableSourcesIntervalMs`: due iCalendar URLs are pulled and synced,
 * issue 16; one replica at a time), the billing period close (every
 * `billingCloseIntervalMs`, issue 20; one replica at a time), the task
 * reminders (every `taskRemindersIntervalMs`, issue 22; one replica at a time), the purge of
 * soft-deleted activities past their retention (every `activitiesPurgeIntervalMs`, issue 22; one
 * replica at a time) and, when `nats` is given, the broker
 * relay to NATS JetStream (issue 21 §2; one replica at a time publishes).
 * `signet serve` runs them; an embedder that wants
 * them provides this layer beside {@link layer}:
 *
 * ```ts
 * const core = Core.layer({ databaseUrl })
 * const app = Layer.merge(core, Core.jobs({ closeIntervalMs: 60_000 }).pipe(Layer.provide(core)))
 * ```
 */
export const jobs = (
  options: JobOptions = {}
): Layer.Layer<
  never,
  never,
  Events | Attendance | Timetable | Tenancy | Webhooks | OAuthBindings | BrokerRelay | Billing | Activities
> =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const nats = options.nats
      if (nats) {
        // Subscribed before the dispatcher starts, so no event is dispatched without the relay.
        const relay = yield* BrokerRelay
        yield* Effect.flatMap(Events, (e) => e.subscribe({ name: "broker-relay", types: ["*"], handle: relay.enqueue }))
        yield* Effect.forkScoped(relay.run(natsPublisher(nats), nats))
      }
      if (options.outbox !== false) yield* Effect.forkScoped(Effect.flatMap(Events, (e) => e.run))
      if (options.webhooks !== false) {
        const tenancy = yield* Tenancy
        yield* Effect.forkScoped(Effect.flatMap(Webhooks, (w) => w.run(tenancy)))
      }
      if (options.oauthRefresh !== false) {
        const tenancy = yield* Tenancy
        yield* Effect.forkScoped(Effect.flatMap(OAuthBindings, (o) => o.job(tenancy)))
      }
      const interval = options.closeIntervalMs ?? 60_000
      if (interval > 0)
        yield* Effect.forkScoped(Effect.flatMap(Attendance, (a) => a.closeJob({ intervalMs: interval })))
      const billingEvery = options.billingCloseIntervalMs ?? interval
      if (billingEvery > 0)
        yield* Effect.forkScoped(Effect.flatMap(Billing, (b) => b.closeJob({ intervalMs: billingEvery })))
      const flushEvery = options.apiUsageFlushIntervalMs ?? 60_000
      yield* Effect.flatMap(Billing, (b) =>
        flushEvery > 0
          ? flushJob(b.apiRequests, { intervalMs: flushEvery })
          : Effect.addFinalizer(() => Effect.asVoid(b.apiRequests.flush))
      )
      const remindEvery = options.taskRemindersIntervalMs ?? interval
      if (remindEvery > 0) {
        const tenancy = yield* Tenancy
        yield* Effect.forkScoped(
          Effect.flatMap(Activities, (a) => a.reminders.remindersJob(tenancy, { intervalMs: remindEvery }))
        )
      }
      const purgeEvery = options.activitiesPurgeIntervalMs ?? (interval > 0 ? 3_600_000 : 0)
      if (purgeEvery > 0) {
        const tenancy = yield* Tenancy
        yield* Effect.forkScoped(
          Effect.flatMap(Activities, (a) => a.purge.purgeJob(tenancy, { intervalMs: purgeEvery }))
        )
      }
      const pullEvery = options.timetableSourcesIntervalMs ?? 60_000
      if (pullEvery > 0)
        yield* Effect.forkScoped(
          Effect.flatMap(Timetable, (t) =>
            t.sourcesJob({ intervalMs: pullEvery, allowInsecureHttp: options.allowInsecureHttp === true })
          )
        )
    })
  )
