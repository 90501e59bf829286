/**
 * Identity's schools port (`identity/Ports.ts` {@link UserSchools}),
 * provided by academics, which owns `schools` (issue 14 §5). Built from the
 * academics repository rather than the `Academics` service: academics'
 * services depend on identity's, so the port must come from below both for
 * the layers to form no cycle.
 *
 * @module
 */
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { UserSchools } from "../identity/Ports.js"
import { tenantTx } from "../kernel/Database.js"
import { validId } from "./Kit.js"
import { AcademicsRepo } from "./Repo.js"

/** `UserSchools.exists` and `resolve`: a live (not deleted) school of the `CurrentTenant`, in the caller's transaction when there is one. */
export const userSchoolsLayer: Layer.Layer<UserSchools, never, SqlClient.SqlClient> = Layer.effect(
  UserSchools,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const repo = yield* AcademicsRepo
    return {
      exists: (schoolId: string) =>
        validId(schoolId)
          ? tenantTx(Effect.map(repo.findSchool(schoolId), Option.isSome)).pipe(
              Effect.provideService(SqlClient.SqlClient, sql),
              Effect.withSpan("Academics.schoolExists")
            )
          : Effect.succeed(false),
      resolve: (key: string) =>
        tenantTx(
          Effect.gen(function* () {
            if (validId(key) && Option.isSome(yield* repo.findSchool(key))) return Option.some(key)
            const found = yield* repo.findSchoolsByKey(key)
            // An ambiguous key (a code equal to another school's sourcedId) names no school.
            return found.length === 1 ? Option.some(found[0]!.id as string) : Option.none()
          })
        ).pipe(
          Effect.orDie,
          Effect.provideService(SqlClient.SqlClient, sql),
          Effect.withSpan("Academics.resolveSchool")
        )
    }
  })
).pipe(Layer.provide(AcademicsRepo.Default))
