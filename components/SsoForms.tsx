import type { Key, Translate } from "../client/i18n.ts";
import type { SsoGroupMapping } from "../lib/protocol.ts";
import { SecretField } from "./SecretField.tsx";

/** A text field of a settings draft: label above, value and setter. */
export function TextField(props: {
  label: string;
  name: string;
  value: string;
  onInput: (v: string) => void;
  required?: boolean;
  placeholder?: string;
  type?: "text" | "url";
}) {
  return (
    <label>
      <span>{props.label}</span>
      <input
        name={props.name}
        type={props.type ?? "text"}
        autoComplete="off"
        required={props.required}
        placeholder={props.placeholder}
        value={props.value}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
    </label>
  );
}

/** A write-only secret with its "set" tag: empty keeps the saved one. */
export function SecretRow(props: {
  t: Translate;
  label: string;
  name: string;
  isSet: boolean;
  value: string;
  onInput: (v: string) => void;
}) {
  const { t } = props;
  return (
    <label>
      <span>
        {props.label}
        {props.isSet && <span class="tag on">{t("rules_secretSet")}</span>}
      </span>
      <SecretField
        t={t}
        name={props.name}
        isSet={props.isSet}
        value={props.value}
        onInput={props.onInput}
      />
    </label>
  );
}

export function Checkbox(props: {
  label: string;
  name: string;
  checked: boolean;
  onChange: (v: boolean) => void;
}) {
  return (
    <label class="sso-check">
      <input
        type="checkbox"
        name={props.name}
        checked={props.checked}
        onChange={(e) => props.onChange((e.target as HTMLInputElement).checked)}
      />
      <span>{props.label}</span>
    </label>
  );
}

/** Rows of "directory group -> team, role", with add and remove. */
export function MappingEditor(props: {
  t: Translate;
  idPrefix: string;
  teams: { id: string; name: string }[];
  rows: SsoGroupMapping[];
  onChange: (rows: SsoGroupMapping[]) => void;
}) {
  const { t, rows, teams } = props;
  const set = (i: number, patch: Partial<SsoGroupMapping>) =>
    props.onChange(rows.map((r, j) => j === i ? { ...r, ...patch } : r));
  return (
    <fieldset class="sso-mappings">
      <legend>{t("sso_mappings")}</legend>
      {rows.length === 0 && <p class="muted">{t("sso_mappings_empty")}</p>}
      {rows.map((r, i) => (
        <div class="sso-mapping" key={i} data-testid={`${props.idPrefix}-mapping`}>
          <input
            aria-label={t("sso_group")}
            placeholder={t("sso_group")}
            required
            value={r.group}
            onInput={(e) =>
              set(i, { group: (e.target as HTMLInputElement).value })}
          />
          <select
            aria-label={t("sso_team")}
            value={r.teamId}
            onChange={(e) =>
              set(i, { teamId: (e.target as HTMLSelectElement).value })}
          >
            {teams.map((tm) => <option key={tm.id} value={tm.id}>{tm.name}</option>)}
          </select>
          <select
            aria-label={t("sso_role")}
            value={r.role}
            onChange={(e) =>
              set(i, { role: (e.target as HTMLSelectElement).value as SsoGroupMapping["role"] })}
          >
            <option value="member">{t("sso_role_member")}</option>
            <option value="admin">{t("sso_role_admin")}</option>
          </select>
          <button
            type="button"
            class="danger-link"
            onClick={() =>
              props.onChange(rows.filter((_, j) => j !== i))}
          >
            {t("sso_remove")}
          </button>
        </div>
      ))}
      {teams.length === 0 ? <p class="muted">{t("sso_no_teams")}</p> : (
        <button
          type="button"
          onClick={() =>
            props.onChange([...rows, { group: "", teamId: teams[0].id, role: "member" }])}
        >
          {t("sso_add_mapping")}
        </button>
      )}
    </fieldset>
  );
}

/** One field of a provider's settings form. */
export interface FieldSpec {
  /** The draft's property, and the input's name after the form's prefix. */
  key: string;
  label: Key;
  kind?: "text" | "url" | "secret" | "check";
  required?: boolean;
  placeholder?: string;
}

/** A provider's settings as a grid of fields, then its group-to-team mapping. */
export function SettingsFields(props: {
  t: Translate;
  prefix: string;
  specs: FieldSpec[];
  draft: Record<string, unknown>;
  secretSet: boolean;
  teams: { id: string; name: string }[];
  mappings: SsoGroupMapping[];
  onChange: (patch: Record<string, unknown>) => void;
}) {
  const { t, prefix, draft } = props;
  // Labels that show a placeholder literally: translate() would fill them in.
  const label = (k: Key) => t(k, { username: "{username}", dn: "{dn}" });
  return (
    <div class="sso-grid">
      {props.specs.map((f) => {
        const name = `${prefix}-${f.key}`;
        const set = (v: unknown) => props.onChange({ [f.key]: v });
        if (f.kind === "check") {
          return (
            <Checkbox
              key={f.key}
              name={name}
              label={label(f.label)}
              checked={draft[f.key] === true}
              onChange={set}
            />
          );
        }
        if (f.kind === "secret") {
          return (
            <SecretRow
              key={f.key}
              t={t}
              name={name}
              label={label(f.label)}
              isSet={props.secretSet}
              value={String(draft[f.key] ?? "")}
              onInput={set}
            />
          );
        }
        return (
          <TextField
            key={f.key}
            name={name}
            type={f.kind === "url" ? "url" : "text"}
            label={label(f.label)}
            required={f.required}
            placeholder={f.placeholder}
            value={String(draft[f.key] ?? "")}
            onInput={set}
          />
        );
      })}
      <MappingEditor
        t={t}
        idPrefix={prefix}
        teams={props.teams}
        rows={props.mappings}
        onChange={(rows) => props.onChange({ groupMappings: rows })}
      />
    </div>
  );
}
