/**
 * The facade's carbon footprints group (`client.carbon`, issue 22 "Carbon
 * footprints"): footprints of any target and their totals in kg CO₂e. One
 * factory over the client's {@link Session}, composed by `Client.ts`.
 *
 * @module
 */
import type { PageRef, TargetRef } from "./ActivityApis.js"
import type { Session } from "./Session.js"
import type { ParamsOf, PlainOf } from "./Transport.js"

/**
 * `client.carbon` (docs/activities.md "Carbon footprints"): reads and
 * totals need `carbon:read`, changes `carbon:write`. A unit the server
 * does not know, or a factor unit of another dimension than the quantity's
 * (kWh vs km), rejects with `UnitConversionError` (400).
 */
export const carbonApi = ({ call, callWith, path }: Session) => {
  const at = (id: string) => ({ path: { ...path, id } })
  return {
    /**
     * Records a footprint: `{ target_type, target_id, scope: 1|2|3, category,
     * quantity, unit, factor_kg_per_unit, factor_unit, factor_source,
     * period_start, period_end }` (dates `YYYY-MM-DD`); answers it with `co2e_kg`.
     */
    create: (input: PlainOf<"carbon", "createFootprint">) =>
      callWith("carbon", "createFootprint", input, (r, payload) => r.carbon.createFootprint({ path, payload })),
    /** A target's footprints, newest first. */
    list: (target: TargetRef, page: PageRef = {}) =>
      call((r) =>
        r.carbon.listFootprints({
          path,
          urlParams: { target_type: target.target_type, target_id: target.target_id, ...page }
        })
      ),
    /** One footprint. */
    get: (id: string) => call((r) => r.carbon.getFootprint(at(id))),
    /** Changes a footprint; `co2e_kg` is computed again. */
    update: (id: string, input: PlainOf<"carbon", "updateFootprint">) =>
      callWith("carbon", "updateFootprint", input, (r, payload) => r.carbon.updateFootprint({ ...at(id), payload })),
    /** Soft-deletes a footprint (restore: `client.activities.restore("footprints", id)`). */
    remove: (id: string) => call((r) => r.carbon.deleteFootprint(at(id))),
    /**
     * kg CO₂e by scope and category of a target (`target_type` and
     * `target_id`) or of the tenant (neither), periods within [from, to].
     */
    totals: (query: ParamsOf<"carbon", "carbonTotals"> = {}) =>
      call((r) => r.carbon.carbonTotals({ path, urlParams: query }))
  }
}
