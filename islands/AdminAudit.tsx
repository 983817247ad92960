import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { AuditEntry, AuditVerdict, PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { ExportLinks } from "../components/ExportLinks.tsx";
import { AuditFilters, AuditList, FIELDS, type Filters } from "../components/AuditLog.tsx";

export interface AdminAuditProps {
  me: PublicUser;
  lang: Lang;
}

const fromInput = (v: string) => v ? new Date(v).toISOString() : "";

function queryOf(f: Filters): string {
  const q = new URLSearchParams();
  for (const k of FIELDS) if (f[k]) q.set(k, f[k]!);
  return q.toString();
}

/** The page's state: filters (kept in the URL), the loaded pages, and the last verdict. */
function useAuditLog(t: Translate) {
  const filters = useSignal<Filters>(
    Object.fromEntries(
      FIELDS.flatMap((k) => {
        const v = typeof location === "undefined"
          ? null
          : new URLSearchParams(location.search).get(k);
        return v ? [[k, v]] : [];
      }),
    ),
  );
  const items = useSignal<AuditEntry[] | null>(null);
  const cursor = useSignal<number | null>(null);
  const error = useSignal("");
  const verdict = useSignal<AuditVerdict | null>(null);
  const verifying = useSignal(false);

  const load = async (more: boolean) => {
    error.value = "";
    const q = queryOf(filters.value);
    const after = more && cursor.value ? `&cursor=${cursor.value}` : "";
    try {
      const r = await api<{ items: AuditEntry[]; cursor: number | null }>(
        "GET",
        `/api/v1/audit?limit=50&${q}${after}`,
      );
      items.value = more ? [...(items.value ?? []), ...r.items] : r.items;
      cursor.value = r.cursor;
    } catch (e) {
      error.value = errorText(t, e);
      if (!more) items.value = [];
    }
  };
  useEffect(() => {
    load(false);
  }, []);

  const apply = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const next: Filters = {};
    for (const k of FIELDS) {
      const v = String(f.get(k) ?? "").trim();
      if (v) next[k] = k === "from" || k === "to" ? fromInput(v) : v;
    }
    filters.value = next;
    const q = queryOf(next);
    history.replaceState(null, "", "/admin/audit" + (q ? "?" + q : ""));
    load(false);
  };
  const clear = () => {
    filters.value = {};
    history.replaceState(null, "", "/admin/audit");
    (document.getElementById("au-filters") as HTMLFormElement | null)?.reset();
    load(false);
  };
  const verify = async () => {
    verifying.value = true;
    error.value = "";
    try {
      verdict.value = await api<AuditVerdict>("GET", "/api/v1/audit/verify");
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      verifying.value = false;
    }
  };
  return { filters, items, cursor, error, verdict, verifying, load, apply, clear, verify };
}

/** /admin/audit: the audit log with filters, paging, verification and downloads. */
export default function AdminAudit(props: AdminAuditProps) {
  const { t, lang } = useLocale(props.lang);
  const { filters, items, cursor, error, verdict, verifying, load, apply, clear, verify } =
    useAuditLog(t);
  const f = filters.value;
  const q = queryOf(f);
  const v = verdict.value;
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="audit" />
      <main class="admin-main au-page">
        <h1>{t("au_title")}</h1>
        <p class="muted">{t("au_intro")}</p>
        <p class="au-tools">
          <button type="button" onClick={verify} disabled={verifying.value}>
            {verifying.value ? t("au_verifying") : t("au_verify")}
          </button>
          <ExportLinks t={t} lang={lang} href={`/api/v1/audit/export${q ? "?" + q : ""}`} />
        </p>
        {v && (
          <p class={v.ok ? "ok" : "error"} role="status" data-testid="au-verdict">
            {v.ok ? t("au_verify_ok", { n: v.count }) : t("au_verify_broken", {
              seq: v.broken!.seq,
              reason: v.broken!.reason,
              n: v.count,
            })}
          </p>
        )}
        <AuditFilters t={t} filters={f} onApply={apply} onClear={clear} />
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {items.value === null && <p class="muted">{t("au_loading")}</p>}
        {items.value?.length === 0 && <p class="empty">{t("au_empty")}</p>}
        <AuditList t={t} lang={lang} items={items.value ?? []} />
        {cursor.value !== null && (items.value?.length ?? 0) > 0 && (
          <p>
            <button type="button" onClick={() => load(true)}>{t("au_more")}</button>
          </p>
        )}
      </main>
    </div>
  );
}
