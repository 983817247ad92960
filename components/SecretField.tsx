import type { Translate } from "../client/i18n.ts";

/** What the provider, robot and automation forms share about a write-only secret or URL. */
interface WriteOnlyProps {
  t: Translate;
  /** The form field's name, when the form has one for it. */
  name?: string;
  /** The accessible name, when no label wraps the input. */
  label?: string;
  /** A value is saved on the server: empty means "keep it", and the field says so. */
  isSet: boolean;
  value: string;
  onInput: (value: string) => void;
}

/**
 * A secret the server never shows again: a password input that the browser
 * does not fill, which may be left empty to keep the saved value.
 */
export function SecretField(
  props: WriteOnlyProps & {
    required?: boolean;
    /** The placeholder while nothing is saved. */
    hint?: string;
    minLength?: number;
  },
) {
  const { t } = props;
  return (
    <input
      name={props.name}
      aria-label={props.label}
      type="password"
      autoComplete="new-password"
      required={props.required}
      minLength={props.minLength}
      placeholder={props.isSet ? t("rules_secretKeep") : props.hint}
      value={props.value}
      onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
    />
  );
}

/**
 * A webhook URL, which is a credential too: required until one is saved, then
 * empty keeps it.
 */
export function UrlField(props: WriteOnlyProps) {
  const { t } = props;
  return (
    <input
      name={props.name}
      aria-label={props.label}
      type="url"
      required={!props.isSet}
      autoComplete="off"
      placeholder={props.isSet ? t("rules_secretKeep") : "https://…"}
      value={props.value}
      onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
    />
  );
}
