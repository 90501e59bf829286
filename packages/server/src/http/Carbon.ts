/**
 * Handlers of the `carbon` group (issue 22 "Carbon footprints") over
 * `ActivitiesAdmin` (core): reads and totals need `carbon:read`, changes
 * `carbon:write`; targets, authorship, units and tenant are checked in
 * core. Restore is the activities group's `restoreActivity` (kind
 * `footprints`).
 *
 * @module
 */
import { HttpApiBuilder } from "@effect/platform"
import { ActivitiesAdmin as A, policyUse, SignetApi } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("carbon:read")
const write = policyUse("carbon:write")

/** Carbon footprints and totals under `/api/v1/tenants/{slug}/activities/carbon/…`. */
export const CarbonHttp = HttpApiBuilder.group(SignetApi, "carbon", (h) =>
  h
    .handle("createFootprint", ({ payload }) => asPrincipal(A.createFootprint(payload).pipe(write)))
    .handle("listFootprints", ({ urlParams: q }) =>
      asPrincipal(A.listFootprints({ target_type: q.target_type, target_id: q.target_id }, q).pipe(read))
    )
    .handle("carbonTotals", ({ urlParams: q }) => asPrincipal(A.carbonTotals(q).pipe(read)))
    .handle("getFootprint", ({ path }) => asPrincipal(A.getFootprint(path.id).pipe(read)))
    .handle("updateFootprint", ({ path, payload }) => asPrincipal(A.updateFootprint(path.id, payload).pipe(write)))
    .handle("deleteFootprint", ({ path }) => asPrincipal(A.deleteFootprint(path.id).pipe(write)))
)
