import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";
import { channelLabel, languageLabel } from "../../client/labels.ts";
import type { NotifyUi } from "./ui.ts";

interface Item {
  channel: string;
  lang: string;
  custom: boolean;
  template: { subject?: string; body: string };
}
type Preview = { subject: string | null; body: string };

/** The templates, the one selected ("channel/lang"), its text being edited and its preview. */
function useTemplates(ui: NotifyUi) {
  const items = useSignal<Item[]>([]);
  const variables = useSignal<string[]>([]);
  const sel = useSignal("email/en");
  const subject = useSignal("");
  const body = useSignal("");
  const preview = useSignal<Preview | null>(null);
  const current = () => items.value.find((i) => `${i.channel}/${i.lang}` === sel.value);
  const fill = () => {
    const c = current();
    subject.value = c?.template.subject ?? "";
    body.value = c?.template.body ?? "";
  };
  const load = async () => {
    const r = await api<{ items: Item[]; variables: string[] }>("GET", "/api/v1/templates");
    items.value = r.items;
    variables.value = r.variables;
    fill();
  };
  useEffect(() => {
    load();
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
    ui.error.value = "";
    ui.msg.value = "";
    try {
      await f();
      await load();
      ui.msg.value = done;
    } catch (e) {
      ui.error.value = errorText(ui.t, e);
    }
  };
  const select = (v: string) => {
    sel.value = v;
    fill();
  };
  return { items, variables, sel, subject, body, preview, run, select };
}

function TemplatePreview(props: { t: Translate; preview: Preview }) {
  const { t, preview } = props;
  return (
    <section class="dry-result" aria-label={t("preview")}>
      <h3>{t("preview")}</h3>
      {preview.subject !== null && (
        <p>
          <strong data-testid="preview-subject">{preview.subject}</strong>
        </p>
      )}
      <pre class="preview" data-testid="preview-body">{preview.body}</pre>
    </section>
  );
}

/** Templates per channel and language: pick one, edit it (or reset it), see it rendered. */
export function TemplatesSection(props: { ui: NotifyUi }) {
  const { t } = props.ui;
  const { items, variables, sel, subject, body, preview, run, select } = useTemplates(props.ui);
  const isEmail = sel.value.startsWith("email");
  return (
    <>
      <h2>{t("templates")}</h2>
      <p class="muted">{t("variables")}: {variables.value.map((v) => `{{${v}}}`).join(" ")}</p>
      <p class="inline-form">
        <select
          aria-label={t("templates")}
          value={sel.value}
          onChange={(e) => select((e.target as HTMLSelectElement).value)}
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
      {preview.value && <TemplatePreview t={t} preview={preview.value} />}
    </>
  );
}
