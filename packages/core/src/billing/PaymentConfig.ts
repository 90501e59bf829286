/**
 * Which payment provider runs (issue 20 "Payments"): the environment
 * settings and the layer that builds the `PaymentProvider` from them (see
 * `PaymentProvider.ts` for the rules of the choice).
 *
 * @module
 */
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { manualProvider, PaymentProvider } from "./PaymentProvider.js"
import { makeStripeProvider } from "./StripeProvider.js"

/** The settings `paymentProviderLayer` reads (see the module comment). */
export const paymentsConfig = Config.all({
  choice: Config.option(Config.literal("manual", "stripe")("SIGNET_PAYMENTS")),
  secretKey: Config.option(Config.redacted("SIGNET_STRIPE_SECRET_KEY")),
  webhookSecret: Config.option(Config.redacted("SIGNET_STRIPE_WEBHOOK_SECRET")),
  apiUrl: Config.option(Config.string("SIGNET_STRIPE_API_URL"))
})

/** The provider chosen from the environment (see the module comment); a bad setting is a defect at start. */
export const paymentProviderLayer: Layer.Layer<PaymentProvider> = Layer.effect(
  PaymentProvider,
  Effect.gen(function* () {
    const c = yield* Effect.orDie(paymentsConfig)
    const kind = Option.getOrElse(c.choice, () => (Option.isSome(c.secretKey) ? "stripe" : "manual"))
    if (kind === "manual") return manualProvider
    if (Option.isNone(c.secretKey) || Option.isNone(c.webhookSecret))
      return yield* Effect.dieMessage(
        "SIGNET_PAYMENTS=stripe needs SIGNET_STRIPE_SECRET_KEY and SIGNET_STRIPE_WEBHOOK_SECRET"
      )
    return makeStripeProvider({
      secretKey: Redacted.value(c.secretKey.value),
      webhookSecret: Redacted.value(c.webhookSecret.value),
      apiUrl: Option.getOrUndefined(c.apiUrl)
    })
  })
)
