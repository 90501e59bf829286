/**
 * XML signature wrapping (issue 19 §2 "the XML signature wrapping attack
 * variants (XSW1–XSW8) all refused"), after Somorovsky et al., "On Breaking
 * SAML: Be Whoever You Want to Be" (USENIX Security 2012) and the layouts
 * SAML Raider generates. Each test takes a response the test IdP signed for
 * Ada and moves the signed parts around an evil, unsigned assertion for Eve
 * (same request, same audience, valid times), with a DOM (`@xmldom/xmldom`):
 *
 * - XSW1, XSW2 attack the Response's signature (the IdP signs the Response
 *   and the assertion): an evil Response carries the original signature,
 *   with the signed original inside the Signature (1) or beside it (2).
 * - XSW3–XSW8 attack the assertion's signature: the evil assertion before
 *   the signed one (3), wrapping it (4), carrying its signature with the
 *   original appended after it (5) or inside that signature (6), the
 *   original hidden in an `Extensions` element (7) or in a `ds:Object` of
 *   the evil assertion's signature (8).
 *
 * Every one must be refused, and Eve never signed in.
 */
import { expect, layer } from "@effect/vitest"
import { testDialects } from "@signet/core/testing"
import { type SamlRequest, samlTestIdp } from "@signet/core/testing/saml"
import { DOMParser, XMLSerializer } from "@xmldom/xmldom"
import { Effect } from "effect"
import { ada, connect, type Idp, post, refusedBySaml, start } from "./saml-support.js"
import { testCore } from "./support.js"
import { inFreshTenant } from "./webhook-support.js"

const SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
const SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
const DS = "http://www.w3.org/2000/09/xmldsig#"

const parse = (xml: string) => new DOMParser().parseFromString(xml, "text/xml")
const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8")
const encode = (xml: string) => Buffer.from(xml, "utf8").toString("base64")

/** The element children of `node` named `local` in namespace `ns`. */
const children = (node: Element, ns: string, local: string): Array<Element> =>
  Array.from(node.childNodes as unknown as ArrayLike<Node>).filter(
    (c): c is Element => c.nodeType === 1 && (c as Element).namespaceURI === ns && (c as Element).localName === local
  )
const child = (node: Element, ns: string, local: string): Element => {
  const found = children(node, ns, local)[0]
  if (found === undefined) throw new Error(`no ${local} in ${node.localName}`)
  return found
}

/** `element` without its own `ds:Signature` (a deep copy). */
const unsigned = (element: Element): Element => {
  const copy = element.cloneNode(true) as Element
  for (const sig of children(copy, DS, "Signature")) copy.removeChild(sig)
  return copy
}

/** Puts `node` right after `element`'s `Issuer` child. */
const afterIssuer = (element: Element, node: Node) => {
  const issuer = child(element, SAML, "Issuer")
  element.insertBefore(node, issuer.nextSibling)
}

/**
 * An attack: the signed response's document (`doc`, its Response, signed
 * assertion and the assertion's signature) and Eve's unsigned assertion
 * (imported into `doc`) → the document to post.
 */
type Attack = (parts: {
  readonly doc: Document
  readonly response: Element
  readonly assertion: Element
  readonly evil: Element
}) => void

