/**
 * Test-only PDF rasterizer (issue 20 "PDF rendering … looked at in the tests
 * as PNG pages"): `pdfjs-dist` (legacy build for Node) draws each page on an
 * `@napi-rs/canvas` canvas; both are devDependencies of `@signet/core`.
 */
import { createRequire } from "node:module"
import * as Path from "node:path"
import { createCanvas } from "@napi-rs/canvas"
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs"

/** pdf.js's metrics for the 14 standard fonts (Helvetica…), shipped in pdfjs-dist; without them text draws nothing in Node. */
const standardFontDataUrl = `${Path.join(Path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json")), "standard_fonts")}/`

/** One rendered page: PNG bytes, its size in PDF points, the scale (pixels per point) and the page's text. */
export interface PdfPage {
  readonly png: Buffer
  readonly width: number
  readonly height: number
  readonly scale: number
  readonly text: string
}

/** Renders every page of `bytes` at `scale` pixels per point (white background). Rejects when pdf.js cannot parse it. */
export const renderPdfPages = async (bytes: Uint8Array, scale = 1): Promise<ReadonlyArray<PdfPage>> => {
  const doc = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, standardFontDataUrl }).promise
  const pages: Array<PdfPage> = []
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n)
    const [x0, y0, x1, y1] = page.view as [number, number, number, number]
    const viewport = page.getViewport({ scale })
    const canvas = createCanvas(Math.ceil(viewport.width), Math.ceil(viewport.height))
    const ctx = canvas.getContext("2d")
    ctx.fillStyle = "#ffffff"
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    await page.render({ canvasContext: ctx as never, viewport }).promise
    const content = await page.getTextContent()
    const text = content.items.map((i) => ("str" in i ? i.str : "")).join("\n")
    pages.push({ png: canvas.toBuffer("image/png"), width: x1 - x0, height: y1 - y0, scale, text })
  }
  await doc.destroy()
  return pages
}

/** Width and height in pixels from a PNG's IHDR chunk; throws when the bytes do not start with the PNG signature. */
export const pngSize = (png: Buffer): { readonly width: number; readonly height: number } => {
  if (!png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    throw new Error("not a PNG")
  if (png.subarray(12, 16).toString("latin1") !== "IHDR") throw new Error("no IHDR")
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

/** Share (0–1) of non-white pixels of `png` inside the box `[top, bottom)` given as fractions of the height (whole page by default). */
export const inkShare = async (png: Buffer, top = 0, bottom = 1): Promise<number> => {
  const { loadImage } = await import("@napi-rs/canvas")
  const img = await loadImage(png)
  const canvas = createCanvas(img.width, img.height)
  const ctx = canvas.getContext("2d")
  ctx.drawImage(img, 0, 0)
  const y0 = Math.floor(img.height * top)
  const h = Math.max(1, Math.floor(img.height * bottom) - y0)
  const data = ctx.getImageData(0, y0, img.width, h).data
  let ink = 0
  for (let i = 0; i < data.length; i += 4) if (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200) ink++
  return ink / (data.length / 4)
}
