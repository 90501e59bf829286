/**
 * The webhooks facade (issue 21 §1): each operation carries its permission
 * in its type — `webhooks:read` to list and read endpoints and their
 * deliveries, `webhooks:write` to create, change, delete, rotate secrets,
 * ping, replay and recover. Tenant and actor come from context.
 *
 * @module
 */
import type {
  CreateWebhookEndpoint,
  RecoverWebhookDeliveries,
  UpdateWebhookEndpoint
} from "@signet/contracts/integrations/Domain"
import { policyRequire } from "../access/Policy.js"
import { Webhooks } from "./Webhooks.js"

const read = policyRequire("webhooks", "read")
const write = policyRequire("webhooks", "write")

/** Webhook administration; see the module comment for the permissions. */
export const WebhookAdmin = {
  /** Creates an endpoint; the answer holds its secret (shown once). */
  createEndpoint: (input: CreateWebhookEndpoint) => write(Webhooks.use((w) => w.create(input))),
  listEndpoints: () => read(Webhooks.use((w) => w.list)),
  getEndpoint: (id: string) => read(Webhooks.use((w) => w.get(id))),
  updateEndpoint: (id: string, patch: UpdateWebhookEndpoint) => write(Webhooks.use((w) => w.update(id, patch))),
  deleteEndpoint: (id: string) => write(Webhooks.use((w) => w.remove(id))),
  /** Replaces the secret; the answer holds the new one (shown once). */
  rotateSecret: (id: string) => write(Webhooks.use((w) => w.rotateSecret(id))),
  listDeliveries: (id: string) => read(Webhooks.use((w) => w.listDeliveries(id))),
  getDelivery: (id: string, deliveryId: string) => read(Webhooks.use((w) => w.getDelivery(id, deliveryId))),
  /** Sends a ping event to the endpoint now. */
  ping: (id: string) => write(Webhooks.use((w) => w.ping(id))),
  /** Sends one delivery again now. */
  replay: (id: string, deliveryId: string) => write(Webhooks.use((w) => w.replay(id, deliveryId))),
  /** Queues again an endpoint's deliveries of a time range (failed ones, or all). */
  recover: (id: string, input: RecoverWebhookDeliveries) => write(Webhooks.use((w) => w.recover(id, input)))
} as const
