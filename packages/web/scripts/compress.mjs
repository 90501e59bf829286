#!/usr/bin/env node
/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip -9) beside
 * every text asset of dist/, so `signet serve` answers compressed bytes
 * without compressing per request; prints the sizes.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import * as Zlib from "node:zlib"

const dist = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../dist")
const TEXT = /\.(js|css|html|svg|json|webmanifest|txt)$/
let raw = 0
let br = 0
const walk = (dir) => {
  for (const e of Fs.readdirSync(dir, { withFileTypes: true })) {
    const p = Path.join(dir, e.name)
    if (e.isDirectory()) walk(p)
    else if (TEXT.test(e.name)) {
      const body = Fs.readFileSync(p)
      const b = Zlib.brotliCompressSync(body, { params: { [Zlib.constants.BROTLI_PARAM_QUALITY]: 11 } })
      Fs.writeFileSync(`${p}.br`, b)
      Fs.writeFileSync(`${p}.gz`, Zlib.gzipSync(body, { level: 9 }))
      raw += body.length
      br += b.length
    }
  }
}
walk(dist)
console.log(`web: dist/ ${(raw / 1024).toFixed(0)} KB, ${(br / 1024).toFixed(0)} KB brotli`)
