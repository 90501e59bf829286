/**
 * Issue 15 §5 "CSV injection": every CSV Signet writes goes through kernel/Csv.ts, which writes a
 * text cell that a spreadsheet would run as a formula with a leading quote.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { rollCsv } from "@signet/core"
import { csvCell, toCsv } from "@signet/core/kernel/Csv"
import { describe, expect, it } from "vitest"

describe("formula-safe CSV (issue 15 §5)", () => {
  it("neutralises text cells starting with = + - @ tab or CR", () => {
    for (const evil of ['=HYPERLINK("http://x","y")', "@SUM(A1:A9)", "+1+1", "-2+3", "\t=1", "\r=1"])
      expect(csvCell(evil)).toBe(`'${evil}`)
  })

  it("leaves ordinary text, numbers and empty cells alone", () => {
    expect(csvCell("Ada Lovelace")).toBe("Ada Lovelace")
    expect(csvCell(-3)).toBe(-3)
    expect(csvCell(null)).toBe("")
  })

  it("a roll's cells are escaped in the file", () => {
    const csv = rollCsv({
      entries: [{ student_id: "=cmd|' /C calc'!A0", result: "PRESENT", method: null, signed_at: null, excuse_id: null }]
    } as never)
    expect(csv.split("\n")[1]).toBe(`'=cmd|' /C calc'!A0,PRESENT,,,`)
    expect(toCsv(["a"], [["@x"]])).toBe("a\n'@x\n")
  })

  it("no other module writes CSV itself", () => {
    const src = Path.resolve(__dirname, "../../")
    const offenders: Array<string> = []
    const walk = (dir: string) => {
      for (const e of Fs.readdirSync(dir, { withFileTypes: true })) {
        const p = Path.join(dir, e.name)
        if (e.isDirectory()) {
          if (!["node_modules", "dist", "build", "test"].includes(e.name)) walk(p)
        } else if (e.name.endsWith(".ts") && Fs.readFileSync(p, "utf8").includes("csv-stringify")) offenders.push(p)
      }
    }
    walk(src)
    expect(offenders.map((p) => Path.relative(src, p))).toEqual(["core/src/kernel/Csv.ts"])
  })
})
