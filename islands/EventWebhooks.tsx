import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { EventWebhook, EventWebhookDelivery, PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import {
  DeliveryLog,
  eventName,
  type EventWebhookDraft,
  EventWebhookForm,
} from "../components/EventWebhookForm.tsx";

export interface EventWebhooksProps {
  me: PublicUser;
  lang: Lang;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}
type TestResult = { ok: boolean; status: number; detail: string };

/**
 * A team's event webhooks: create, edit, enable or disable, delete, rotate the
 * secret (shown once), send a test, and read each one's delivery log.
 */
export default function EventWebhooks(props: EventWebhooksProps) {
  const { t, lang } = useLocale(props.lang);
  const teams = useSignal<Team[]>([]);
  const teamId = useSignal("");
  const hooks = useSignal<EventWebhook[]>([]);
  const loading = useSignal(true);
  const busy = useSignal(false);
  const error = useSignal("");
  const status = useSignal("");
  const notManager = useSignal(false);
  const editing = useSignal<EventWebhook | null | "new">(null);
  const secret = useSignal<{ name: string; secret: string } | null>(null);
  const copied = useSignal(false);
  const tests = useSignal<Record<string, TestResult>>({});
  const logs = useSignal<Record<string, EventWebhookDelivery[]>>({});

  const run = async (f: () => Promise<unknown>, done?: string): Promise<boolean> => {
    error.value = "";
    status.value = "";
    busy.value = true;
    try {
      await f();
      if (done) status.value = done;
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    } finally {
      busy.value = false;
    }
  };

  const load = async (id: string) => {
    try {
      hooks.value = (await api<{ items: EventWebhook[] }>(
        "GET",
        `/api/v1/event-webhooks?teamId=${id}`,
      )).items;
      notManager.value = false;
    } catch (e) {
      // Members see a polite note instead of an error: the page is for the team's admins.
      if (e instanceof HttpError && e.code === "forbidden") {
        hooks.value = [];
        notManager.value = true;
        return;
      }
      throw e;
    }
  };
  const loadLog = async (id: string) => {
    const items = (await api<{ items: EventWebhookDelivery[] }>(
      "GET",
      `/api/v1/event-webhooks/${id}/deliveries`,
    )).items;
    logs.value = { ...logs.value, [id]: items };
  };
  const pickTeam = (id: string) =>
    run(async () => {
      loading.value = true;
      teamId.value = id;
      editing.value = null;
      secret.value = null;
      tests.value = {};
      logs.value = {};
      history.replaceState(null, "", `?team=${id}`);
      try {
        await load(id);
      } finally {
        loading.value = false;
      }
    });

  useEffect(() => {
    run(async () => {
      try {
        teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
      } finally {
        loading.value = false;
      }
      const wanted = new URLSearchParams(location.search).get("team");
      const first = teams.value.find((x) => x.id === wanted) ?? teams.value[0];
      if (first) await pickTeam(first.id);
    });
  }, []);

  const save = (d: EventWebhookDraft) => {
    const cur = editing.value;
    run(async () => {
      if (cur === "new") {
        const r = await api<{ webhook: EventWebhook; secret: string }>(
          "POST",
          "/api/v1/event-webhooks",
          { ...d, teamId: teamId.value },
        );
        secret.value = { name: r.webhook.name, secret: r.secret };
        copied.value = false;
      } else if (cur) {
        await api("PATCH", `/api/v1/event-webhooks/${cur.id}`, d);
      }
      editing.value = null;
      await load(teamId.value);
    }, t("wh_saved"));
  };
  const act = (h: EventWebhook, f: () => Promise<unknown>, done?: string) =>
    run(async () => {
      await f();
      await load(teamId.value);
      if (logs.value[h.id]) await loadLog(h.id);
    }, done);

  const when = (ms: number) => new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en");
  const copy = async () => {
    if (!secret.value) return;
    try {
      await navigator.clipboard.writeText(secret.value.secret);
      copied.value = true;
    } catch {
      copied.value = false;
    }
  };

  return (
    <div class="admin wh-page">
      <AdminNav t={t} me={props.me} current="webhooks" />
      <main class="admin-main">
        <h1>{t("wh_title")}</h1>
        <p class="muted">
          {t("wh_help")} <a href="/api-docs">{t("wh_signHelp")}</a>
        </p>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {status.value && <p class="ok" role="status">{status.value}</p>}
        {!loading.value && teams.value.length === 0 && <p class="empty">{t("wh_noTeams")}</p>}
        {teams.value.length > 0 && (
          <p class="inline-form">
            <label>
              {t("wh_team")}{" "}
              <select
                name="team"
                value={teamId.value}
                onChange={(e) => pickTeam((e.target as HTMLSelectElement).value)}
              >
                {teams.value.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
              </select>
            </label>
          </p>
        )}
        {loading.value && <p class="muted" aria-busy="true">{t("wh_loading")}</p>}
        {!loading.value && notManager.value && <p class="empty">{t("wh_notManager")}</p>}
        {secret.value && (
          <div class="pp-secret wh-secret" role="status">
            <strong>{secret.value.name}</strong>
            <span>{t("wh_secretOnce")}</span>
            <code data-testid="webhook-secret">{secret.value.secret}</code>
            <button type="button" onClick={copy}>
              {copied.value ? t("wh_copied") : t("wh_copy")}
            </button>
            <button type="button" onClick={() => secret.value = null}>{t("wh_dismiss")}</button>
          </div>
        )}
        {!loading.value && teamId.value && !notManager.value && (
          <section aria-label={t("wh_title")}>
            {hooks.value.length === 0 && editing.value === null && (
              <p class="empty">{t("wh_empty")}</p>
            )}
            {hooks.value.length > 0 && (
              <ul class="card-list">
                {hooks.value.map((h) => (
                  <li
                    key={h.id}
                    class={"rule-card" + (h.enabled ? "" : " is-disabled")}
                    data-testid="webhook"
                    data-name={h.name}
                  >
                    <div class="rule-head">
                      <strong>{h.name}</strong>
                      <span class={"tag " + (h.enabled ? "on" : "off")}>
                        {h.enabled ? t("wh_on") : t("wh_off")}
                      </span>
                      <span class="tag">{t(`wh_format_${h.format}`)}</span>
                    </div>
                    <p class="muted url wh-url">{h.url}</p>
                    <p class="muted">{h.events.map((e) => eventName(t, e)).join(" · ")}</p>
                    {tests.value[h.id] && (
                      <p
                        class={tests.value[h.id].ok ? "ok" : "error"}
                        role="status"
                        data-testid="webhook-test-result"
                      >
                        {tests.value[h.id].ok
                          ? t("wh_testOk", { status: tests.value[h.id].status })
                          : t("wh_testFailed", { detail: tests.value[h.id].detail })}
                      </p>
                    )}
                    <div class="row-actions">
                      <button
                        type="button"
                        disabled={busy.value}
                        onClick={() =>
                          act(h, async () => {
                            const r = await api<{ result: TestResult }>(
                              "POST",
                              `/api/v1/event-webhooks/${h.id}/test`,
                            );
                            tests.value = { ...tests.value, [h.id]: r.result };
                          })}
                      >
                        {t("wh_sendTest")}
                      </button>
                      <button
                        type="button"
                        aria-expanded={!!logs.value[h.id]}
                        onClick={() => {
                          if (logs.value[h.id]) {
                            const { [h.id]: _, ...rest } = logs.value;
                            logs.value = rest;
                          } else run(() => loadLog(h.id));
                        }}
                      >
                        {logs.value[h.id] ? t("wh_logHide") : t("wh_log")}
                      </button>
                      <button
                        type="button"
                        disabled={busy.value}
                        onClick={() =>
                          act(h, () =>
                            api("PATCH", `/api/v1/event-webhooks/${h.id}`, {
                              enabled: !h.enabled,
                            }))}
                      >
                        {h.enabled ? t("wh_disable") : t("wh_enable")}
                      </button>
                      <button type="button" onClick={() => editing.value = h}>
                        {t("wh_edit")}
                      </button>
                      <button
                        type="button"
                        onClick={() => {
                          if (!confirm(t("wh_confirmRotate", { name: h.name }))) return;
                          act(h, async () => {
                            const r = await api<{ secret: string }>(
                              "POST",
                              `/api/v1/event-webhooks/${h.id}/secret`,
                            );
                            secret.value = { name: h.name, secret: r.secret };
                            copied.value = false;
                          });
                        }}
                      >
                        {t("wh_rotate")}
                      </button>
                      <button
                        type="button"
                        class="danger"
                        onClick={() => {
                          if (!confirm(t("wh_confirmDelete", { name: h.name }))) return;
                          run(async () => {
                            await api("DELETE", `/api/v1/event-webhooks/${h.id}`);
                            await load(teamId.value);
                          }, t("wh_deleted"));
                        }}
                      >
                        {t("wh_delete")}
                      </button>
                    </div>
                    {logs.value[h.id] && <DeliveryLog t={t} items={logs.value[h.id]} when={when} />}
                  </li>
                ))}
              </ul>
            )}
            {editing.value === null && (
              <p>
                <button type="button" class="primary" onClick={() => editing.value = "new"}>
                  + {t("wh_new")}
                </button>
              </p>
            )}
            {editing.value !== null && (
              <EventWebhookForm
                key={editing.value === "new" ? "new" : editing.value.id}
                t={t}
                initial={editing.value === "new" ? null : editing.value}
                busy={busy.value}
                onSubmit={save}
                onCancel={() => editing.value = null}
              />
            )}
          </section>
        )}
      </main>
    </div>
  );
}
