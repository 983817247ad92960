import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";

export interface WordRuleView {
  id: string;
  pattern: string;
  kind: "word" | "regex";
  action: "warn" | "replace" | "block";
}
type NewRule = Omit<WordRuleView, "id">;

const ACTION_KEYS = {
  warn: "sw_action_warn",
  replace: "sw_action_replace",
  block: "sw_action_block",
} as const;

/** The form adding a sensitive-word rule. */
export function WordRuleForm(props: { t: Translate; onAdd: (r: NewRule) => Promise<void> }) {
  const { t } = props;
  const pattern = useSignal("");
  const kind = useSignal<NewRule["kind"]>("word");
  const action = useSignal<NewRule["action"]>("block");
  return (
    <form
      class="inline-form word-form"
      aria-label={t("sw_add")}
      onSubmit={async (e) => {
        e.preventDefault();
        if (!pattern.value.trim()) return;
        await props.onAdd({
          pattern: pattern.value.trim(),
          kind: kind.value,
          action: action.value,
        });
        pattern.value = "";
      }}
    >
      <input
        name="pattern"
        aria-label={t("sw_pattern")}
        placeholder={t("sw_pattern")}
        maxLength={200}
        value={pattern.value}
        onInput={(e) => pattern.value = e.currentTarget.value}
      />
      <select
        name="kind"
        aria-label={t("sw_kind")}
        value={kind.value}
        onChange={(e) => kind.value = e.currentTarget.value as NewRule["kind"]}
      >
        <option value="word">{t("sw_kind_word")}</option>
        <option value="regex">{t("sw_kind_regex")}</option>
      </select>
      <select
        name="action"
        aria-label={t("sw_action")}
        value={action.value}
        onChange={(e) => action.value = e.currentTarget.value as NewRule["action"]}
      >
        {(["block", "replace", "warn"] as const).map((a) => (
          <option key={a} value={a}>{t(ACTION_KEYS[a])}</option>
        ))}
      </select>
      <button type="submit" class="primary">{t("sw_add")}</button>
    </form>
  );
}

/** The rules, each with its type, action and a delete button. */
export function WordRuleList(props: {
  t: Translate;
  items: WordRuleView[];
  onDelete: (id: string) => void;
}) {
  const { t } = props;
  if (!props.items.length) return <p class="muted">{t("sw_empty")}</p>;
  return (
    <ul class="word-rules">
      {props.items.map((r) => (
        <li key={r.id} data-rule={r.pattern}>
          <code class="grow">{r.pattern}</code>
          <span class="muted">{t(r.kind === "word" ? "sw_kind_word" : "sw_kind_regex")}</span>
          <span>{t(ACTION_KEYS[r.action])}</span>
          <button type="button" class="danger-link" onClick={() => props.onDelete(r.id)}>
            {t("sw_delete")}
          </button>
        </li>
      ))}
    </ul>
  );
}
