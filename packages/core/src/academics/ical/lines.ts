/**
 * The line-level pre-pass of an `.ics` text: unfolding, blank lines, component structure.
 * Internal to `academics/ICalendar.ts`, which re-exports the public names.
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Line-level pre-pass: unfolding, blank lines, component structure
// ---------------------------------------------------------------------------

/** One logical (unfolded) content line and the 1-based physical line it starts on. */
export interface Line {
  readonly text: string
  readonly line: number
}

/** A top-level component (VEVENT, VTIMEZONE, …) as its lines, BEGIN and END included. */
export interface Block {
  readonly name: string
  readonly line: number
  readonly lines: Array<Line>
}

/** One VCALENDAR: its own property lines and its top-level components. */
export interface RawCalendar {
  readonly line: number
  readonly props: Array<Line>
  readonly blocks: Array<Block>
}

/** Where warnings and errors of one parse are collected (see `IcsIssue`). */
export interface Issues {
  readonly warn: (code: string, message: string, line?: number | null, uid?: string | null) => void
  readonly error: (code: string, message: string, line?: number | null, uid?: string | null) => void
}

const CONTENT_LINE = /^[A-Za-z0-9-]+[;:]/

/** Components that RFC 5545 only allows directly inside a VCALENDAR. */
const TOP_LEVEL = new Set(["VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"])

/**
 * Splits the text into logical (unfolded) content lines and top-level
 * components, repairing what can be repaired: blank lines are dropped
 * (RFC 5545 has none), lines that are not `name[;params]:value` are dropped,
 * an END without BEGIN is dropped, components left open are closed, VEVENTs
 * outside any VCALENDAR get one.
 */
export const prepass = (text: string, issues: Issues): Array<RawCalendar> => {
  const physical = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/)
  if (physical.length > 0 && physical[physical.length - 1] === "") physical.pop()

  const logical: Array<Line> = []
  let blanks = 0
  let firstBlank = 0
  physical.forEach((raw, i) => {
    if (raw.trim() === "") {
      blanks++
      if (firstBlank === 0) firstBlank = i + 1
    } else if ((raw[0] === " " || raw[0] === "\t") && logical.length > 0) {
      const last = logical[logical.length - 1]!
      logical[logical.length - 1] = { text: last.text + raw.slice(1), line: last.line }
    } else {
      logical.push({ text: raw, line: i + 1 })
    }
  })
  if (blanks > 0) {
    issues.warn("BLANK_LINES", `${blanks} blank line(s) ignored (first at line ${firstBlank})`, firstBlank)
  }

  const calendars: Array<RawCalendar> = []
  const stack: Array<string> = []
  let calendar: RawCalendar | null = null
  let block: Block | null = null
  let wrapped = false // a VCALENDAR was assumed at least once (warn once)
  let synthetic = false // the open VCALENDAR was assumed (no END expected)

  const close = (name: string, at: number) => {
    stack.pop()
    if (stack.length >= 1 && block !== null) block.lines.push({ text: `END:${name}`, line: at })
    if (stack.length === 1) block = null
    if (stack.length === 0) calendar = null
  }

  for (const l of logical) {
    const marker = /^(BEGIN|END)\s*:\s*(.*?)\s*$/i.exec(l.text)
    if (marker === null) {
      if (!CONTENT_LINE.test(l.text)) {
        issues.warn("INVALID_LINE", `line ignored, not a "NAME:value" content line: ${clip(l.text)}`, l.line)
      } else if (calendar === null) {
        issues.warn("INVALID_LINE", `line ignored, outside BEGIN:VCALENDAR … END:VCALENDAR: ${clip(l.text)}`, l.line)
      } else if (block === null) {
        calendar.props.push(l)
      } else {
        block.lines.push(l)
      }
      continue
    }
    const name = marker[2]!.toUpperCase()
    if (marker[1]!.toUpperCase() === "BEGIN") {
      // A component that only exists at top level (or a new VCALENDAR) closes
      // whatever is still open: the usual "missing END:VEVENT" mistake.
      const depth = name === "VCALENDAR" ? 0 : TOP_LEVEL.has(name) ? 1 : stack.length
      while (stack.length > depth) {
        const open = stack[stack.length - 1]!
        if (!(synthetic && stack.length === 1)) {
          issues.warn("UNBALANCED_COMPONENT", `BEGIN:${open} not closed before BEGIN:${name}; closed here`, l.line)
        }
        close(open, l.line)
      }
      if (stack.length === 0 && name !== "VCALENDAR") {
        if (!wrapped) issues.warn("MISSING_VCALENDAR", `BEGIN:${name} outside a VCALENDAR; one was assumed`, l.line)
        wrapped = true
        synthetic = true
        calendar = { line: l.line, props: [], blocks: [] }
        calendars.push(calendar)
        stack.push("VCALENDAR")
      }
      if (stack.length === 0) {
        synthetic = false
        calendar = { line: l.line, props: [], blocks: [] }
        calendars.push(calendar)
      } else if (stack.length === 1) {
        block = { name, line: l.line, lines: [{ text: `BEGIN:${name}`, line: l.line }] }
        calendar!.blocks.push(block)
      } else {
        block!.lines.push({ text: `BEGIN:${name}`, line: l.line })
      }
      stack.push(name)
      continue
    }
    if (!stack.includes(name)) {
      issues.warn("UNBALANCED_COMPONENT", `END:${name} without a matching BEGIN ignored`, l.line)
      continue
    }
    while (stack[stack.length - 1] !== name) {
      const open = stack[stack.length - 1]!
      issues.warn("UNBALANCED_COMPONENT", `BEGIN:${open} not closed before END:${name}; closed here`, l.line)
      close(open, l.line)
    }
    close(name, l.line)
  }
  const end = physical.length
  while (stack.length > 0) {
    const open = stack[stack.length - 1]!
    if (!(synthetic && stack.length === 1))
      issues.warn("UNBALANCED_COMPONENT", `BEGIN:${open} not closed at end of file; closed there`, end)
    close(open, end)
  }
  return calendars
}

const clip = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s)
