/**
 * The few pages `oidc-provider` renders itself (issue 19 §1): its error
 * page, the RP-initiated logout confirmation and the signed-out page.
 * Signet's own versions: no script, no external font or style (the
 * provider's defaults load web fonts), phone-friendly, every value escaped.
 *
 * @module
 */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const frame = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem;margin:.25rem}</style></head><body><main>${body}</main></body></html>`

/** The provider's error page: the error code and description only. */
export const errorPage = (out: { readonly error: string; readonly error_description?: string | undefined }) =>
  frame(
    "Sign-in error",
    `<h1>Sign-in error</h1><p><code>${escapeHtml(out.error)}</code></p><p>${escapeHtml(out.error_description ?? "")}</p>`
  )

/**
 * The logout confirmation; `form` is the provider's own hidden form
 * (`id="op.logoutForm"`, with its `xsrf` field), which the buttons submit.
 */
export const logoutPage = (tenantName: string, form: string) =>
  frame(
    "Sign out",
    `<h1>Sign out of ${escapeHtml(tenantName)}?</h1>${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button><button type="submit" form="op.logoutForm">No, stay signed in</button>`
  )

/** The page after a logout without a post-logout redirect URI. */
export const logoutSuccessPage = (clientName: string | undefined) =>
  frame(
    "Signed out",
    `<h1>Signed out</h1><p>You are signed out${clientName ? ` of ${escapeHtml(clientName)}` : ""}.</p>`
  )
