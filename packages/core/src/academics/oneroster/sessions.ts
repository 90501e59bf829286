/**
 * The org of each academic session (issue 16: sessions are stored per school).
 * OneRoster's academicSessions.csv names no org, so a session's org is read from what
 * points at it: the `schoolSourcedId` of the classes listing it in `termSourcedIds`,
 * the `orgSourcedId` of the courses naming it `schoolYearSourcedId`, and the orgs of
 * its child sessions (a term's school is its school year's). A session that ends up
 * with exactly one org belongs to it; with several it is tenant-wide (null); with none
 * it takes its nearest ancestor's org (a semester of a school's year), else null.
 * An `orgSourcedId` column, when a file has one, wins.
 *
 * @module
 */
import type { Table } from "./columns.js"
import type { PlanSession } from "./plan.js"
import type { Entity } from "./reader.js"
import { splitList } from "./values.js"

/** The sessions with `orgSourcedId` filled as the module comment says. Pure. */
export const assignSessionOrgs = (
  sessions: ReadonlyArray<PlanSession>,
  tables: ReadonlyMap<Entity, Table>
): Array<PlanSession> => {
  const orgs = new Map<string, Set<string>>(sessions.map((s) => [s.sourcedId, new Set<string>()]))
  const add = (session: string, org: string) => {
    if (org !== "") orgs.get(session)?.add(org)
  }
  for (const row of tables.get("classes")?.rows ?? []) {
    for (const term of splitList(row.get("termSourcedIds"))) add(term, row.get("schoolSourcedId"))
  }
  for (const row of tables.get("courses")?.rows ?? []) add(row.get("schoolYearSourcedId"), row.get("orgSourcedId"))
  for (const s of sessions) if (s.orgSourcedId !== null) orgs.set(s.sourcedId, new Set([s.orgSourcedId]))
  // Children's orgs reach their ancestors (the chain is bounded by the number of sessions: no cycle runs forever).
  const parentOf = new Map(sessions.map((s) => [s.sourcedId, s.parentSourcedId]))
  for (const s of sessions) {
    let parent = s.parentSourcedId
    for (let hops = 0; parent !== null && hops < sessions.length; hops++) {
      const target = orgs.get(parent)
      if (target === undefined) break
      for (const org of orgs.get(s.sourcedId) ?? []) target.add(org)
      parent = parentOf.get(parent) ?? null
    }
  }
  const single = (id: string) => {
    const found = orgs.get(id)
    return found !== undefined && found.size === 1 ? [...found][0] : null
  }
  // A session nothing points at takes the org of its nearest ancestor that has one (a school year's semester).
  const inherited = (s: PlanSession): string | null => {
    let parent = s.parentSourcedId
    for (let hops = 0; parent !== null && hops < sessions.length; hops++) {
      const found = orgs.get(parent)
      if (found === undefined || found.size > 1) return null
      if (found.size === 1) return [...found][0]
      parent = parentOf.get(parent) ?? null
    }
    return null
  }
  return sessions.map((s) => {
    if (s.orgSourcedId !== null) return s
    return { ...s, orgSourcedId: orgs.get(s.sourcedId)!.size === 0 ? inherited(s) : single(s.sourcedId) }
  })
}
