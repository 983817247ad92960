/** SCIM discovery documents (RFC 7643 §5-7): what this server supports, for identity providers. */
import { SCIM } from "../lib/accounts/scim_schema.ts";

const attr = (
  name: string,
  type: string,
  extra: Record<string, unknown> = {},
) => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra,
});

export function discovery(base: string) {
  const serviceProviderConfig = {
    schemas: [SCIM.spc],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{
      type: "oauthbearertoken",
      name: "Bearer token",
      description: "A SCIM token created by a Tocsin admin on the Users page",
      primary: true,
    }],
    meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` },
  };
  const resourceTypes = [
    {
      schemas: [SCIM.resourceType],
      id: "User",
      name: "User",
      endpoint: "/Users",
      schema: SCIM.user,
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [SCIM.resourceType],
      id: "Group",
      name: "Group",
      endpoint: "/Groups",
      schema: SCIM.group,
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/Group` },
    },
  ];
  return { serviceProviderConfig, resourceTypes, schemas: schemas(base) };
}

/** The User and Group schemas, as far as Tocsin keeps them. */
function schemas(base: string) {
  return [
    {
      schemas: [SCIM.schema],
      id: SCIM.user,
      name: "User",
      attributes: [
        attr("userName", "string", { required: true, uniqueness: "server" }),
        attr("name", "complex", {
          subAttributes: [
            attr("formatted", "string"),
            attr("givenName", "string"),
            attr("familyName", "string"),
          ],
        }),
        attr("displayName", "string"),
        attr("active", "boolean"),
        attr("externalId", "string", { caseExact: true }),
        attr("emails", "complex", {
          multiValued: true,
          subAttributes: [
            attr("value", "string"),
            attr("type", "string"),
            attr("primary", "boolean"),
          ],
        }),
      ],
      meta: { resourceType: "Schema", location: `${base}/Schemas/${SCIM.user}` },
    },
    {
      schemas: [SCIM.schema],
      id: SCIM.group,
      name: "Group",
      attributes: [
        attr("displayName", "string", { required: true, uniqueness: "server" }),
        attr("externalId", "string", { caseExact: true }),
        attr("members", "complex", {
          multiValued: true,
          subAttributes: [
            attr("value", "string", { mutability: "immutable" }),
            attr("display", "string", { mutability: "readOnly" }),
          ],
        }),
      ],
      meta: { resourceType: "Schema", location: `${base}/Schemas/${SCIM.group}` },
    },
  ];
}