const XSW: ReadonlyArray<readonly [string, "assertion" | "both", Attack]> = [
  [
    "XSW1: an evil Response carries the original signature, the signed Response inside it",
    "both",
    ({ response, assertion, evil }) => {
      const original = response.cloneNode(true) as Element
      const signature = child(response, DS, "Signature")
      response.replaceChild(evil, assertion)
      response.setAttribute("ID", "_evil-response")
      signature.appendChild(original)
    }
  ],
  [
    "XSW2: an evil Response carries the original signature, the signed Response before it",
    "both",
    ({ response, assertion, evil }) => {
      const original = response.cloneNode(true) as Element
      const signature = child(response, DS, "Signature")
      response.replaceChild(evil, assertion)
      response.setAttribute("ID", "_evil-response")
      response.insertBefore(original, signature)
    }
  ],
  [
    "XSW3: the evil assertion before the signed one",
    "assertion",
    ({ response, assertion, evil }) => {
      response.insertBefore(evil, assertion)
    }
  ],
  [
    "XSW4: the evil assertion wraps the signed one",
    "assertion",
    ({ response, assertion, evil }) => {
      response.replaceChild(evil, assertion)
      evil.appendChild(assertion)
    }
  ],
  [
    "XSW5: the evil assertion carries the signature, the signed content appended after it",
    "assertion",
    ({ response, assertion, evil }) => {
      afterIssuer(evil, child(assertion, DS, "Signature").cloneNode(true))
      evil.setAttribute("ID", assertion.getAttribute("ID") ?? "")
      response.replaceChild(evil, assertion)
      response.appendChild(unsigned(assertion))
    }
  ],
  [
    "XSW6: the evil assertion carries the signature, the signed content inside that signature",
    "assertion",
    ({ response, assertion, evil }) => {
      const signature = child(assertion, DS, "Signature").cloneNode(true) as Element
      signature.appendChild(unsigned(assertion))
      afterIssuer(evil, signature)
      evil.setAttribute("ID", assertion.getAttribute("ID") ?? "")
      response.replaceChild(evil, assertion)
    }
  ],
  [
    "XSW7: the signed assertion hidden in an Extensions element, the evil one in its place",
    "assertion",
    ({ doc, response, assertion, evil }) => {
      const extensions = doc.createElementNS(SAMLP, "samlp:Extensions")
      response.replaceChild(evil, assertion)
      response.insertBefore(extensions, evil)
      extensions.appendChild(assertion)
    }
  ],
  [
    "XSW8: the evil assertion carries the signature, the signed content in a ds:Object of it",
    "assertion",
    ({ doc, response, assertion, evil }) => {
      const signature = child(assertion, DS, "Signature").cloneNode(true) as Element
      const object = doc.createElementNS(DS, "ds:Object")
      object.appendChild(unsigned(assertion))
      signature.appendChild(object)
      afterIssuer(evil, signature)
      evil.setAttribute("ID", assertion.getAttribute("ID") ?? "")
      response.replaceChild(evil, assertion)
    }
  ]
]

/** Eve's assertion for `request`, unsigned, as XML. */
const eveAssertion = (idp: Idp, request: SamlRequest) => {
  const doc = parse(
    decode(idp.respond({ request, nameId: "eve", attributes: { email: "eve@school.example" }, sign: "none" }))
  )
  return child(doc.documentElement as Element, SAML, "Assertion")
}

for (const dialect of testDialects()) {
  layer(testCore(dialect), { timeout: 120_000 })(`SAML signature wrapping on ${dialect} (issue 19 §2)`, (it) => {
    it.effect("the untouched responses of both signing layouts sign Ada in (the attacks start from them)", () =>
      Effect.gen(function* () {
        const idp = yield* samlTestIdp
        yield* inFreshTenant(
          "saml-xsw-base",
          Effect.gen(function* () {
            yield* connect(idp)
            for (const sign of ["assertion", "both"] as const) {
              const request = yield* start(idp)
              const exit = yield* post(idp.respond({ request, ...ada, sign }), request.relayState)
              expect(exit._tag === "Success" && exit.value.tokens.user.email).toBe("ada@school.example")
            }
          })
        )
      })
    )

    for (const [name, sign, attack] of XSW)
      it.effect(`${name}: refused`, () =>
        Effect.gen(function* () {
          const idp = yield* samlTestIdp
          yield* inFreshTenant(
            `saml-${name.slice(0, 4).toLowerCase()}`,
            Effect.gen(function* () {
              yield* connect(idp)
              const request = yield* start(idp)
              const doc = parse(decode(idp.respond({ request, ...ada, sign })))
              const response = doc.documentElement as Element
              const assertion = child(response, SAML, "Assertion")
              const evil = doc.importNode(eveAssertion(idp, request), true) as Element
              attack({ doc, response, assertion, evil })
              const xml = new XMLSerializer().serializeToString(doc)
              expect(xml).toContain("eve@school.example")
              refusedBySaml(yield* post(encode(xml), request.relayState))
            })
          )
        })
      )
  })
}
