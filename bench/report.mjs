/**
 * Shared writer for docs/benchmarks.md: each bench script owns one section
 * ("## <title>") and rewrites only it, stamped with machine, date and commit.
 */
import { execSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const file = Path.join(root, "docs/benchmarks.md")

/** Machine, date and commit line for a section. */
export const stamp = () => {
  let commit = "unknown"
  try {
    commit = execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim()
  } catch {}
  const cpu = Os.cpus()[0]?.model ?? "cpu"
  return `_Measured ${new Date().toISOString().slice(0, 10)} on ${Os.cpus().length} × ${cpu}, ${(Os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, commit ${commit}._`
}

/** Replaces (or appends) the section titled `title` in docs/benchmarks.md. */
export const writeSection = (title, body) => {
  const header =
    "# Benchmarks\n\nFigures written by the scripts in `bench/` (`node bench/<script>.mjs`). Each section names its machine, date and commit.\n"
  let text = Fs.existsSync(file) ? Fs.readFileSync(file, "utf8") : header
  const section = `## ${title}\n\n${stamp()}\n\n${body}\n`
  const re = new RegExp(`## ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n[\\s\\S]*?(?=\\n## |$)`)
  text = re.test(text) ? text.replace(re, section.trimEnd() + "\n") : `${text.trimEnd()}\n\n${section}`
  Fs.mkdirSync(Path.dirname(file), { recursive: true })
  Fs.writeFileSync(file, text)
}
