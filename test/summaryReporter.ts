/**
 * Prints one plain closing line after Vitest's own summary, in the form CI
 * tooling reads for any runner: `tests: N passed, N failed, N skipped`.
 * Before it, where the suite's time went: worker seconds per package
 * directory (collect = importing a file's module graph, tests = running it)
 * and the slowest files, so a CI log's tail says what to make faster.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { RunnerTask, RunnerTestFile } from "vitest"
import type { Reporter } from "vitest/reporters"

const count = (tasks: ReadonlyArray<RunnerTask>, acc: { passed: number; failed: number; skipped: number }) => {
  for (const t of tasks) {
    if (t.type === "suite") count(t.tasks, acc)
    else if (t.result?.state === "pass") acc.passed++
    else if (t.result?.state === "fail") acc.failed++
    else acc.skipped++
  }
  return acc
}

/** Seconds, one decimal. */
const sec = (ms: number) => (ms / 1000).toFixed(1)

/** Worker time per package directory and the 12 slowest files (collect + setup + tests), as lines. */
const timing = (files: ReadonlyArray<RunnerTestFile>): ReadonlyArray<string> => {
  const rows = files.map((f) => {
    const collect = f.collectDuration ?? 0
    const run = (f.setupDuration ?? 0) + (f.result?.duration ?? 0)
    const dir = f.filepath.replace(/\\/g, "/").match(/(packages\/[^/]+|examples)\//)?.[1] ?? "other"
    return { name: Path.relative(process.cwd(), f.filepath), dir, collect, run }
  })
  const byDir = new Map<string, { collect: number; run: number; files: number }>()
  for (const r of rows) {
    const d = byDir.get(r.dir) ?? { collect: 0, run: 0, files: 0 }
    byDir.set(r.dir, { collect: d.collect + r.collect, run: d.run + r.run, files: d.files + 1 })
  }
  const dirs = [...byDir].sort((a, b) => b[1].collect + b[1].run - (a[1].collect + a[1].run))
  const slow = [...rows].sort((a, b) => b.collect + b.run - (a.collect + a.run)).slice(0, 12)
  return [
    "Worker time by directory (collect + tests, seconds):",
    ...dirs.map(
      ([d, t]) => `  ${sec(t.collect + t.run).padStart(7)}  ${d} (${t.files} files; collect ${sec(t.collect)})`
    ),
    "Slowest files:",
    ...slow.map((r) => `  ${sec(r.collect + r.run).padStart(7)}  ${r.name} (collect ${sec(r.collect)})`)
  ]
}

export default class SummaryReporter implements Reporter {
  onFinished(files: ReadonlyArray<RunnerTestFile> = [], errors: ReadonlyArray<unknown> = []) {
    if (files.length > 1) process.stdout.write(`\n${timing(files).join("\n")}\n`)
    const acc = count(files, { passed: 0, failed: 0, skipped: 0 })
    for (const f of files) if (f.result?.state === "fail" && f.tasks.length === 0) acc.failed++
    acc.failed += errors.length
    const marker = Path.join(Os.tmpdir(), `signet-pg-tests-${process.env.SIGNET_TEST_RUN_ID ?? "local"}.log`)
    const pg = Fs.existsSync(marker) ? Fs.readFileSync(marker, "utf8").split("\n").filter(Boolean).length : 0
    process.stdout.write(
      process.env.SIGNET_TEST_PG_URL
        ? `\nPostgres: ${pg} test databases created and dropped\n`
        : "\nSIGNET_TEST_PG_URL not set: database tests ran on SQLite only\n"
    )
    process.stdout.write(`tests: ${acc.passed} passed, ${acc.failed} failed, ${acc.skipped} skipped\n`)
  }
}
