import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { shortWhen } from "../client/format.ts";
import { type Key, type Lang, useLocale } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { IntegrationSetup } from "../components/IntegrationSetup.tsx";

export interface IntegrationsProps {
  me: PublicUser;
  lang: Lang;
  /** Where senders post (TOCSIN_PUBLIC_URL, else this page's origin). */
  origin: string;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}
interface Integration {
  id: string;
  name: string;
  type: string;
  disabled: boolean;
  signed: boolean;
  url: string;
  stats: { alerts: number; events: number; lastAlertAt: number | null };
}

const TYPES = ["alertmanager", "grafana", "zabbix", "events", "text"] as const;
const TYPE_NAME = new Map<string, Key>([
  ["alertmanager", "int_type_alertmanager"],
  ["grafana", "int_type_grafana"],
  ["zabbix", "int_type_zabbix"],
  ["events", "int_type_events"],
  ["text", "int_type_text"],
]);

/** A team's integrations: create, copy the URL and token, rotate, pause, test, delete, set up. */
export default function Integrations(props: IntegrationsProps) {
  const { t, lang } = useLocale(props.lang);
  const teams = useSignal<Team[]>([]);
  const team = useSignal("");
  const items = useSignal<Integration[] | null>(null);
  const type = useSignal<string>("alertmanager");
  const error = useSignal("");
  const notice = useSignal("");
  const busy = useSignal(false);
  /** Tokens and secrets shown once, by integration id (never stored in the browser). */
  const fresh = useSignal<Record<string, { token?: string; secret?: string }>>({});
  const copied = useSignal("");

  const current = teams.value.find((x) => x.id === team.value);
  const canManage = props.me.role === "admin" || current?.myRole === "admin";
  const hookUrl = (i: Integration) => props.origin + i.url;

  const run = async (f: () => Promise<void>) => {
    error.value = "";
    notice.value = "";
    busy.value = true;
    try {
      await f();
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };
  const load = async (teamId: string) => {
    team.value = teamId;
    items.value = null;
    items.value = teamId
      ? (await api<{ items: Integration[] }>("GET", `/api/v1/integrations?teamId=${teamId}`))
        .items
      : [];
  };
  useEffect(() => {
    run(async () => {
      teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
      await load(teams.value[0]?.id ?? "");
    });
  }, []);

  const remember = (id: string, v: { token?: string; secret?: string }) =>
    fresh.value = { ...fresh.value, [id]: { ...fresh.value[id], ...v } };
  const create = (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const secret = String(data.get("signingSecret") ?? "");
    run(async () => {
      const r = await api<{ integration: Integration; token: string }>(
        "POST",
        "/api/v1/integrations",
        {
          name: String(data.get("name") ?? "").trim(),
          type: type.value,
          teamId: team.value,
          ...(type.value === "grafana" && secret ? { signingSecret: secret } : {}),
        },
      );
      remember(r.integration.id, { token: r.token, ...(secret ? { secret } : {}) });
      form.reset();
      await load(team.value);
    });
  };
  const rotate = (i: Integration) => {
    if (!confirm(t("int_rotateConfirm"))) return;
    run(async () => {
      const r = await api<{ token: string }>("POST", `/api/v1/integrations/${i.id}/token`);
      remember(i.id, { token: r.token });
    });
  };
  const toggle = (i: Integration) =>
    run(async () => {
      await api("PATCH", `/api/v1/integrations/${i.id}`, { disabled: !i.disabled });
      await load(team.value);
    });
  const test = (i: Integration) =>
    run(async () => {
      await api("POST", `/api/v1/integrations/${i.id}/test`);
      notice.value = t("int_testSent");
      await load(team.value);
    });
  const remove = (i: Integration) => {
    if (!confirm(t("int_deleteConfirm", { name: i.name }))) return;
    run(async () => {
      await api("DELETE", `/api/v1/integrations/${i.id}`);
      await load(team.value);
    });
  };
  const copy = (what: string, text: string) => {
    navigator.clipboard?.writeText(text).then(() => copied.value = what).catch(() => {});
  };

  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="integrations" />
      <main class="admin-main int-page">
        <h1>{t("int_title")}</h1>
        <p class="muted">{t("int_help")}</p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {notice.value && <p class="ok" role="status">{notice.value}</p>}
        {teams.value.length > 1 && (
          <p class="inline-form">
            <label>
              {t("al_team")}{" "}
              <select
                name="team"
                value={team.value}
                onChange={(e) => run(() => load((e.target as HTMLSelectElement).value))}
              >
                {teams.value.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
              </select>
            </label>
          </p>
        )}
        {teams.value.length === 0 && items.value !== null && <p class="muted">{t("al_noTeams")}</p>}
        {team.value && canManage && (
          <form class="int-create" aria-label={t("int_create")} onSubmit={create}>
            <h2>{t("int_create")}</h2>
            <fieldset class="int-types">
              <legend>{t("int_type")}</legend>
              {TYPES.map((x) => (
                <label key={x} class={type.value === x ? "int-type on" : "int-type"}>
                  <input
                    type="radio"
                    name="type"
                    value={x}
                    checked={type.value === x}
                    onChange={() =>
                      type.value = x}
                  />{" "}
                  {t(TYPE_NAME.get(x)!)}
                </label>
              ))}
            </fieldset>
            <label>
              {t("int_name")} <input name="name" required maxLength={100} autocomplete="off" />
            </label>
            {type.value === "grafana" && (
              <label>
                {t("int_signing")}{" "}
                <input name="signingSecret" minLength={16} maxLength={256} autocomplete="off" />
              </label>
            )}
            <button type="submit" class="primary" disabled={busy.value}>{t("create")}</button>
          </form>
        )}
        {team.value && !canManage && <p class="muted">{t("int_manageOnly")}</p>}
        {items.value === null && team.value && <p class="muted">{t("al_loading")}</p>}
        {items.value?.length === 0 && (
          <p class="empty">
            {t("int_empty")} {canManage ? t("int_emptyManage") : t("int_emptyMember")}
          </p>
        )}
        {items.value?.map((i) => {
          const f = fresh.value[i.id] ?? {};
          return (
            <section key={i.id} class="int-card" data-integration={i.id} aria-label={i.name}>
              <header class="int-head">
                <h2>{i.name}</h2>
                <span class="label">{t(TYPE_NAME.get(i.type) ?? "int_type_text")}</span>
                {i.signed && <span class="label">{t("int_signed")}</span>}
                {i.disabled && <span class="label int-off">{t("int_disabled")}</span>}
              </header>
              {i.disabled && <p class="muted">{t("int_disabledHelp")}</p>}
              <dl class="int-facts">
                <dt>{t("int_url")}</dt>
                <dd>
                  <code class="int-url">{hookUrl(i)}</code>{" "}
                  <button
                    type="button"
                    class="linkish"
                    onClick={() => copy("url" + i.id, hookUrl(i))}
                  >
                    {copied.value === "url" + i.id ? t("int_copied") : t("int_copy")}
                  </button>
                </dd>
                <dt>{t("int_token")}</dt>
                <dd>
                  {f.token
                    ? (
                      <>
                        <code class="int-token">{f.token}</code>{" "}
                        <button
                          type="button"
                          class="linkish"
                          onClick={() => copy("tok" + i.id, f.token!)}
                        >
                          {copied.value === "tok" + i.id ? t("int_copied") : t("int_copy")}
                        </button>
                        <br />
                        <span class="warn">{t("int_tokenOnce")}</span>
                      </>
                    )
                    : <span class="muted">{t("int_tokenHidden")}</span>}
                </dd>
                <dt>{t("int_last")}</dt>
                <dd class="int-stats">
                  {i.stats.lastAlertAt ? shortWhen(i.stats.lastAlertAt, lang) : t("int_never")}
                  {" · "}
                  {t("int_count", { alerts: i.stats.alerts, events: i.stats.events })}
                </dd>
              </dl>
              {canManage && (
                <p class="int-actions">
                  <button type="button" disabled={busy.value || i.disabled} onClick={() => test(i)}>
                    {t("int_test")}
                  </button>
                  <button type="button" disabled={busy.value} onClick={() => rotate(i)}>
                    {t("int_rotate")}
                  </button>
                  <button type="button" disabled={busy.value} onClick={() => toggle(i)}>
                    {i.disabled ? t("int_enable") : t("int_disable")}
                  </button>
                  <button
                    type="button"
                    class="danger"
                    disabled={busy.value}
                    onClick={() => remove(i)}
                  >
                    {t("int_delete")}
                  </button>
                </p>
              )}
              <details class="int-config" open={!!f.token}>
                <summary>{t("int_setup")}</summary>
                <IntegrationSetup
                  t={t}
                  type={i.type}
                  url={hookUrl(i)}
                  token={f.token ?? null}
                  secret={f.secret ?? null}
                  signed={i.signed}
                />
              </details>
            </section>
          );
        })}
      </main>
    </div>
  );
}
