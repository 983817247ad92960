import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";

export interface ApiDocsProps {
  me: PublicUser;
  lang: Lang;
}

type Json = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  tag: string;
  summary?: string;
  description?: string;
  body?: unknown;
  query: { name: string; required: boolean; schema: unknown }[];
  responses: { status: string; description: string; schema?: unknown }[];
}

const DOC_URL = "/api/v1/openapi.json";

/** The document's operations, flattened and in path order. */
function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as Json[];
      const content = (x: unknown) =>
        ((x as Json | undefined)?.content as Record<string, Json> | undefined)?.[
          "application/json"
        ]?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        tag: ((op.tags ?? []) as string[])[0] ?? "",
        summary: op.summary as string | undefined,
        description: op.description as string | undefined,
        body: content(op.requestBody),
        query: params.filter((p) => p.in === "query").map((p) => ({
          name: String(p.name),
          required: p.required === true,
          schema: p.schema,
        })),
        responses: Object.entries((op.responses ?? {}) as Record<string, Json>)
          .filter(([status]) => status !== "default")
          .map(([status, r]) => ({
            status,
            description: String(r.description ?? ""),
            schema: content(r),
          })),
      });
    }
  }
  return out;
}

const schema = (s: unknown) => <pre class="apid-schema">{JSON.stringify(s, null, 2)}</pre>;

/** One route: method and path, opening to its parameters, body and answers. */
function OperationView(props: { t: Translate; o: Operation }) {
  const { t, o } = props;
  return (
    <details class="apid-op" data-testid="api-op">
      <summary>
        <span class={`apid-method apid-${o.method.toLowerCase()}`}>{o.method}</span>{" "}
        <code class="apid-path">{o.path}</code>
        {o.summary && <span class="muted">{o.summary}</span>}
      </summary>
      {o.description === "Admins only." && <p class="muted">{t("apid_admins")}</p>}
      {o.query.length > 0 && (
        <>
          <h3>{t("apid_query")}</h3>
          <ul>
            {o.query.map((p) => (
              <li key={p.name}>
                <code>{p.name}</code>
                {p.required ? " *" : ""} {schema(p.schema)}
              </li>
            ))}
          </ul>
        </>
      )}
      {o.body !== undefined && (
        <>
          <h3>{t("apid_request")}</h3>
          {schema(o.body)}
        </>
      )}
      {o.responses.map((r) => (
        <div key={r.status}>
          <h3>{t("apid_response", { status: r.status })}</h3>
          {r.schema !== undefined
            ? schema(r.schema)
            : <p class="muted">{r.description} · {t("apid_noSchema")}</p>}
        </div>
      ))}
    </details>
  );
}

/** The API reference: every route of the OpenAPI document, by tag, schemas expandable. */
export default function ApiDocs(props: ApiDocsProps) {
  const { t } = useLocale(props.lang);
  const ops = useSignal<Operation[] | null>(null);
  const filter = useSignal("");
  const error = useSignal("");

  useEffect(() => {
    api<Json>("GET", DOC_URL).then((doc) => ops.value = operations(doc)).catch((e) => {
      error.value = errorText(t, e);
      ops.value = [];
    });
  }, []);

  const q = filter.value.trim().toLowerCase();
  const shown = (ops.value ?? []).filter((o) =>
    !q || `${o.method} ${o.path} ${o.tag} ${o.summary ?? ""}`.toLowerCase().includes(q)
  );
  const tags = [...new Set(shown.map((o) => o.tag))].sort();

  return (
    <div class="admin apid-page">
      <AdminNav t={t} me={props.me} current="api-docs" />
      <main class="admin-main">
        <h1>{t("apid_title")}</h1>
        <p class="muted">
          {t("apid_help")}
          <a href={DOC_URL}>{DOC_URL}</a>
        </p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        <p class="inline-form">
          <label>
            {t("apid_filter")}{" "}
            <input
              type="search"
              name="filter"
              placeholder={t("apid_filterHint")}
              value={filter.value}
              onInput={(e) => filter.value = (e.target as HTMLInputElement).value}
            />
          </label>
          {ops.value && <span class="muted">{t("apid_count", { n: shown.length })}</span>}
        </p>
        {ops.value === null && <p class="muted" aria-busy="true">{t("apid_loading")}</p>}
        {ops.value && shown.length === 0 && <p class="empty">{t("apid_none")}</p>}
        {tags.map((tag) => (
          <section key={tag} class="apid-tag" aria-label={tag}>
            <h2>{tag}</h2>
            {shown.filter((o) => o.tag === tag).map((o) => (
              <OperationView key={o.method + o.path} t={t} o={o} />
            ))}
          </section>
        ))}
      </main>
    </div>
  );
}
