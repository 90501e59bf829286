/**
 * Prints one plain closing line after Vitest's own summary, in the form CI
 * tooling reads for any runner: `tests: N passed, N failed, N skipped`.
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

export default class SummaryReporter implements Reporter {
  onFinished(files: ReadonlyArray<RunnerTestFile> = [], errors: ReadonlyArray<unknown> = []) {
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
