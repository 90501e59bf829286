/**
 * `@signet/core/testing` — throwaway databases for tests, used by Signet's
 * own suites and available to integrators testing against `@signet/core`.
 *
 * Every database test runs on SQLite and, when `SIGNET_TEST_PG_URL` is set,
 * on Postgres: each call of {@link makeTestDatabaseUrl} creates a fresh
 * database (`CREATE DATABASE signet_t_<random>`) and drops it afterwards.
 * When `SIGNET_TEST_PG_URL` is set but Postgres is unreachable, the Postgres
 * tests fail — they never skip silently.
 *
 * Also the synthetic OneRoster generator {@link generateOneRoster} (benchmarks, property
 * tests, the demo and the examples), and a software WebAuthn authenticator
 * (`SoftwareAuthenticator`, issue 18) that answers passkey ceremonies with
 * real ES256 attestations and assertions.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import Pg from "pg"
import { ONEROSTER_COLUMNS } from "./academics/oneroster/columns.js"

export {
  type AuthenticatorOptions,
  type SoftCredential,
  SoftwareAuthenticator,
  type Tamper
} from "./identity/passkeys/SoftwareAuthenticator.js"

/** A database dialect under test. */
export type TestDialect = "sqlite" | "pg"

/** Dialects to run database tests on: SQLite always, Postgres when configured. */
export const testDialects = (): ReadonlyArray<TestDialect> =>
  process.env.SIGNET_TEST_PG_URL ? ["sqlite", "pg"] : ["sqlite"]

/** File where each Postgres test database creation is recorded (CI checks that Postgres tests ran). */
export const pgMarkerFile = (): string =>
  Path.join(Os.tmpdir(), `signet-pg-tests-${process.env.SIGNET_TEST_RUN_ID ?? "local"}.log`)

/** A created test database: its URL and a function that removes it. */
export interface TestDatabase {
  readonly url: string
  readonly dispose: () => Promise<void>
}

const withDatabase = (base: string, database: string) => {
  const u = new URL(base)
  u.pathname = `/${database}`
  return u.toString()
}

/**
 * Creates a fresh database of the dialect. SQLite: a file in a new temp
 * directory. Postgres: a new database on the `SIGNET_TEST_PG_URL` server.
 */
export const makeTestDatabase = async (dialect: TestDialect): Promise<TestDatabase> => {
  if (dialect === "sqlite") {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "signet-test-"))
    return {
      url: `sqlite:${Path.join(dir, "signet.db")}`,
      dispose: async () => Fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  const admin = process.env.SIGNET_TEST_PG_URL
  if (!admin) throw new Error("SIGNET_TEST_PG_URL is not set")
  const name = `signet_t_${Crypto.randomBytes(6).toString("hex")}`
  const client = new Pg.Client({ connectionString: admin, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
  } catch (e) {
    throw new Error(`SIGNET_TEST_PG_URL is set but Postgres is unreachable (${(e as Error).message})`)
  }
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  Fs.appendFileSync(pgMarkerFile(), `${name}\n`)
  return {
    url: withDatabase(admin, name),
    dispose: async () => {
      const c = new Pg.Client({ connectionString: admin })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    }
  }
}

/** Runs SQL as the database owner (bypassing RLS) — for tamper and RLS tests only. */
export const ownerQuery = async (url: string, text: string, params: ReadonlyArray<unknown> = []) => {
  if (!url.startsWith("postgres")) throw new Error("ownerQuery is for Postgres")
  const c = new Pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query(text, params as Array<unknown>)).rows
  } finally {
    await c.end()
  }
}

