/**
 * Note bodies from markdown to safe HTML (issue 22 "Notes: markdown body
 * rendered to sanitized HTML on read through a maintained library").
 *
 * Two maintained libraries, two layers:
 * 1. `markdown-it` (CommonMark) with `html: false` — raw HTML in the
 *    markdown is escaped as text, and its `validateLink` refuses
 *    `javascript:`, `vbscript:`, `file:` and non-image `data:` URLs;
 * 2. `sanitize-html` over the result — an allow-list of the tags markdown
 *    produces, `href` only with `http`, `https` or `mailto`, `src` only with
 *    `http`/`https`, no event handler or style attribute — so a future
 *    change of the renderer's options cannot open a hole alone. Links get
 *    `rel="nofollow noopener noreferrer"`.
 *
 * @module
 */
import MarkdownIt from "markdown-it"
import sanitizeHtml from "sanitize-html"

/** The renderer, built on the first note rendered (so loading Signet does not load markdown-it). */
let md: MarkdownIt | undefined

const ALLOWED_TAGS = [
  "p",
  "br",
  "hr",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "pre",
  "code",
  "em",
  "strong",
  "s",
  "del",
  "ul",
  "ol",
  "li",
  "a",
  "img",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td"
]

const sanitizeOptions = (): sanitizeHtml.IOptions => ({
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ["href", "title", "rel"],
    img: ["src", "alt", "title"],
    ol: ["start"],
    th: ["style"],
    td: ["style"]
  },
  allowedStyles: { th: { "text-align": [/^(left|right|center)$/] }, td: { "text-align": [/^(left|right|center)$/] } },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"] },
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer" }) }
})
let SANITIZE: sanitizeHtml.IOptions | undefined

/**
 * Renders a note's markdown to sanitized HTML (see the module comment).
 * Pure; input at most `MAX_NOTE_BODY_BYTES` (the contract's limit).
 */
export const renderMarkdown = (markdown: string): string => {
  md ??= new MarkdownIt({ html: false, linkify: false, typographer: false })
  SANITIZE ??= sanitizeOptions()
  return sanitizeHtml(md.render(markdown), SANITIZE)
}
