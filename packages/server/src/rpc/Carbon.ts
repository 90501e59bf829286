/**
 * RPC handlers of `CarbonQuery` and `CarbonCommand` (`/rpc`, issue 22
 * "Carbon footprints"): one line each, the same facade calls
 * (`ActivitiesAdmin`) and permissions as the REST handlers.
 *
 * @module
 */
import { ActivitiesAdmin as A, CarbonCommand, CarbonQuery, policyUse } from "@signet/core"
import { asPrincipal } from "../Auth.js"

const read = policyUse("carbon:read")
const write = policyUse("carbon:write")

/** Handlers of every carbon RPC. */
export const CarbonRpc = CarbonQuery.merge(CarbonCommand).toLayer({
  ListFootprints: (q) =>
    asPrincipal(A.listFootprints({ target_type: q.target_type, target_id: q.target_id }, q).pipe(read)),
  GetFootprint: ({ id }) => asPrincipal(A.getFootprint(id).pipe(read)),
  GetCarbonTotals: (q) => asPrincipal(A.carbonTotals(q).pipe(read)),
  CreateFootprint: (input) => asPrincipal(A.createFootprint(input).pipe(write)),
  UpdateFootprint: ({ id, patch }) => asPrincipal(A.updateFootprint(id, patch).pipe(write)),
  DeleteFootprint: ({ id }) => asPrincipal(A.deleteFootprint(id).pipe(write))
})
