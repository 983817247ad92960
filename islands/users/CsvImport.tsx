import { useSignal } from "@preact/signals";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Key, Translate } from "../../client/i18n.ts";
import type { ImportRow } from "../../lib/protocol.ts";

const ACTION: Record<ImportRow["action"], Key> = {
  create: "acc_act_create",
  update: "acc_act_update",
  unchanged: "acc_act_unchanged",
  error: "acc_act_error",
};

function counts(rows: ImportRow[]) {
  const n = { create: 0, update: 0, unchanged: 0, error: 0 };
  for (const r of rows) n[r.action]++;
  return n;
}

/** One row per CSV line: what it would do (or did), or what is wrong with it. */
function ImportTable(props: { t: Translate; rows: ImportRow[] }) {
  const { t, rows } = props;
  return (
    <table class="table acc-import">
      <thead>
        <tr>
          <th>{t("acc_csv_line")}</th>
          <th>{t("email")}</th>
          <th>{t("acc_csv_action")}</th>
          <th>{t("acc_csv_changes")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.line} class={`acc-row-${r.action}`}>
            <td data-label={t("acc_csv_line")}>{r.line}</td>
            <td data-label={t("email")}>{r.email}</td>
            <td data-label={t("acc_csv_action")}>{t(ACTION[r.action])}</td>
            <td data-label={t("acc_csv_changes")}>{r.error ?? r.changes.join(", ")}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** CSV import: choose a file, see the dry run row by row, then apply it. */
export function CsvImport(props: { t: Translate; onApplied: () => void }) {
  const { t } = props;
  const csv = useSignal("");
  const rows = useSignal<ImportRow[] | null>(null);
  const applied = useSignal(false);
  const error = useSignal("");
  const busy = useSignal(false);
  const sendLinks = useSignal(false);
  const send = async (apply: boolean) => {
    error.value = "";
    busy.value = true;
    try {
      const r = await api<{ rows: ImportRow[]; applied: boolean }>("POST", "/api/v1/user-import", {
        csv: csv.value,
        apply,
        sendLinks: apply && sendLinks.value,
      });
      rows.value = r.rows;
      applied.value = r.applied;
      if (apply) props.onApplied();
    } catch (err) {
      error.value = errorText(t, err);
    } finally {
      busy.value = false;
    }
  };
  const pick = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    rows.value = null;
    applied.value = false;
    csv.value = file ? await file.text() : "";
  };
  const n = rows.value ? counts(rows.value) : null;
  return (
    <section class="acc-section" aria-label={t("acc_csv_title")}>
      <h2>{t("acc_csv_title")}</h2>
      <p class="muted">{t("acc_csv_hint")}</p>
      <div class="inline-form">
        <input type="file" accept=".csv,text/csv" aria-label={t("acc_csv_file")} onChange={pick} />
        <button type="button" disabled={!csv.value || busy.value} onClick={() => send(false)}>
          {t("acc_csv_dry_run")}
        </button>
      </div>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {n && (
        <p class="notice" role="status">
          {t(applied.value ? "acc_csv_applied" : "acc_csv_summary", n)}
        </p>
      )}
      {rows.value && <ImportTable t={t} rows={rows.value} />}
      {rows.value && !applied.value && (n!.create + n!.update > 0) && (
        <div class="actions">
          <label class="check">
            <input
              type="checkbox"
              checked={sendLinks.value}
              onChange={(e) => sendLinks.value = (e.target as HTMLInputElement).checked}
            />
            {t("acc_csv_send_links")}
          </label>
          <button type="button" class="primary" disabled={busy.value} onClick={() => send(true)}>
            {t("acc_csv_apply")}
          </button>
        </div>
      )}
    </section>
  );
}
