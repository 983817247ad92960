import { channelLabel, languageLabel } from "../client/labels.ts";
import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../client/store.ts";
import { AdminNav } from "../components/AdminNav.tsx";

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

/** Templates per channel and language, with a live preview; the providers in failover order. */
export default function AdminNotify(props: AdminNotifyProps) {
  const { t } = useLocale(props.lang);
  const items = useSignal<Item[]>([]);
  const variables = useSignal<string[]>([]);
  const sel = useSignal("email/en");
  const subject = useSignal("");
  const body = useSignal("");
  const preview = useSignal<{ subject: string | null; body: string } | null>(null);
  const providers = useSignal<{ id: string; name: string; kind: string; order: number }[]>([]);
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
    api<{ items: typeof providers.value }>("GET", "/api/v1/providers").then((r) =>
      providers.value = r.items
    );
  }, []);
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
        <p class="muted">{t("providersHelp")}</p>
        <table class="table">
          <tbody>
            {providers.value.map((p) => (
              <tr key={p.id}>
                <td>{p.order}</td>
                <td>{p.name}</td>
                <td>{p.kind}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </main>
    </div>
  );
}
