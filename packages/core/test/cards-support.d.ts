/** The pages of a card PDF and the decoded QR link of every card, in drawing order. */
export declare const readCards: (pdf: Uint8Array) => Promise<{
  pages: number
  links: string[]
}>
/** The token of a card link `{origin}/t/{slug}/invite?token=…`. */
export declare const tokenOfLink: (link: string, origin: string, slug: string) => string
//# sourceMappingURL=cards-support.d.ts.map
