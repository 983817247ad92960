import { useState } from "preact/hooks";
import { NameField, SaveCancel } from "./FormParts.tsx";
import { SecretField } from "./SecretField.tsx";
import type { Key, Translate } from "../client/i18n.ts";

export const PROVIDER_KINDS = ["smtp", "twilio", "aliyun-sms", "tencent-sms", "http"] as const;
export type ProviderKind = typeof PROVIDER_KINDS[number];

/** A provider as the API lists it: secrets shown as asterisks. */
export interface ProviderView {
  id: string;
  name: string;
  kind: ProviderKind;
  order: number;
  perMinute?: number;
  config: Record<string, unknown>;
}

interface Field {
  name: string;
  kind?: "number" | "secret" | "select" | "textarea";
  options?: string[];
  optional?: boolean;
  placeholder?: string;
}

/** The settings of each provider kind, as lib/notify/providers.ts defines them. */
export const PROVIDER_FIELDS: Record<ProviderKind, Field[]> = {
  smtp: [
    { name: "host", placeholder: "smtp.example.com" },
    { name: "port", kind: "number", placeholder: "587" },
    { name: "security", kind: "select", options: ["starttls", "tls", "none"] },
    { name: "username", optional: true },
    { name: "password", kind: "secret", optional: true },
    { name: "from", placeholder: "Tocsin <oncall@example.com>" },
  ],
  twilio: [
    { name: "baseUrl", optional: true, placeholder: "https://api.twilio.com" },
    { name: "accountSid" },
    { name: "authToken", kind: "secret" },
    { name: "from", placeholder: "+15005550006" },
  ],
  "aliyun-sms": [
    { name: "endpoint", optional: true, placeholder: "https://dysmsapi.aliyuncs.com" },
    { name: "accessKeyId" },
    { name: "accessKeySecret", kind: "secret" },
    { name: "signName" },
    { name: "templateCode", placeholder: "SMS_123456789" },
  ],
  "tencent-sms": [
    { name: "endpoint", optional: true, placeholder: "https://sms.tencentcloudapi.com" },
    { name: "secretId" },
    { name: "secretKey", kind: "secret" },
    { name: "region", optional: true, placeholder: "ap-guangzhou" },
    { name: "sdkAppId" },
    { name: "signName" },
    { name: "templateId" },
  ],
  http: [
    { name: "url", placeholder: "https://sms.example.com/send" },
    { name: "headers", kind: "textarea", optional: true, placeholder: "Authorization: Bearer …" },
    {
      name: "bodyTemplate",
      kind: "textarea",
      optional: true,
      placeholder: '{"to":{{to}},"text":{{text}}}',
    },
  ],
};

export interface ProviderDraft {
  name: string;
  kind: ProviderKind;
  perMinute: string;
  config: Record<string, string>;
}

function draftOf(p: ProviderView | null): ProviderDraft {
  if (!p) return { name: "", kind: "smtp", perMinute: "", config: { security: "starttls" } };
  const config: Record<string, string> = {};
  for (const f of PROVIDER_FIELDS[p.kind]) {
    const v = p.config[f.name];
    if (f.kind === "secret") config[f.name] = "";
    else if (f.name === "headers" && v && typeof v === "object") {
      // Header values are secret too: the names come back, the values stay on the server.
      config.headers = Object.keys(v).map((k) => `${k}: `).join("\n");
    } else if (v !== undefined && v !== null) config[f.name] = String(v);
  }
  return { name: p.name, kind: p.kind, perMinute: String(p.perMinute ?? ""), config };
}

/** The API body for a draft; empty secrets are left out (the server keeps the saved ones). */
export function providerInput(d: ProviderDraft, order: number) {
  const config: Record<string, unknown> = {};
  for (const f of PROVIDER_FIELDS[d.kind]) {
    const v = (d.config[f.name] ?? "").trim();
    if (v === "") continue;
    if (f.kind === "number") config[f.name] = Number(v);
    else if (f.name === "headers") {
      const headers: Record<string, string> = {};
      for (const line of v.split("\n")) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
      }
      config.headers = headers;
    } else config[f.name] = v;
  }
  return {
    name: d.name,
    kind: d.kind,
    order,
    ...(d.perMinute ? { perMinute: Number(d.perMinute) } : {}),
    config,
  };
}

