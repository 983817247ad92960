import { channelLabel, languageLabel } from "../client/labels.ts";
import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import type { ReminderSettings } from "../lib/protocol.ts";
import {
  type ProviderDraft,
  ProviderForm,
  providerInput,
  type ProviderView,
} from "../components/ProviderForm.tsx";
import { ReminderForm } from "../components/ReminderForm.tsx";

export interface AdminNotifyProps {
  me: PublicUser;
  lang: Lang;
}

interface Item {
  channel: string;
  lang: string;
  custom: boolean;
  template: { subject?: string; body: string };
}

/**
 * Templates per channel and language, with a live preview; the providers in
 * failover order (create, edit, reorder, delete, send a test); reminder intervals.
 */
export default function AdminNotify(props: AdminNotifyProps) {
  const { t } = useLocale(props.lang);
  const items = useSignal<Item[]>([]);
  const variables = useSignal<string[]>([]);
  const sel = useSignal("email/en");
  const subject = useSignal("");
  const body = useSignal("");
  const preview = useSignal<{ subject: string | null; body: string } | null>(null);
  const providers = useSignal<ProviderView[]>([]);
  const editing = useSignal<ProviderView | null | "new">(null);
  const testing = useSignal<string | null>(null);
  const testResult = useSignal<Record<string, { ok: boolean; detail: string }>>({});
  /** What the admin typed per provider for its test (kept across reloads of the list). */
  const testTo = useSignal<Record<string, string>>({});
  const reminders = useSignal<ReminderSettings | null>(null);
  const busy = useSignal(false);
  const msg = useSignal("");
  const error = useSignal("");

  const current = () => items.value.find((i) => `${i.channel}/${i.lang}` === sel.value);
  const load = async () => {
    const r = await api<{ items: Item[]; variables: string[] }>("GET", "/api/v1/templates");
    items.value = r.items;
    variables.value = r.variables;
    const c = current();
    subject.value = c?.template.subject ?? "";
    body.value = c?.template.body ?? "";
  };
  useEffect(() => {
    load();
    loadProviders();
    api<{ reminders: ReminderSettings }>("GET", "/api/v1/settings/reminders").then((r) =>
      reminders.value = r.reminders
    );
  }, []);
  const loadProviders = async () => {
    providers.value = (await api<{ items: ProviderView[] }>("GET", "/api/v1/providers")).items;
  };
  /** A provider change: shown by its translated error code when it fails. */
  const change = async (f: () => Promise<unknown>, done: string) => {
    error.value = "";
    msg.value = "";
    busy.value = true;
    try {
      await f();
      await loadProviders();
      msg.value = done;
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };
  const saveProvider = (d: ProviderDraft) => {
    const current = editing.value;
    change(async () => {
      if (current && current !== "new") {
        await api("PUT", `/api/v1/providers/${current.id}`, providerInput(d, current.order));
      } else {
        const order = providers.value.reduce((n, p) => Math.max(n, p.order + 1), 0);
        await api("POST", "/api/v1/providers", providerInput(d, order));
      }
      editing.value = null;
    }, t("saved"));
  };
  const move = (i: number, by: number) => {
    const ids = providers.value.map((p) => p.id);
    [ids[i], ids[i + by]] = [ids[i + by], ids[i]];
    change(() => api("POST", "/api/v1/providers/reorder", { ids }), t("prov_reordered"));
  };
  const sendTest = (p: ProviderView, f: FormData) => {
    testing.value = p.id;
    const { [p.id]: _, ...others } = testResult.value;
    testResult.value = others;
    change(async () => {
      const r = await api<{ result: { ok: boolean; detail: string } }>(
        "POST",
        `/api/v1/providers/${p.id}/test`,
        { channel: String(f.get("channel")), to: String(f.get("to")) },
      );
      testResult.value = { ...testResult.value, [p.id]: r.result };
    }, "").finally(() => testing.value = null);
  };
  useEffect(() => {
    const timer = setTimeout(async () => {
      if (!body.value) return;
      preview.value = await api("POST", "/api/v1/templates/preview", {
        body: body.value,
        ...(sel.value.startsWith("email") ? { subject: subject.value } : {}),
      });
    }, 150);
    return () => clearTimeout(timer);
  }, [body.value, subject.value, sel.value]);

  const run = async (f: () => Promise<unknown>, done: string) => {
    error.value = "";
    msg.value = "";
    try {
      await f();
      await load();
      msg.value = done;
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  const isEmail = sel.value.startsWith("email");
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="notify" />
      <main class="admin-main">
        <h1>{t("notifications")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {msg.value && <p class="ok" role="status">{msg.value}</p>}
        <h2>{t("templates")}</h2>
        <p class="muted">{t("variables")}: {variables.value.map((v) => `{{${v}}}`).join(" ")}</p>
        <p class="inline-form">
          <select
            aria-label={t("templates")}
            value={sel.value}
            onChange={(e) => {
              sel.value = (e.target as HTMLSelectElement).value;
              const c = current();
              subject.value = c?.template.subject ?? "";
              body.value = c?.template.body ?? "";
            }}
          >
            {items.value.map((i) => (
              <option key={i.channel + i.lang} value={`${i.channel}/${i.lang}`}>
                {channelLabel(t, i.channel)} · {languageLabel(t, i.lang)}
                {i.custom ? " *" : ""}
              </option>
            ))}
          </select>
        </p>
        <form
          class="stack"
          aria-label={t("templates")}
          onSubmit={(e) => {
            e.preventDefault();
            run(() =>
              api("PUT", `/api/v1/templates/${sel.value}`, {
                body: body.value,
                ...(isEmail ? { subject: subject.value } : {}),
              }), t("saved"));
          }}
        >
          {isEmail && (
            <input
              name="subject"
              aria-label={t("subject")}
              value={subject.value}
              onInput={(e) => subject.value = (e.target as HTMLInputElement).value}
            />
          )}
          <textarea
            name="body"
            rows={6}
            aria-label={t("body")}
            value={body.value}
            onInput={(e) => body.value = (e.target as HTMLTextAreaElement).value}
          />
          <div class="actions">
            <button
              type="button"
              onClick={() => run(() => api("DELETE", `/api/v1/templates/${sel.value}`), t("saved"))}
            >
              {t("resetTemplate")}
            </button>
            <button type="submit" class="primary">{t("save")}</button>
          </div>
        </form>
        {preview.value && (
          <section class="dry-result" aria-label={t("preview")}>
            <h3>{t("preview")}</h3>
            {preview.value.subject !== null && (
              <p>
                <strong data-testid="preview-subject">{preview.value.subject}</strong>
              </p>
            )}
            <pre class="preview" data-testid="preview-body">{preview.value.body}</pre>
          </section>
        )}
        <h2>{t("providers")}</h2>
        <p class="muted">{t("prov_help")}</p>
        {providers.value.length === 0 && editing.value === null && (
          <p class="empty">{t("prov_none")}</p>
        )}
        <ul class="card-list" aria-label={t("providers")}>
          {providers.value.map((p, i) => (
            <li key={p.id} class="rule-card" data-testid="provider" data-name={p.name}>
              <div class="rule-head">
                <span class="route-no">{i + 1}</span>
                <strong>{p.name}</strong>
                <span class="tag">{t(`prov_kind_${p.kind}`)}</span>
                {p.perMinute && (
                  <span class="muted">{t("prov_perMinuteShort", { n: p.perMinute })}</span>
                )}
              </div>
              <div class="row-actions">
                <button
                  type="button"
                  aria-label={t("rules_moveUp")}
                  title={t("rules_moveUp")}
                  disabled={i === 0 || busy.value}
                  onClick={() =>
                    move(i, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  aria-label={t("rules_moveDown")}
                  title={t("rules_moveDown")}
                  disabled={i === providers.value.length - 1 || busy.value}
                  onClick={() =>
                    move(i, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  onClick={() =>
                    editing.value = p}
                >
                  {t("rules_edit")}
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={() => {
                    if (!confirm(t("rules_confirmDelete", { name: p.name }))) {
                      return;
                    }
                    change(() =>
                      api("DELETE", `/api/v1/providers/${p.id}`), t("rules_deleted"));
                  }}
                >
                  {t("rules_delete")}
                </button>
              </div>
              <form
                class="inline-form"
                aria-label={t("prov_test")}
                onSubmit={(e) => {
                  e.preventDefault();
                  sendTest(p, new FormData(e.target as HTMLFormElement));
                }}
              >
                <select name="channel" aria-label={t("prov_channel")}>
                  {(p.kind === "smtp"
                    ? ["email"]
                    : p.kind === "twilio"
                    ? ["sms", "voice"]
                    : ["sms"])
                    .map((c) => <option key={c} value={c}>{t(`prov_ch_${c as "sms"}`)}</option>)}
                </select>
                <input
                  name="to"
                  required
                  aria-label={t("prov_testTo")}
                  placeholder={p.kind === "smtp" ? "you@example.com" : "+8613800000000"}
                  value={testTo.value[p.id] ?? ""}
                  onInput={(e) => testTo.value = {
                    ...testTo.value,
                    [p.id]: (e.target as HTMLInputElement).value,
                  }}
                />
                <button type="submit" disabled={testing.value !== null}>
                  {testing.value === p.id ? t("prov_sending") : t("rules_sendTest")}
                </button>
              </form>
              {testResult.value[p.id] && (
                <div
                  class={testResult.value[p.id].ok ? "ok" : "error"}
                  role="status"
                  data-testid="provider-result"
                >
                  {testResult.value[p.id].ok ? t("prov_testOk") : t("prov_testFailed")}
                  <pre class="preview answer">{testResult.value[p.id].detail}</pre>
                </div>
              )}
            </li>
          ))}
        </ul>
        {editing.value === null
          ? (
            <p>
              <button type="button" class="primary" onClick={() => editing.value = "new"}>
                + {t("prov_new")}
              </button>
            </p>
          )
          : (
            <ProviderForm
              key={editing.value === "new" ? "new" : editing.value.id}
              t={t}
              initial={editing.value === "new" ? null : editing.value}
              busy={busy.value}
              onSubmit={saveProvider}
              onCancel={() => editing.value = null}
            />
          )}
        <h2>{t("prov_reminders")}</h2>
        {reminders.value
          ? (
            <ReminderForm
              t={t}
              settings={reminders.value}
              busy={busy.value}
              onSave={(next) =>
                change(async () => {
                  reminders.value = (await api<{ reminders: ReminderSettings }>(
                    "PUT",
                    "/api/v1/settings/reminders",
                    next,
                  )).reminders;
                }, t("saved"))}
            />
          )
          : <p class="muted" aria-busy="true">{t("rules_loading")}</p>}
      </main>
    </div>
  );
}
