import { useState } from "preact/hooks";
import { NameField, SaveCancel } from "./FormParts.tsx";
import type { Translate } from "../client/i18n.ts";
import { SecretField, UrlField } from "./SecretField.tsx";

export const ROBOT_KINDS = ["dingtalk", "wecom", "feishu", "slack", "webhook"] as const;
export type RobotKind = typeof ROBOT_KINDS[number];

/** A robot as the API lists it (URL masked or not, secret never). */
export interface RobotView {
  id: string;
  name: string;
  kind: RobotKind;
  url: string;
  secret?: string;
}

export interface RobotDraft {
  name: string;
  kind: RobotKind;
  /** Empty when editing: keep the saved URL. */
  url: string;
  /** Empty: keep the saved secret (or none). */
  secret: string;
}

/** The robot URL is a credential: show its host and the end of it only. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (url.includes("*")) return url;
    const rest = u.pathname + u.search;
    return `${u.protocol}//${u.host}/…${rest.length > 4 ? rest.slice(-4) : ""}`;
  } catch {
    return "********";
  }
}

const SIGNED: RobotKind[] = ["dingtalk", "feishu", "webhook"];

/** Create or edit a chat robot; URL and secret are write-only once saved. */
export function RobotForm(props: {
  t: Translate;
  initial: RobotView | null;
  busy: boolean;
  onSubmit: (d: RobotDraft) => void;
  onCancel: () => void;
}) {
  const { t, initial } = props;
  const [d, setD] = useState<RobotDraft>({
    name: initial?.name ?? "",
    kind: initial?.kind ?? "dingtalk",
    url: "",
    secret: "",
  });
  const set = (patch: Partial<RobotDraft>) => setD({ ...d, ...patch });
  return (
    <form
      class="stack panel-form"
      aria-label={t("rules_robotForm")}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(d);
      }}
    >
      <h3>{initial ? t("rules_editRobot") : t("rules_newRobot")}</h3>
      <NameField t={t} value={d.name} onInput={(name) => setD({ ...d, name })} />
      <label>
        {t("rules_robotKind")}
        <select
          name="kind"
          value={d.kind}
          onChange={(e) => set({ kind: (e.target as HTMLSelectElement).value as RobotKind })}
        >
          {ROBOT_KINDS.map((k) => <option key={k} value={k}>{t(`rules_robot_${k}`)}</option>)}
        </select>
      </label>
      <label>
        {t("rules_robotUrl")}
        {initial && (
          <span class="muted">{t("rules_robotUrlSet", { url: maskUrl(initial.url) })}</span>
        )}
        <UrlField
          t={t}
          name="url"
          isSet={!!initial}
          value={d.url}
          onInput={(url) => set({ url })}
        />
      </label>
      <label>
        {t("rules_robotSecret")}
        {initial?.secret && <span class="muted">{t("rules_secretSet")}</span>}
        <SecretField
          t={t}
          name="secret"
          isSet={!!initial?.secret}
          required={!initial?.secret && SIGNED.includes(d.kind)}
          hint={t(`rules_secretHint_${SIGNED.includes(d.kind) ? "signed" : "none"}`)}
          value={d.secret}
          onInput={(secret) => set({ secret })}
        />
      </label>
      <SaveCancel t={t} busy={props.busy} onCancel={props.onCancel} />
    </form>
  );
}