/** One setting of a provider kind, labelled; a saved secret is marked "set" and may stay empty. */
function ProviderField(props: {
  t: Translate;
  field: Field;
  value: string | undefined;
  isSet: boolean;
  onInput: (v: string) => void;
}) {
  const { t, field: f, isSet } = props;
  const val = (e: Event) => (e.target as HTMLInputElement).value;
  return (
    <label>
      <span>
        {t(`prov_f_${f.name}` as Key)}
        {f.optional && <span class="muted">{t("prov_optional")}</span>}
        {isSet && <span class="tag on" data-testid="secret-set">{t("rules_secretSet")}</span>}
      </span>
      {f.kind === "select"
        ? (
          <select
            name={f.name}
            value={props.value ?? f.options![0]}
            onChange={(e) => props.onInput(val(e))}
          >
            {f.options!.map((o) => <option key={o} value={o}>{t(`prov_sec_${o}` as Key)}</option>)}
          </select>
        )
        : f.kind === "textarea"
        ? (
          <textarea
            name={f.name}
            rows={3}
            placeholder={f.placeholder}
            value={props.value ?? ""}
            onInput={(e) => props.onInput(val(e))}
          />
        )
        : f.kind === "secret"
        ? (
          <SecretField
            t={t}
            name={f.name}
            isSet={isSet}
            required={!f.optional && !isSet}
            hint={f.placeholder}
            value={props.value ?? ""}
            onInput={props.onInput}
          />
        )
        : (
          <input
            name={f.name}
            type={f.kind === "number" ? "number" : "text"}
            autoComplete="off"
            required={!f.optional}
            placeholder={f.placeholder}
            value={props.value ?? ""}
            onInput={(e) => props.onInput(val(e))}
          />
        )}
    </label>
  );
}

/** Create or edit a notification provider. Secrets are write-only: "set", and a field to replace. */
export function ProviderForm(props: {
  t: Translate;
  initial: ProviderView | null;
  busy: boolean;
  onSubmit: (d: ProviderDraft) => void;
  onCancel: () => void;
}) {
  const { t, initial } = props;
  const [d, setD] = useState<ProviderDraft>(() => draftOf(initial));
  const setConfig = (name: string, v: string) => setD({ ...d, config: { ...d.config, [name]: v } });
  const isSet = (name: string) =>
    initial?.kind === d.kind && typeof initial.config[name] === "string" &&
    initial.config[name] !== "";
  return (
    <form
      class="stack panel-form"
      aria-label={t("prov_form")}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit(d);
      }}
    >
      <h3>{initial ? t("prov_edit") : t("prov_new")}</h3>
      <NameField t={t} value={d.name} onInput={(name) => setD({ ...d, name })} />
      <label>
        {t("prov_kind")}
        <select
          name="kind"
          value={d.kind}
          onChange={(e) => {
            const kind = (e.target as HTMLSelectElement).value as ProviderKind;
            setD({ ...d, kind, config: kind === "smtp" ? { security: "starttls" } : {} });
          }}
        >
          {PROVIDER_KINDS.map((k) => <option key={k} value={k}>{t(`prov_kind_${k}` as Key)}
          </option>)}
        </select>
      </label>
      {PROVIDER_FIELDS[d.kind].map((f) => (
        <ProviderField
          key={d.kind + f.name}
          t={t}
          field={f}
          value={d.config[f.name]}
          isSet={f.kind === "secret" && isSet(f.name)}
          onInput={(v) => setConfig(f.name, v)}
        />
      ))}
      {d.kind === "http" && initial?.kind === "http" && <p class="muted">{t("prov_headersKeep")}
      </p>}
      <label>
        <span>
          {t("prov_perMinute")} <span class="muted">{t("prov_optional")}</span>
        </span>
        <input
          name="perMinute"
          type="number"
          min={1}
          max={100000}
          placeholder={t("prov_noLimit")}
          value={d.perMinute}
          onInput={(e) => setD({ ...d, perMinute: (e.target as HTMLInputElement).value })}
        />
      </label>
      <SaveCancel t={t} busy={props.busy} onCancel={props.onCancel} />
    </form>
  );
}
