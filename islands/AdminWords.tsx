import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { WordRuleForm, WordRuleList, type WordRuleView } from "../components/WordRules.tsx";

export interface AdminWordsProps {
  me: PublicUser;
  lang: Lang;
}

/** /admin/words: the sensitive-word rules, for admins. */
export default function AdminWords(props: AdminWordsProps) {
  const { t } = useLocale(props.lang);
  const rules = useSignal<WordRuleView[] | null>(null);
  const error = useSignal("");
  const load = () =>
    api<{ items: WordRuleView[] }>("GET", "/api/v1/sensitive-words").then(
      (r) => rules.value = r.items,
      (e) => error.value = errorText(t, e),
    );
  useEffect(() => {
    load();
  }, []);
  const run = async (f: () => Promise<unknown>) => {
    error.value = "";
    try {
      await f();
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="words" />
      <main class="admin-main">
        <h1>{t("sw_title")}</h1>
        <p class="muted">{t("sw_intro")}</p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        <WordRuleForm
          t={t}
          onAdd={(rule) => run(() => api("POST", "/api/v1/sensitive-words", rule))}
        />
        {rules.value === null ? <p class="muted">{t("sw_loading")}</p> : (
          <WordRuleList
            t={t}
            items={rules.value}
            onDelete={(id) => run(() => api("DELETE", `/api/v1/sensitive-words/${id}`))}
          />
        )}
      </main>
    </div>
  );
}
