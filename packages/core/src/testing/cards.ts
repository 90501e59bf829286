/**
 * `@signet/core/testing/cards` — reads sign-in card PDFs back (issue 18
 * "printable sign-in cards"): the page count and the link each card's QR
 * code encodes, decoded from the embedded image with `jsqr` (a dev
 * dependency, so this entry point is for test suites only) — not from
 * anything the renderer returns. Used by the core and server suites.
 *
 * @module
 */
import * as Zlib from "node:zlib"
import jsQRModule from "jsqr"
import { PDFDict, PDFDocument, PDFName, type PDFNumber, PDFRawStream } from "pdf-lib"

type Decode = typeof jsQRModule.default
// jsqr is CommonJS with a `default` in its types: the function is the module or its `default`, by loader.
const jsQR: Decode =
  (jsQRModule as unknown as { readonly default?: Decode }).default ?? (jsQRModule as unknown as Decode)

/** The pages of a card PDF and the decoded QR link of every card, in drawing order. */
export const readCards = async (pdf: Uint8Array) => {
  const doc = await PDFDocument.load(pdf)
  const links: Array<string> = []
  for (const page of doc.getPages()) {
    const xobjects = page.node.Resources()?.lookupMaybe(PDFName.of("XObject"), PDFDict)
    for (const [, ref] of xobjects?.entries() ?? []) {
      const stream = doc.context.lookup(ref)
      if (!(stream instanceof PDFRawStream)) continue
      const get = (key: string) => stream.dict.get(PDFName.of(key))
      // pdf-lib stores a PNG as raw RGB (deflated, no predictor) plus an alpha mask (DeviceGray).
      if (get("Subtype") !== PDFName.of("Image") || get("ColorSpace") !== PDFName.of("DeviceRGB")) continue
      const width = (get("Width") as PDFNumber).asNumber()
      const height = (get("Height") as PDFNumber).asNumber()
      const rgb = Zlib.inflateSync(stream.contents)
      const rgba = new Uint8ClampedArray(width * height * 4)
      for (let i = 0; i < width * height; i++) {
        rgba[4 * i] = rgb[3 * i]!
        rgba[4 * i + 1] = rgb[3 * i + 1]!
        rgba[4 * i + 2] = rgb[3 * i + 2]!
        rgba[4 * i + 3] = 255
      }
      const code = jsQR(rgba, width, height)
      if (code) links.push(code.data)
    }
  }
  return { pages: doc.getPageCount(), links }
}

/** The token of a card link `{origin}/t/{slug}/invite?token=…`. */
export const tokenOfLink = (link: string, origin: string, slug: string) => {
  const m = new RegExp(`^${origin}/t/${slug}/invite\\?token=([A-Za-z0-9_-]{43})$`).exec(link)
  if (!m) throw new Error(`not an invitation link of ${slug}: ${link}`)
  return m[1]!
}
