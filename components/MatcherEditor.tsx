import type { Translate } from "../client/i18n.ts";
import type { Matcher } from "../lib/protocol.ts";

export const MATCH_FIELDS = ["label", "source", "priority", "title", "integration"] as const;
export const MATCH_OPS = ["=", "!=", "=~", "!~"] as const;

/** One matcher: a field (a label names which), an operator and a value. */
function MatcherRow(props: {
  t: Translate;
  matcher: Matcher;
  disabled?: boolean;
  error?: string;
  onChange: (patch: Partial<Matcher>) => void;
  onRemove: () => void;
}) {
  const { t, matcher: m, disabled, onChange } = props;
  return (
    <div class="matcher-row" data-testid="matcher">
      <select
        aria-label={t("rules_field")}
        value={m.field}
        disabled={disabled}
        onChange={(e) =>
          onChange({ field: (e.target as HTMLSelectElement).value as Matcher["field"] })}
      >
        {MATCH_FIELDS.map((f) => <option key={f} value={f}>{t(`rules_field_${f}`)}</option>)}
      </select>
      {m.field === "label" && (
        <input
          aria-label={t("rules_labelName")}
          placeholder={t("rules_labelName")}
          value={m.label ?? ""}
          disabled={disabled}
          required
          onInput={(e) => onChange({ label: (e.target as HTMLInputElement).value })}
        />
      )}
      <select
        aria-label={t("rules_op")}
        value={m.op}
        disabled={disabled}
        onChange={(e) => onChange({ op: (e.target as HTMLSelectElement).value as Matcher["op"] })}
      >
        {MATCH_OPS.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
      <input
        aria-label={t("rules_value")}
        placeholder={m.op.includes("~") ? t("rules_regexHint") : t("rules_value")}
        value={m.value}
        disabled={disabled}
        aria-invalid={props.error !== undefined ? "true" : undefined}
        onInput={(e) => onChange({ value: (e.target as HTMLInputElement).value })}
      />
      {!disabled && (
        <button
          type="button"
          class="danger-link"
          aria-label={t("rules_removeMatcher")}
          onClick={props.onRemove}
        >
          ×
        </button>
      )}
      {props.error !== undefined && <p class="error matcher-error" role="alert">{props.error}</p>}
    </div>
  );
}

/**
 * A list of matchers (label or field, operator, value), all of which must
 * match. `errors` holds the server's message per matcher index, shown under it.
 */
export function MatcherEditor(props: {
  t: Translate;
  matchers: Matcher[];
  onChange: (next: Matcher[]) => void;
  errors?: Map<number, string>;
  disabled?: boolean;
  name: string;
}) {
  const { t, matchers, disabled } = props;
  const set = (i: number, patch: Partial<Matcher>) => {
    const next = matchers.map((m, j) => j === i ? { ...m, ...patch } : m);
    if (patch.field && patch.field !== "label") delete next[i].label;
    props.onChange(next);
  };
  return (
    <div class="matchers" aria-label={props.name} role="group">
      {matchers.length === 0 && <p class="muted">{t("rules_matchAll")}</p>}
      {matchers.map((m, i) => (
        <MatcherRow
          key={i}
          t={t}
          matcher={m}
          disabled={disabled}
          error={props.errors?.get(i)}
          onChange={(patch) => set(i, patch)}
          onRemove={() => props.onChange(matchers.filter((_, j) => j !== i))}
        />
      ))}
      {!disabled && (
        <button
          type="button"
          class="linkish"
          onClick={() =>
            props.onChange([...matchers, { field: "label", label: "", op: "=", value: "" }])}
        >
          + {t("rules_addMatcher")}
        </button>
      )}
    </div>
  );
}

/** "severity = critical, title =~ disk.*" */
export function describeMatchers(t: Translate, matchers: Matcher[]): string {
  if (matchers.length === 0) return t("rules_matchAll");
  return matchers.map((m) =>
    `${m.field === "label" ? m.label : t(`rules_field_${m.field}`)} ${m.op} ${m.value}`
  ).join(", ");
}
