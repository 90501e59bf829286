/**
 * The plumbing under the Promise facade (`Client.ts`): the Effect REST client
 * it wraps, the payload types the facade takes, the decoding of a payload
 * with its endpoint's schema before anything is sent, and the Effect → Promise
 * bridge that rejects with the server's tagged error.
 *
 * @module
 */
import { FetchHttpClient, HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { FieldIssue, SignetApi, ValidationError } from "@signet/contracts"
import { type Brand, Cause, Effect, Exit, ParseResult, Redacted, Schema } from "effect"

/**
 * A payload as the facade takes it: plain values, i.e. strings where the
 * contracts hold secrets as `Redacted` (`password`, `current_password`,
 * `new_password`, …). A `Redacted` is accepted too. Branded ids
 * (`CourseId`, …) are plain strings (the facade decodes the payload).
 */
export type Plain<T> = T extends string & Brand.Brand<any>
  ? string
  : T extends Redacted.Redacted<infer A>
    ? A | Redacted.Redacted<A>
    : T extends Uint8Array
      ? T
      : T extends ReadonlyArray<infer U>
        ? ReadonlyArray<Plain<U>>
        : T extends object
          ? { readonly [K in keyof T]: Plain<T[K]> }
          : T

/** The Effect REST client (`HttpApiClient` over `SignetApi`), one property per API group. */
export type Raw = Effect.Effect.Success<ReturnType<typeof rawClient>>
type Fn = (...args: ReadonlyArray<any>) => Effect.Effect<any, any, any>
/** One API group of {@link Raw}. */
export type Group<G extends keyof Raw> = Raw[G]
/** The `payload` argument of a REST endpoint. */
export type PayloadOf<G extends keyof Raw, E extends keyof Group<G>> = Group<G>[E] extends Fn
  ? Parameters<Group<G>[E]>[0] extends { readonly payload: infer P }
    ? P
    : never
  : never
/** A REST endpoint's payload as the facade takes it (see {@link Plain}). */
export type PlainOf<G extends keyof Raw, E extends keyof Group<G>> = Plain<PayloadOf<G, E>>
/** The `urlParams` argument of a REST endpoint. */
export type ParamsOf<G extends keyof Raw, E extends keyof Group<G>> = Group<G>[E] extends Fn
  ? Parameters<Group<G>[E]>[0] extends { readonly urlParams: infer P }
    ? P
    : never
  : never
/** The success value of a REST endpoint. */
export type ResultOf<G extends keyof Raw, E extends keyof Group<G>> = Group<G>[E] extends Fn
  ? Effect.Effect.Success<ReturnType<Group<G>[E]>>
  : never

/** Builds the Effect REST client for `baseUrl`, sending `token()` (when set) as the bearer token. */
export const rawClient = (baseUrl: string, token: () => string | undefined) =>
  HttpApiClient.make(SignetApi, {
    baseUrl,
    transformClient: (client) =>
      HttpClient.mapRequest(client, (request) => {
        const t = token()
        return t ? HttpClientRequest.bearerToken(request, t) : request
      })
  }).pipe(Effect.provide(FetchHttpClient.layer))

/** Replaces every `Redacted` in a plain value by its content (the schema wraps it again). */
const unwrapRedacted = (value: unknown): unknown =>
  Redacted.isRedacted(value)
    ? Redacted.value(value)
    : Array.isArray(value)
      ? value.map(unwrapRedacted)
      : value !== null && typeof value === "object" && !(value instanceof Uint8Array)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapRedacted(v)]))
        : value

/**
 * The facade's payloads are decoded here with the endpoint's own schema
 * before anything is sent: secrets become `Redacted`, and a bad value rejects
 * with the same `ValidationError` (`issues[]` with dotted field paths) the
 * server answers — never quoting the value.
 */
export const decodePayload = <G extends keyof Raw, E extends keyof Group<G>>(
  group: G,
  endpoint: E,
  input: unknown
): Effect.Effect<PayloadOf<G, E>, ValidationError> => {
  const schema = (
    SignetApi.groups as unknown as Record<
      string,
      { endpoints: Record<string, { payloadSchema: { _tag: string; value?: Schema.Schema.AnyNoContext } }> }
    >
  )[group as string]?.endpoints[endpoint as string]?.payloadSchema
  if (!schema || schema._tag !== "Some" || !schema.value) return Effect.succeed(input as PayloadOf<G, E>)
  return Schema.decodeUnknown(schema.value)(unwrapRedacted(input), { onExcessProperty: "error" }).pipe(
    Effect.mapError((error) => {
      const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map(
        (issue) =>
          new FieldIssue({
            field: issue.path.map(String).join(".") || "body",
            // The formatter quotes the value it got ("actual …"): a password must not travel into a log.
            message: issue.message.replace(/,?\s*actual[\s\S]*$/, "").trim() || "is invalid"
          })
      )
      return new ValidationError({
        message: issues.map((i) => `${i.field}: ${i.message}`).join("; ") || "invalid input",
        issues
      })
    })
  ) as Effect.Effect<PayloadOf<G, E>, ValidationError>
}

/** Runs an Effect, rejecting with the failure itself (the tagged error), not a wrapper. */
export const toPromise = async <A>(effect: Effect.Effect<A, unknown>): Promise<A> => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}
