#!/usr/bin/env node
/**
 * Renders public/icon.svg into the PWA's PNG icons (public/icon-192.png and
 * public/icon-512.png, listed in manifest.webmanifest) with headless
 * Chromium (`playwright-core`; `SIGNET_CHROMIUM` or /usr/bin/chromium).
 * Run once after changing the SVG and commit the PNGs (issue 17 "installable
 * as a PWA").
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"

const pub = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../public")
const svg = Fs.readFileSync(Path.join(pub, "icon.svg"), "utf8")
const browser = await chromium.launch({
  executablePath: process.env.SIGNET_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"]
})
try {
  for (const size of [192, 512]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    const src = `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`
    await page.setContent(
      `<html><body style="margin:0;background:transparent"><img src="${src}" width="${size}" height="${size}" style="display:block"></body></html>`
    )
    await page.locator("img").evaluate((img) => img.decode())
    const out = Path.join(pub, `icon-${size}.png`)
    await page.screenshot({ path: out, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } })
    console.log(`${out} (${Fs.statSync(out).size} bytes)`)
    await page.close()
  }
} finally {
  await browser.close()
}
