/**
 * SCIM discovery documents (RFC 7644 §4; RFC 7643 §5–§7):
 * `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`. Static, built
 * from the tenant's base URL; readable with any valid token of the tenant.
 *
 * @module
 */
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, SCIM_LIMITS, SIGNET_GROUP_SCHEMA, USER_SCHEMA } from "./Kit.js"

const attribute = (name: string, type: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra
})

/** `/ServiceProviderConfig` (RFC 7643 §5): what this provider supports. */
export const serviceProviderConfig = (base: string) => ({
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
  documentationUri: "https://github.com/signet/signet/blob/main/docs/scim.md",
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: SCIM_LIMITS.maxPageSize },
  changePassword: { supported: false },
  sort: { supported: true },
  etag: { supported: true },
  authenticationSchemes: [
    {
      type: "oauthbearertoken",
      name: "SCIM bearer token",
      description: "A per-tenant token minted by a tenant administrator (signet scim-token create)",
      primary: true
    }
  ],
  meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` }
})

/** The two resource types (RFC 7643 §6). */
const resourceTypes = (base: string) => [
  {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: "User",
    name: "User",
    endpoint: "/Users",
    schema: USER_SCHEMA,
    schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }],
    meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/User` }
  },
  {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    schema: GROUP_SCHEMA,
    schemaExtensions: [{ schema: SIGNET_GROUP_SCHEMA, required: false }],
    meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/Group` }
  }
]

/** The schemas Signet serves (RFC 7643 §7), attributes as stored. */
const schemas = (base: string) => [
  {
    id: USER_SCHEMA,
    name: "User",
    attributes: [
      attribute("userName", "string", { required: true, uniqueness: "server" }),
      attribute("externalId", "string", { caseExact: true }),
      attribute("displayName", "string"),
      attribute("name", "complex", {
        subAttributes: [
          attribute("givenName", "string"),
          attribute("familyName", "string"),
          attribute("formatted", "string")
        ]
      }),
      attribute("emails", "complex", {
        multiValued: true,
        subAttributes: [attribute("value", "string"), attribute("type", "string"), attribute("primary", "boolean")]
      }),
      attribute("active", "boolean"),
      attribute("userType", "string", { mutability: "immutable" })
    ],
    meta: { resourceType: "Schema", location: `${base}/Schemas/${USER_SCHEMA}` }
  },
  {
    id: ENTERPRISE_SCHEMA,
    name: "EnterpriseUser",
    attributes: [
      ...["employeeNumber", "department", "organization", "division", "costCenter"].map((n) => attribute(n, "string")),
      attribute("manager", "complex", { subAttributes: [attribute("value", "string")] })
    ],
    meta: { resourceType: "Schema", location: `${base}/Schemas/${ENTERPRISE_SCHEMA}` }
  },
  {
    id: GROUP_SCHEMA,
    name: "Group",
    attributes: [
      attribute("displayName", "string", { required: true, uniqueness: "server" }),
      attribute("externalId", "string", { caseExact: true }),
      attribute("members", "complex", {
        multiValued: true,
        subAttributes: [attribute("value", "string", { mutability: "immutable" }), attribute("$ref", "reference")]
      })
    ],
    meta: { resourceType: "Schema", location: `${base}/Schemas/${GROUP_SCHEMA}` }
  },
  {
    id: SIGNET_GROUP_SCHEMA,
    name: "SignetGroup",
    description: "What a Signet group stands for: a team (default) or an academics student group of a school",
    attributes: [
      attribute("kind", "string", { mutability: "immutable", canonicalValues: ["team", "student_group"] }),
      attribute("schoolId", "string", { mutability: "immutable" })
    ],
    meta: { resourceType: "Schema", location: `${base}/Schemas/${SIGNET_GROUP_SCHEMA}` }
  }
]

/** A ListResponse of all items. */
const listOf = (items: ReadonlyArray<unknown>) => ({
  schemas: [LIST_SCHEMA],
  totalResults: items.length,
  startIndex: 1,
  itemsPerPage: items.length,
  Resources: items
})

/** `/ResourceTypes` as a ListResponse. */
export const resourceTypesList = (base: string) => listOf(resourceTypes(base))

/** `/Schemas` as a ListResponse. */
export const schemasList = (base: string) => listOf(schemas(base))

/** One resource type by id (`User`, `Group`), or undefined. */
export const resourceType = (base: string, id: string) => resourceTypes(base).find((r) => r.id === id)

/** One schema by URN, or undefined. */
export const schema = (base: string, id: string) => schemas(base).find((s) => s.id === id)
