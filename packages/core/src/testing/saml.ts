/**
 * `@signet/core/testing/saml` — a SAML 2.0 identity provider for the SSO
 * sign-in's tests (issue 19 §2): a fresh key and self-signed certificate
 * (`selfsigned`), the AuthnRequest read back from Signet's redirect URL, and
 * Responses whose assertion is signed with `xml-crypto` (enveloped
 * signature, exclusive C14N, RSA-SHA256) — or left unsigned, signed by
 * another key, or altered after signing, for the refusal tests — and
 * optionally encrypted to the SP's certificate (`xml-encryption`). For test
 * suites only.
 *
 * @module
 */
import * as Crypto from "node:crypto"
import * as Zlib from "node:zlib"
import { Effect } from "effect"
import { SignedXml } from "xml-crypto"

/** What an AuthnRequest asked: its ID, where to post the answer, who asked. */
export interface SamlRequest {
  readonly id: string
  readonly acsUrl: string
  readonly issuer: string
  readonly relayState: string
}

/** One Response's content; times in ms since the epoch (defaults: now, five minutes). */
export interface SamlAnswer {
  readonly request: SamlRequest
  readonly nameId: string
  readonly attributes?: Record<string, string>
  readonly audience?: string
  readonly notOnOrAfter?: number
  /**
   * `assertion` (default): the assertion signed by this IdP; `both`: the
   * assertion, then the whole Response; `none`: unsigned; `other`: the
   * assertion by another key.
   */
  readonly sign?: "assertion" | "both" | "none" | "other"
  /** Changes the XML after signing (tampering, signature wrapping). */
  readonly tamper?: (xml: string) => string
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!)
const iso = (ms: number) => new Date(ms).toISOString()
const newId = () => `_${Crypto.randomBytes(16).toString("hex")}`

const keyPair = () =>
  Effect.promise(async () => {
    const { generate } = await import("selfsigned")
    const pems = await generate([{ name: "commonName", value: "Signet test IdP" }], {
      keySize: 2048,
      algorithm: "sha256"
    })
    return { key: pems.private, cert: pems.cert }
  })

/**
 * Signs the element at `path` of `xml` — `//…Assertion` or the root
 * `/…Response` — with an enveloped signature placed after its `Issuer`
 * (RSA-SHA256, exclusive C14N).
 */
const signAt = (path: string) => (xml: string, key: string, cert: string) => {
  const sig = new SignedXml({
    privateKey: key,
    publicCert: cert,
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#"
  })
  sig.addReference({
    xpath: path,
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
    digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256"
  })
  sig.computeSignature(xml, {
    location: { reference: `${path}/*[local-name(.)='Issuer']`, action: "after" }
  })
  return sig.getSignedXml()
}

/** Signs the `Assertion` of `xml`. */
const signAssertion = signAt("//*[local-name(.)='Assertion']")

/** Signs the whole `Response` of `xml`. */
const signResponse = signAt("/*[local-name(.)='Response']")

/** An assertion of `a` by `entityId`, unsigned. */
export const assertionXml = (entityId: string, a: SamlAnswer, now = Date.now()) => {
  const until = iso(a.notOnOrAfter ?? now + 5 * 60_000)
  const attributes = Object.entries(a.attributes ?? {})
    .map(
      ([name, value]) =>
        `<saml:Attribute Name="${esc(name)}"><saml:AttributeValue>${esc(value)}</saml:AttributeValue></saml:Attribute>`
    )
    .join("")
  return (
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}">` +
    `<saml:Issuer>${esc(entityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${esc(a.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData InResponseTo="${esc(a.request.id)}" NotOnOrAfter="${until}" Recipient="${esc(a.request.acsUrl)}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(now - 60_000)}" NotOnOrAfter="${until}">` +
    `<saml:AudienceRestriction><saml:Audience>${esc(a.audience ?? a.request.issuer)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${newId()}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` +
    `</saml:Assertion>`
  )
}