// ---------------------------------------------------------------------------------------
// generateOneRoster: synthetic OneRoster 1.1 sets
// ---------------------------------------------------------------------------------------

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
const prng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Splits a `|`-separated word list. */
const words = (list: string) => list.split("|")
const GIVEN_NAMES = words(
  "Emma|Liam|Olivia|Noah|Ava|Lucas|Chloé|Hugo|Léa|Mateo|Zoë|Amir|Sofia|Yusuf|Mia|Arjun|Hana|Kenji|Aisha|Tomás|Ingrid|Oskar|Nadia|Kwame|Elif|Björn|Mei|Raphaël"
)
const FAMILY_NAMES = words(
  "Martin|Bernard|Dubois|O'Connor|García|Müller|Rossi|Nguyen|Kowalski|Smith|Johansson|Okafor|Tanaka|Haddad|Novák|Silva|Van der Berg|Petrov|Kim|Moreau|Fischer|Costa"
)
const TOWNS = words("Riverside|Oakwood|Lakeview|Hillcrest|Maple Grove|Brookfield|Fairview|Westbrook")
const SUBJECTS = words(
  "Mathematics|English|Physics|Chemistry|Biology|History|Geography|Spanish|Computer Science|Art|Music|Physical Education"
)

/** A CSV cell, quoted when it holds a quote, comma, line break or edge blanks. */
const csvCell = (value: string) =>
  /[",\n\r]/.test(value) || value.trim() !== value ? `"${value.replace(/"/g, '""')}"` : value
/** CSV text with CRLF line endings. */
const csvText = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) =>
  [header, ...rows].map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n"

/** A user-name part: accents stripped, lower-case ASCII letters and digits. */
const slug = (s: string) =>
  s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "")

/** Options of {@link generateOneRoster}: counts, the seed, and the e-mail domain (default `example.edu`). */
export interface GenerateOneRosterOptions {
  readonly seed: number
  readonly schools: number
  readonly students: number
  readonly teachers: number
  readonly classes: number
  readonly enrollmentsPerStudent: number
  readonly domain?: string
}

/** The seeded random source and the constants every part of a generated set shares. */
interface Gen {
  readonly random: () => number
  readonly pick: <A>(list: ReadonlyArray<A>) => A
  readonly modified: string
  readonly year: number
}

/** orgs.csv rows: one school per org. */
const orgRowsOf = (g: Gen, schools: number): Array<Array<string>> =>
  Array.from({ length: schools }, (_, s) => {
    const town = g.pick(TOWNS)
    const kind = g.pick(["High School", "Middle School", "Academy", "College"])
    return [
      `org-${s + 1}`,
      "active",
      g.modified,
      `${town} ${kind} ${s + 1}`,
      "school",
      `SCH${String(s + 1).padStart(4, "0")}`,
      ""
    ]
  })

/** academicSessions.csv rows: a school year and its two semesters. */
const sessionRowsOf = ({ modified, year }: Gen): Array<Array<string>> => [
  [
    `as-${year}`,
    "active",
    modified,
    `${year}-${year + 1}`,
    "schoolYear",
    `${year}-08-25`,
    `${year + 1}-07-03`,
    "",
    `${year + 1}`
  ],
  [
    `as-${year}-s1`,
    "active",
    modified,
    "Semester 1",
    "semester",
    `${year}-08-25`,
    `${year + 1}-01-23`,
    `as-${year}`,
    `${year + 1}`
  ],
  [
    `as-${year}-s2`,
    "active",
    modified,
    "Semester 2",
    "semester",
    `${year + 1}-01-26`,
    `${year + 1}-07-03`,
    `as-${year}`,
    `${year + 1}`
  ]
]

/** courses.csv and classes.csv rows (one course per school, subject and grade), and the classes of each school. */
const classRowsOf = (g: Gen, schools: number, classes: number) => {
  const { modified, year, random } = g
  const courseRows: Array<Array<string>> = []
  const courseIds = new Map<string, string>()
  const classRows: Array<Array<string>> = []
  const classesBySchool: Array<Array<string>> = Array.from({ length: schools }, () => [])
  for (let c = 0; c < classes; c++) {
    const s = c % schools
    const subject = g.pick(SUBJECTS)
    const grade = 9 + Math.floor(random() * 4)
    const key = `${s}/${subject}/${grade}`
    let courseId = courseIds.get(key)
    if (courseId === undefined) {
      courseId = `crs-${courseIds.size + 1}`
      courseIds.set(key, courseId)
      const code = `${subject.slice(0, 3).toUpperCase()}${grade}`
      courseRows.push([
        courseId,
        "active",
        modified,
        `as-${year}`,
        `${subject}, Grade ${grade}`,
        code,
        String(grade),
        `org-${s + 1}`,
        subject,
        ""
      ])
    }
    const id = `cls-${c + 1}`
    const section = classesBySchool[s].length + 1
    const term = random() < 0.5 ? `as-${year}-s1` : `as-${year}-s1,as-${year}-s2`
    classRows.push([
      id,
      "active",
      modified,
      `${subject} ${grade} — Section ${section}`,
      String(grade),
      courseId,
      `${subject.slice(0, 3).toUpperCase()}${grade}-${section}`,
      "scheduled",
      `Room ${100 + Math.floor(random() * 300)}`,
      `org-${s + 1}`,
      term,
      subject,
      "",
      String(1 + Math.floor(random() * 8))
    ])
    classesBySchool[s].push(id)
  }
  return { courseRows, classRows, classesBySchool }
}

/** users.csv and enrollments.csv rows: teachers (one per class, round robin), then students and their classes. */
const peopleRowsOf = (
  g: Gen,
  o: GenerateOneRosterOptions & { readonly domain: string },
  classesBySchool: ReadonlyArray<ReadonlyArray<string>>
) => {
  const { modified, year, random } = g
  const userRows: Array<Array<string>> = []
  const usedNames = new Map<string, number>()
  const person = (prefix: string, n: number, s: number, role: "student" | "teacher") => {
    const given = g.pick(GIVEN_NAMES)
    const family = g.pick(FAMILY_NAMES)
    const base = `${slug(given)}.${slug(family)}`
    const k = (usedNames.get(base) ?? 0) + 1
    usedNames.set(base, k)
    const username = k === 1 ? base : `${base}${k}`
    const id = `${prefix}-${n + 1}`
    const grade = role === "student" ? String(9 + Math.floor(random() * 4)) : ""
    userRows.push([
      id,
      "active",
      modified,
      "true",
      `org-${s + 1}`,
      role,
      username,
      `{LDAP:${id}}`,
      given,
      family,
      "",
      `${role === "student" ? "S" : "T"}${String(n + 1).padStart(6, "0")}`,
      `${username}@${o.domain}`,
      "",
      "",
      "",
      grade,
      ""
    ])
    return id
  }
  const teachersBySchool: Array<Array<string>> = Array.from({ length: o.schools }, () => [])
  for (let t = 0; t < o.teachers; t++) teachersBySchool[t % o.schools].push(person("tch", t, t % o.schools, "teacher"))
  const enrollmentRows: Array<Array<string>> = []
  const enroll = (cls: string, user: string, s: number, role: "student" | "teacher", primary: boolean) =>
    enrollmentRows.push([
      `enr-${enrollmentRows.length + 1}`,
      "active",
      modified,
      cls,
      `org-${s + 1}`,
      user,
      role,
      String(primary),
      `${year}-08-25`,
      `${year + 1}-07-03`
    ])
  classesBySchool.forEach((list, s) => {
    list.forEach((cls, i) => {
      const staff = teachersBySchool[s]
      if (staff.length > 0) enroll(cls, staff[i % staff.length], s, "teacher", true)
    })
  })
  for (let n = 0; n < o.students; n++) {
    const s = n % o.schools
    const id = person("stu", n, s, "student")
    const pool = [...classesBySchool[s]]
    const take = Math.min(o.enrollmentsPerStudent, pool.length)
    for (let k = 0; k < take; k++) {
      const j = k + Math.floor(random() * (pool.length - k))
      ;[pool[k], pool[j]] = [pool[j], pool[k]]
      enroll(pool[k], id, s, "student", false)
    }
  }
  return { userRows, enrollmentRows }
}

/** manifest.csv rows of a 1.1 bulk set. */
const manifestRowsOf = (seed: number): Array<Array<string>> => [
  ["manifest.version", "1.0"],
  ["oneroster.version", "1.1"],
  ["file.academicSessions", "bulk"],
  ["file.categories", "absent"],
  ["file.classes", "bulk"],
  ["file.classResources", "absent"],
  ["file.courses", "bulk"],
  ["file.courseResources", "absent"],
  ["file.demographics", "absent"],
  ["file.enrollments", "bulk"],
  ["file.lineItems", "absent"],
  ["file.orgs", "bulk"],
  ["file.resources", "absent"],
  ["file.results", "absent"],
  ["file.users", "bulk"],
  ["source.systemName", "Signet generateOneRoster"],
  ["source.systemCode", `seed-${seed}`]
]

/**
 * Generates a realistic, valid synthetic OneRoster 1.1 bulk set (for benchmarks, property
 * tests and the demo): `manifest.csv`, `orgs.csv` (schools only), `academicSessions.csv`
 * (a school year and two semesters), `courses.csv`, `classes.csv`, `users.csv`,
 * `enrollments.csv`. Deterministic for a given seed (seeded mulberry32, no `Math.random`,
 * no clock), CRLF line endings, UTF-8 names with accents and apostrophes, quoted values.
 *
 * Distribution: class `i`, teacher `i` and student `i` belong to school `i mod schools`;
 * each class gets one primary teacher of its school (round robin) when the school has
 * teachers; each student is enrolled in `min(enrollmentsPerStudent, classes of their
 * school)` distinct classes of their school. So `users = students + teachers` and, when
 * every school has at least `enrollmentsPerStudent` classes and one teacher,
 * `enrollments = students × enrollmentsPerStudent + classes`.
 *
 * @returns file name → CSV text (encode with `TextEncoder` for `OneRoster.parseOneRoster`).
 * @throws RangeError when a count is not a non-negative integer, or `schools` < 1.
 */
export const generateOneRoster = (options: GenerateOneRosterOptions): ReadonlyMap<string, string> => {
  const { schools, students, teachers, classes, enrollmentsPerStudent } = options
  for (const [name, value] of Object.entries({ schools, students, teachers, classes, enrollmentsPerStudent })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`generateOneRoster: ${name} must be an integer ≥ 0`)
  }
  if (schools < 1) throw new RangeError("generateOneRoster: schools must be ≥ 1")
  const random = prng(options.seed)
  const g: Gen = {
    random,
    pick: (list) => list[Math.floor(random() * list.length)],
    modified: "2025-08-01T00:00:00.000Z",
    year: 2025
  }
  const orgRows = orgRowsOf(g, schools)
  const sessionRows = sessionRowsOf(g)
  const { courseRows, classRows, classesBySchool } = classRowsOf(g, schools, classes)
  const domain = options.domain ?? "example.edu"
  const { userRows, enrollmentRows } = peopleRowsOf(g, { ...options, domain }, classesBySchool)
  const C = ONEROSTER_COLUMNS
  return new Map([
    ["manifest.csv", csvText(["propertyName", "value"], manifestRowsOf(options.seed))],
    ["orgs.csv", csvText(C.orgs, orgRows)],
    ["academicSessions.csv", csvText(C.academicSessions.slice(0, 9), sessionRows)],
    ["courses.csv", csvText(C.courses.slice(0, 10), courseRows)],
    ["classes.csv", csvText(C.classes.slice(0, 14), classRows)],
    ["users.csv", csvText(C.users.slice(0, 18), userRows)],
    ["enrollments.csv", csvText(C.enrollments, enrollmentRows)]
  ])
}
