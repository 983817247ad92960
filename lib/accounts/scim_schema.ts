/**
 * SCIM 2.0 (RFC 7643/7644) wire forms: schema URNs, the error shape, list
 * responses, the `attr eq "value"` filters identity providers send, and the
 * PATCH operations of Okta and Azure AD, read forgivingly.
 */

export const SCIM = {
  user: "urn:ietf:params:scim:schemas:core:2.0:User",
  group: "urn:ietf:params:scim:schemas:core:2.0:Group",
  list: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
  patch: "urn:ietf:params:scim:api:messages:2.0:PatchOp",
  error: "urn:ietf:params:scim:api:messages:2.0:Error",
  spc: "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
  resourceType: "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
  schema: "urn:ietf:params:scim:schemas:core:2.0:Schema",
} as const;

export const SCIM_CONTENT_TYPE = "application/scim+json";

/** An error in SCIM's own shape (RFC 7644 §3.12). */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?:
      | "invalidFilter"
      | "uniqueness"
      | "invalidValue"
      | "invalidSyntax"
      | "mutability"
      | "noTarget",
  ) {
    super(message);
  }
  toJSON() {
    return {
      schemas: [SCIM.error],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.message,
    };
  }
}

/** `attr eq "value"`: the one filter identity providers send; anything else is invalidFilter. */
export function parseEqFilter(filter: string): { attr: string; value: string } {
  const m = /^\s*([A-Za-z][\w.]*)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!m || filter.length > 500) {
    throw new ScimError(
      400,
      'only filters of the form attr eq "value" are supported',
      "invalidFilter",
    );
  }
  return { attr: m[1].toLowerCase(), value: m[2].replace(/\\(.)/g, "$1") };
}

/** One PATCH operation, with its op lower-cased. */
export interface PatchOp {
  op: "add" | "replace" | "remove";
  path: string | null;
  value: unknown;
}

/** Reads a PatchOp body; 400 invalidSyntax when it is not one. */
export function parsePatch(body: unknown): PatchOp[] {
  const ops = (body as { Operations?: unknown })?.Operations;
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > 1000) {
    throw new ScimError(400, "Operations: a list of operations is required", "invalidSyntax");
  }
  return ops.map((o) => {
    const op = String((o as { op?: unknown })?.op ?? "").toLowerCase();
    if (op !== "add" && op !== "replace" && op !== "remove") {
      throw new ScimError(
        400,
        `op: ${op || "(none)"} is not add, replace or remove`,
        "invalidSyntax",
      );
    }
    const path = (o as { path?: unknown }).path;
    return {
      op,
      path: typeof path === "string" && path.trim() ? path.trim() : null,
      value: (o as { value?: unknown }).value,
    };
  });
}

/** SCIM booleans arrive as true/false or, from Azure AD, "True"/"False". */
export function scimBool(v: unknown): boolean | null {
  if (typeof v === "boolean") return v;
  if (typeof v === "string" && /^(true|false)$/i.test(v)) return v.toLowerCase() === "true";
  return null;
}

/** startIndex (1-based) and count, capped. */
export function paging(q: Record<string, string>, max: number): { start: number; count: number } {
  const start = Math.max(1, Math.floor(Number(q.startIndex ?? "1")) || 1);
  const raw = q.count === undefined ? max : Math.floor(Number(q.count));
  const count = Number.isFinite(raw) ? Math.min(Math.max(0, raw), max) : max;
  return { start, count };
}

export function listResponse(all: unknown[], start: number, count: number) {
  const page = all.slice(start - 1, start - 1 + count);
  return {
    schemas: [SCIM.list],
    totalResults: all.length,
    startIndex: start,
    itemsPerPage: page.length,
    Resources: page,
  };
}