/** A SAML IdP for tests; see the module comment. */
export const samlTestIdp = Effect.gen(function* () {
  const own = yield* keyPair()
  const other = yield* keyPair()
  const entityId = "https://idp.test.example/saml"
  return {
    entityId,
    ssoUrl: "https://idp.test.example/saml/sso",
    /** The IdP's signing certificate (PEM), as its metadata publishes it. */
    certificate: own.cert,
    /** The IdP's metadata document (entity ID, HTTP-Redirect single sign-on URL, signing certificate). */
    metadataXml: () =>
      `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${entityId}">` +
      `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
      `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` +
      own.cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "") +
      `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.test.example/saml/post"/>` +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.test.example/saml/sso"/>` +
      `</md:IDPSSODescriptor></md:EntityDescriptor>`,
    /** The AuthnRequest of Signet's redirect `url` (HTTP-Redirect binding: deflated, base64). */
    requestOf: (url: string): SamlRequest => {
      const u = new URL(url)
      const xml = Zlib.inflateRawSync(Buffer.from(u.searchParams.get("SAMLRequest") ?? "", "base64")).toString("utf8")
      const attr = (name: string) => xml.match(new RegExp(`${name}="([^"]*)"`))?.[1] ?? ""
      return {
        id: attr("ID"),
        acsUrl: attr("AssertionConsumerServiceURL"),
        issuer: xml.match(/<saml:Issuer[^>]*>([^<]*)</)?.[1] ?? "",
        relayState: u.searchParams.get("RelayState") ?? ""
      }
    },
    /** The base64 `SAMLResponse` answering `a` (see {@link SamlAnswer}). */
    respond: (a: SamlAnswer): string => {
      const signed = responseXml(a)
      return Buffer.from((a.tamper ?? ((x) => x))(signed), "utf8").toString("base64")
    },
    /**
     * The base64 `SAMLResponse` answering `a` with its (signed, unless
     * `sign` says otherwise) assertion encrypted to `certificate` (PEM) as
     * an `EncryptedAssertion` — XML Encryption by `xml-encryption`,
     * AES-256-GCM content key wrapped with RSA-OAEP — then `tamper`ed.
     */
    respondEncrypted: (a: SamlAnswer, certificate: string) =>
      Effect.promise(async () => {
        const xml = responseXml(a)
        const at = xml.indexOf("<saml:Assertion")
        const end = xml.indexOf("</saml:Assertion>") + "</saml:Assertion>".length
        const rsaPub = new Crypto.X509Certificate(certificate).publicKey.export({ type: "spki", format: "pem" })
        const { encrypt } = await import("xml-encryption")
        const encrypted = await new Promise<string>((resolve, reject) =>
          encrypt(
            xml.slice(at, end),
            {
              rsa_pub: rsaPub,
              pem: certificate,
              encryptionAlgorithm: "http://www.w3.org/2009/xmlenc11#aes256-gcm",
              keyEncryptionAlgorithm: "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
              disallowEncryptionWithInsecureAlgorithm: true,
              warnInsecureAlgorithm: false
            },
            (err, result) => (err ? reject(err) : resolve(result))
          )
        )
        const wrapped = `${xml.slice(0, at)}<saml:EncryptedAssertion>${encrypted}</saml:EncryptedAssertion>${xml.slice(end)}`
        return Buffer.from((a.tamper ?? ((x) => x))(wrapped), "utf8").toString("base64")
      })
  }

  /** The Response answering `a`, its assertion signed as `a.sign` says, before `tamper`. */
  function responseXml(a: SamlAnswer): string {
    const now = Date.now()
    const assertion = assertionXml(entityId, a, now)
    const response =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
      `ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}" Destination="${esc(a.request.acsUrl)}" InResponseTo="${esc(a.request.id)}">` +
      `<saml:Issuer>${esc(entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `${assertion}</samlp:Response>`
    const sign = a.sign ?? "assertion"
    return sign === "none"
      ? response
      : sign === "other"
        ? signAssertion(response, other.key, other.cert)
        : sign === "both"
          ? signResponse(signAssertion(response, own.key, own.cert), own.key, own.cert)
          : signAssertion(response, own.key, own.cert)
  }
})
