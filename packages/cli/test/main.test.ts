import { Command } from "@effect/cli"
import { Effect, HashMap } from "effect"
import { describe, expect, it } from "vitest"
import { signetCommand, subcommandNames } from "../src/main.js"

const namesOf = (argv?: ReadonlyArray<string>) =>
  Effect.runPromise(signetCommand(argv)).then((c) => [...HashMap.keys(Command.getSubcommands(c))].sort())

describe("signet command tree", () => {
  it("a command line that names no subcommand gets every subcommand", async () => {
    const all = await namesOf()
    expect(all).toEqual([...subcommandNames].sort())
    expect(all).toHaveLength(new Set(subcommandNames).size)
    for (const argv of [
      ["node", "signet"],
      ["node", "signet", "--help"],
      ["node", "signet", "servee"]
    ]) {
      expect(await namesOf(argv)).toEqual(all)
    }
  })

  it("a command line that names a subcommand loads that one only, under its own name", async () => {
    for (const name of subcommandNames) {
      expect(await namesOf(["node", "signet", name, "--help"])).toEqual([name])
    }
  })
})
