/**
 * Reading a SAML 2.0 IdP's metadata (SAML Metadata §2.4.3
 * `IDPSSODescriptor`) into a connection's values: the entity ID, the
 * single sign-on URL of the HTTP-Redirect binding, and the signing
 * certificates — so an administrator imports the file the IdP offers
 * instead of copying fields. Parsed with `@xmldom/xmldom` (no DTDs or
 * external entities are fetched) and `xpath`; at most
 * {@link MAX_METADATA_CHARS} characters.
 *
 * @module
 */

import { ValidationError } from "@signet/contracts/kernel/Errors"
import { DOMParser } from "@xmldom/xmldom"
import { Effect } from "effect"
import * as XPath from "xpath"

/** An IdP metadata document at most, in characters. */
export const MAX_METADATA_CHARS = 1_048_576

const REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
const select = XPath.useNamespaces({
  md: "urn:oasis:names:tc:SAML:2.0:metadata",
  ds: "http://www.w3.org/2000/09/xmldsig#"
})

/** What an IdP's metadata says about signing in through it. */
export interface SamlIdpMetadata {
  readonly idp_entity_id: string
  readonly sso_url: string
  /** PEM certificates of the `signing` (or unspecified-use) keys. */
  readonly certificates: ReadonlyArray<string>
}

const pem = (base64: string) =>
  `-----BEGIN CERTIFICATE-----\n${(base64.replace(/\s+/g, "").match(/.{1,64}/g) ?? []).join("\n")}\n-----END CERTIFICATE-----\n`

/**
 * The connection values of an IdP's metadata `xml` (an `EntityDescriptor`
 * with an `IDPSSODescriptor`).
 * @errors ValidationError (too large, not XML, no IdP descriptor, no
 *   HTTP-Redirect single sign-on service, no signing certificate)
 */
export const parseSamlIdpMetadata = (xml: string): Effect.Effect<SamlIdpMetadata, ValidationError> =>
  Effect.gen(function* () {
    const refuse = (message: string) => ValidationError.field("metadata", message)
    if (xml.length > MAX_METADATA_CHARS) return yield* refuse(`is over ${MAX_METADATA_CHARS} characters`)
    const errors: Array<string> = []
    const doc = new DOMParser({
      errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) }
    }).parseFromString(xml, "text/xml")
    if (errors.length > 0 || doc.documentElement === null) return yield* refuse("is not well-formed XML")
    const entity = select("//md:EntityDescriptor[md:IDPSSODescriptor][1]", doc, true) as Element | undefined
    if (entity === undefined) return yield* refuse("has no EntityDescriptor with an IDPSSODescriptor")
    const idp_entity_id = entity.getAttribute("entityID") ?? ""
    const sso = select(`md:IDPSSODescriptor/md:SingleSignOnService[@Binding='${REDIRECT}']`, entity, true) as
      | Element
      | undefined
    const sso_url = sso?.getAttribute("Location") ?? ""
    const certificates = (
      select(
        "md:IDPSSODescriptor/md:KeyDescriptor[not(@use) or @use='signing']//ds:X509Certificate",
        entity
      ) as Array<Node>
    )
      .map((n) => n.textContent ?? "")
      .filter((t) => t.trim() !== "")
      .map(pem)
    if (idp_entity_id === "") return yield* refuse("names no entityID")
    if (sso_url === "") return yield* refuse("has no single sign-on service with the HTTP-Redirect binding")
    if (certificates.length === 0) return yield* refuse("has no signing certificate")
    return { idp_entity_id, sso_url, certificates }
  })
