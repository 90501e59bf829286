/**
 * Handlers of the `events` group.
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { Events, SignetApi } from "@signet/core"

/** Handlers for `/api/v1/events…`. */
export const EventsHttp = HttpApiBuilder.group(SignetApi, "events", (handlers) =>
  handlers
    .handle("dead", () => Events.use((e) => e.dead()))
    .handle("replay", ({ path }) => Events.use((e) => e.replay(path.id)))
)
