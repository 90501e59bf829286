/**
 * The signed-in user's school, for dates and times in the school's time
 * zone (issue 17: "dates and times in the school's time zone"). Read once per
 * school (academics `getSchool`, which students and teachers may read) and
 * kept for the page's life.
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { SchoolId } from "@signet/contracts/academics/Domain"
import type { User } from "@signet/contracts/identity/Domain"
import { useEffect, useState } from "preact/hooks"
import { call } from "./api.js"

const zones = new Map<string, Promise<string | undefined>>()

/** The IANA time zone of `schoolId` (undefined when it cannot be read: the browser's zone is used). */
export const schoolZone = (slug: string, schoolId: string): Promise<string | undefined> => {
  const key = `${slug}/${schoolId}`
  let zone = zones.get(key)
  if (!zone) {
    zone = call(AcademicsApi, (c) => c.academics.getSchool({ path: { slug, id: schoolId as SchoolId } })).then(
      (s) => s.timezone,
      () => undefined
    )
    zones.set(key, zone)
  }
  return zone
}

/** The time zone of the user's school, once known (undefined before, or without a school). */
export const useSchoolZone = (slug: string, user: User): string | undefined => {
  const [zone, setZone] = useState<string | undefined>(undefined)
  useEffect(() => {
    if (!user.school_id) return
    let live = true
    void schoolZone(slug, user.school_id).then((z) => {
      if (live) setZone(z)
    })
    return () => {
      live = false
    }
  }, [slug, user.school_id])
  return zone
}
