import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { api } from "../client/api.ts";
import { useRunner } from "../client/use_runner.ts";
import { useTeams } from "../client/use_teams.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import type { Alert, Matcher, PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import {
  HeartbeatDraft,
  HeartbeatForm,
  HeartbeatItem,
  type HeartbeatView as Heartbeat,
  localInput,
  SilenceDraft,
  SilenceForm,
  SilenceItem,
  type SilenceView as Silence,
} from "../components/MaintenanceViews.tsx";

export interface MaintenanceProps {
  me: PublicUser;
  lang: Lang;
}

type Tab = "silences" | "heartbeats";
const TABS: Tab[] = ["silences", "heartbeats"];
const HOUR = 3_600_000;

/**
 * A team's silences (maintenance windows: any member creates, edits, expires and deletes them)
 * and heartbeats (dead-man's switches: team admins manage them, members see them).
 * `?alert=<id>` opens a new silence pre-filled from that alert's labels, for two hours.
 */
// Long because: one island owns the page's state and API calls; the markup is in components.
export default function Maintenance(props: MaintenanceProps) {
  const { t, lang } = useLocale(props.lang);
  const tab = useSignal<Tab>("silences");
  const loading = useSignal(true);
  const { busy, error, status, run } = useRunner(t);
  const silences = useSignal<Silence[]>([]);
  const heartbeats = useSignal<Heartbeat[]>([]);
  const names = useSignal<Record<string, string>>({});
  const silenceDraft = useSignal<SilenceDraft | null>(null);
  const hbDraft = useSignal<HeartbeatDraft | null>(null);
  /** The ping URL with its token, shown once after a create or a new token. */
  const shownToken = useSignal<{ id: string; url: string } | null>(null);

  const when = (ms: number) =>
    new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en", {
      dateStyle: "medium",
      timeStyle: "short",
    });

  const loadSilences = async (id: string) => {
    silences.value = (await api<{ items: Silence[] }>("GET", `/api/v1/silences?teamId=${id}`))
      .items;
    const want = [...new Set(silences.value.map((s) => s.createdBy))]
      .filter((u) => !(u in names.value));
    const got: Record<string, string> = {};
    await Promise.all(want.map(async (u) => {
      try {
        got[u] = (await api<{ user: PublicUser }>("GET", `/api/v1/users/${u}`)).user.name;
      } catch {
        got[u] = u.slice(-6);
      }
    }));
    names.value = { ...names.value, ...got };
  };
  const loadHeartbeats = async (id: string) => {
    heartbeats.value =
      (await api<{ items: Heartbeat[] }>("GET", `/api/v1/heartbeats?teamId=${id}`)).items;
  };
  /** Fills a new silence from an alert (`?alert=`): its labels (or its title) for two hours. */
  const prefillFromAlert = async (alertId: string) => {
    const a = (await api<{ alert: Alert }>("GET", `/api/v1/alerts/${alertId}`)).alert;
    const labels = Object.entries(a.labels).filter(([k]) => !k.startsWith("tocsin_"));
    const matchers: Matcher[] = labels.length
      ? labels.map(([k, v]) => ({ field: "label", label: k, op: "=", value: v }))
      : [{ field: "title", op: "=", value: a.title }];
    tab.value = "silences";
    silenceDraft.value = {
      id: null,
      matchers,
      start: "",
      end: localInput(Date.now() + 2 * HOUR),
      comment: a.title.slice(0, 200),
    };
  };
  const prefilled = useRef(false);
  const loadTeam = async (id: string) => {
    loading.value = true;
    silenceDraft.value = null;
    hbDraft.value = null;
    shownToken.value = null;
    try {
      await Promise.all([loadSilences(id), loadHeartbeats(id)]);
    } finally {
      loading.value = false;
    }
    if (prefilled.current) return;
    prefilled.current = true;
    const alertId = new URLSearchParams(location.search).get("alert");
    if (alertId) await prefillFromAlert(alertId);
  };
  const tm = useTeams({ me: props.me, run, load: loadTeam, onNone: () => loading.value = false });
  const canManage = tm.canManage;

  useEffect(() => {
    const fromHash = location.hash.slice(1) as Tab;
    if (TABS.includes(fromHash)) tab.value = fromHash;
  }, []);

  const saveSilence = (d: SilenceDraft) =>
    run(async () => {
      const body = {
        matchers: d.matchers,
        ...(d.start ? { startsAt: new Date(d.start).getTime() } : {}),
        endsAt: new Date(d.end).getTime(),
        comment: d.comment,
      };
      if (d.id) await api("PUT", `/api/v1/silences/${d.id}`, body);
      else await api("POST", "/api/v1/silences", { ...body, teamId: tm.teamId });
      silenceDraft.value = null;
      await loadSilences(tm.teamId);
    }, t("mt_saved"));

  const saveHeartbeat = (d: HeartbeatDraft) =>
    run(async () => {
      const body = {
        name: d.name,
        intervalSeconds: Math.round(d.interval * 60),
        graceSeconds: Math.round(d.grace * 60),
        priority: d.priority,
      };
      if (d.id) await api("PATCH", `/api/v1/heartbeats/${d.id}`, body);
      else {
        const r = await api<{ heartbeat: Heartbeat; token: string }>(
          "POST",
          "/api/v1/heartbeats",
          { ...body, teamId: tm.teamId },
        );
        shownToken.value = {
          id: r.heartbeat.id,
          url: `${location.origin}${r.heartbeat.url}?token=${r.token}`,
        };
      }
      hbDraft.value = null;
      await loadHeartbeats(tm.teamId);
    }, t("mt_saved"));

  const sd = silenceDraft.value;
  const hd = hbDraft.value;
  return (
    <div class="admin maint-page">
      <AdminNav t={t} me={props.me} current="silences" />
      <main class="admin-main">
        <h1>{t("mt_title")}</h1>
        {error.value && <p class="error" role="alert">{error.value}</p>}
        {status.value && <p class="ok" role="status">{status.value}</p>}
        {!loading.value && tm.teams.length === 0 && <p class="empty">{t("mt_noTeams")}</p>}
        {tm.teams.length > 1 && (
          <p class="inline-form">
            <label>
              {t("mt_team")}{" "}
              <select
                name="team"
                value={tm.teamId}
                onChange={(e) => tm.pick((e.target as HTMLSelectElement).value)}
              >
                {tm.teams.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
              </select>
            </label>
          </p>
        )}
        {tm.teams.length > 0 && (
          <div class="tabs" role="tablist">
            {TABS.map((x) => (
              <button
                key={x}
                type="button"
                role="tab"
                aria-selected={tab.value === x}
                onClick={() => {
                  tab.value = x;
                  history.replaceState(null, "", location.search + "#" + x);
                }}
              >
                {t(`mt_tab_${x}`)}
              </button>
            ))}
          </div>
        )}
        {loading.value && <p class="muted" aria-busy="true">{t("mt_loading")}</p>}

        {!loading.value && tm.current && tab.value === "silences" && (
          <section aria-label={t("mt_tab_silences")}>
            <p class="muted">{t("mt_silencesHelp")}</p>
            {!sd && (
              <button
                type="button"
                class="primary"
                onClick={() =>
                  silenceDraft.value = {
                    id: null,
                    matchers: [{ field: "label", label: "", op: "=", value: "" }],
                    start: "",
                    end: localInput(Date.now() + 2 * HOUR),
                    comment: "",
                  }}
              >
                {t("mt_newSilence")}
              </button>
            )}
            {sd && (
              <SilenceForm
                t={t}
                draft={sd}
                busy={busy.value}
                onChange={(d) => silenceDraft.value = d}
                onSave={saveSilence}
                onCancel={() =>
                  silenceDraft.value = null}
              />
            )}
            {silences.value.length === 0 && !sd && <p class="empty">{t("mt_noSilences")}</p>}
            <ul class="maint-list">
              {silences.value.map((s) => (
                <SilenceItem
                  key={s.id}
                  t={t}
                  silence={s}
                  when={when}
                  creator={names.value[s.createdBy] ?? "…"}
                  busy={busy.value}
                  onEdit={() =>
                    silenceDraft.value = {
                      id: s.id,
                      matchers: structuredClone(s.matchers),
                      start: s.state === "pending" ? localInput(s.startsAt) : "",
                      end: localInput(s.endsAt),
                      comment: s.comment,
                    }}
                  onExpire={() =>
                    run(async () => {
                      await api("POST", `/api/v1/silences/${s.id}/expire`);
                      await loadSilences(tm.teamId);
                    }, t("mt_expired"))}
                  onDelete={() =>
                    confirm(t("mt_confirmDelete")) && run(async () => {
                      await api("DELETE", `/api/v1/silences/${s.id}`);
                      await loadSilences(tm.teamId);
                    }, t("mt_deleted"))}
                />
              ))}
            </ul>
          </section>
        )}

        {!loading.value && tm.current && tab.value === "heartbeats" && (
          <section aria-label={t("mt_tab_heartbeats")}>
            <p class="muted">{t("mt_heartbeatsHelp")}</p>
            {!canManage && <p class="muted">{t("mt_readOnly")}</p>}
            {canManage && !hd && (
              <button
                type="button"
                class="primary"
                onClick={() =>
                  hbDraft.value = { id: null, name: "", interval: 60, grace: 5, priority: "high" }}
              >
                {t("mt_newHeartbeat")}
              </button>
            )}
            {hd && (
              <HeartbeatForm
                t={t}
                draft={hd}
                busy={busy.value}
                onChange={(d) => hbDraft.value = d}
                onSave={saveHeartbeat}
                onCancel={() =>
                  hbDraft.value = null}
              />
            )}
            {heartbeats.value.length === 0 && !hd && <p class="empty">{t("mt_noHeartbeats")}</p>}
            <ul class="maint-list">
              {heartbeats.value.map((h) => (
                <HeartbeatItem
                  key={h.id}
                  t={t}
                  heartbeat={h}
                  when={when}
                  canManage={canManage}
                  busy={busy.value}
                  tokenUrl={shownToken.value?.id === h.id ? shownToken.value.url : null}
                  onEdit={() =>
                    hbDraft.value = {
                      id: h.id,
                      name: h.name,
                      interval: h.intervalSeconds / 60,
                      grace: h.graceSeconds / 60,
                      priority: h.priority,
                    }}
                  onToken={() =>
                    confirm(t("mt_confirmToken")) && run(async () => {
                      const r = await api<{ token: string }>(
                        "POST",
                        `/api/v1/heartbeats/${h.id}/token`,
                      );
                      shownToken.value = {
                        id: h.id,
                        url: `${location.origin}${h.url}?token=${r.token}`,
                      };
                    })}
                  onDelete={() =>
                    confirm(t("mt_confirmDeleteHb")) && run(async () => {
                      await api("DELETE", `/api/v1/heartbeats/${h.id}`);
                      await loadHeartbeats(tm.teamId);
                    }, t("mt_deleted"))}
                />
              ))}
            </ul>
          </section>
        )}
      </main>
    </div>
  );
}
