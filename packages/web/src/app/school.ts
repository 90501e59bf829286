/**
 * The signed-in user's school's time zone, for dates and times (issue 17:
 * "dates and times in the school's time zone"; `Frame` hands it to
 * `setTimeZone`). Read once per school (academics `getSchool`, which
 * students and teachers may read) and kept for the page's life.
 *
 * @module
 */
import { AcademicsApi } from "@signet/contracts/academics/Api"
import type { SchoolId } from "@signet/contracts/academics/Domain"
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
