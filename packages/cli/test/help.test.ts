/**
 * Issue 15 §3 "CLI help defects": options that may be left out must read as optional in the help
 * (`[--group text...]`), and no command may be listed with a doubled name
 * ("timetable timetable feed create"). Help is rendered in-process from the command tree that
 * `signet` runs.
 */
import { CliConfig, HelpDoc, Usage } from "@effect/cli"
import * as Descriptor from "@effect/cli/CommandDescriptor"
import { Effect, HashSet } from "effect"
import { describe, expect, it } from "vitest"
import { signetCommand } from "../src/main.js"

/** The usage line and help of `signet <path…> --help`, as `signet` prints them (ANSI styling removed). */
const helpOf = async (...path: ReadonlyArray<string>) => {
  const root = await Effect.runPromise(
    signetCommand(path.length === 0 ? undefined : ["node", "signet", ...path, "--help"])
  )
  let descriptor: Descriptor.Command<unknown> = root.descriptor
  for (const name of path) descriptor = childOf(descriptor, name)
  const usage = HelpDoc.toAnsiText(Usage.getHelp(Descriptor.getUsage(descriptor)))
  return `${usage}\n${HelpDoc.toAnsiText(Descriptor.getHelp(descriptor, CliConfig.defaultConfig))}`.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes is the point
    /\u001b\[[0-9;]*m/g,
    ""
  )
}

/**
 * The subcommand `name` of a command, as its whole subtree (`Descriptor.getSubcommands` answers
 * the child's own node without its subcommands). Walks @effect/cli's descriptor nodes: Map wraps
 * a command, Subcommands holds `children`.
 */
const childOf = (descriptor: Descriptor.Command<unknown>, name: string): Descriptor.Command<unknown> => {
  type Node = {
    readonly _tag: string
    readonly command?: Descriptor.Command<unknown>
    readonly children?: ReadonlyArray<Descriptor.Command<unknown>>
  }
  let node = descriptor as unknown as Node
  while (node._tag === "Map") node = node.command as unknown as Node
  const child = (node.children ?? []).find((c) => HashSet.has(Descriptor.getNames(c), name))
  if (child === undefined) throw new Error(`no subcommand ${name}`)
  return child
}

describe("signet help (issue 15 §3)", () => {
  it("course create shows --group, --classroom and --teacher as optional", async () => {
    const help = await helpOf("course", "create")
    for (const option of ["group", "classroom", "teacher"]) expect(help).toContain(`[--${option} text...]`)
    expect(help).toContain("--name text --start text --end text") // required ones stay required
  })

  it("no command is listed with a doubled name, and timetable feed keeps its actions", async () => {
    for (const help of [await helpOf(), await helpOf("timetable")]) {
      expect(help).not.toMatch(/^\s*- (\w+) \1\b/m)
      expect(help).toMatch(/feed .*create \| list \| revoke/)
    }
  })

  it("the payment links are listed: invoice checkout and subscription portal (issue 20)", async () => {
    expect(await helpOf("invoice")).toMatch(/checkout/)
    expect(await helpOf("invoice")).toMatch(/credit-pdf/)
    expect(await helpOf("subscription")).toMatch(/portal/)
    expect(await helpOf("invoice", "checkout")).toContain("Stripe Checkout link")
  })
})
