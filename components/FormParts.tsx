import type { Translate } from "../client/i18n.ts";

/** The "Name" field that every rule, robot and provider form opens with. */
export function NameField(props: { t: Translate; value: string; onInput: (v: string) => void }) {
  return (
    <label>
      {props.t("rules_ruleName")}
      <input
        name="name"
        required
        maxLength={100}
        value={props.value}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
    </label>
  );
}

/** A side form's Cancel and Save buttons. */
export function SaveCancel(props: { t: Translate; busy: boolean; onCancel: () => void }) {
  return (
    <div class="actions">
      <button type="button" onClick={props.onCancel}>{props.t("cancel")}</button>
      <button type="submit" class="primary" disabled={props.busy}>{props.t("save")}</button>
    </div>
  );
}
