import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { useRunner } from "../client/use_runner.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { EventWebhook, EventWebhookDelivery, PublicUser } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { type EventWebhookDraft, EventWebhookForm } from "../components/EventWebhookForm.tsx";
import {
  EventWebhookCard,
  SecretBanner,
  type TestResult,
} from "../components/EventWebhookCard.tsx";

export interface EventWebhooksProps {
  me: PublicUser;
  lang: Lang;
}

interface Team {
  id: string;
  name: string;
  myRole: "admin" | "member" | null;
}

/** The page's state, and running API calls with their errors shown by code. */
function usePageState(t: Translate) {
  const s = {
    teams: useSignal<Team[]>([]),
    teamId: useSignal(""),
    hooks: useSignal<EventWebhook[]>([]),
    loading: useSignal(true),
    notManager: useSignal(false),
    editing: useSignal<EventWebhook | null | "new">(null),
    secret: useSignal<{ name: string; secret: string } | null>(null),
    copied: useSignal(false),
    tests: useSignal<Record<string, TestResult>>({}),
    logs: useSignal<Record<string, EventWebhookDelivery[]>>({}),
  };
  return { ...s, ...useRunner(t) };
}
type PageState = ReturnType<typeof usePageState>;

/** Loading: the team's webhooks (members are told the page is for team admins), a log, a team. */
function loaders(s: PageState) {
  const load = async (id: string) => {
    try {
      s.hooks.value = (await api<{ items: EventWebhook[] }>(
        "GET",
        `/api/v1/event-webhooks?teamId=${id}`,
      )).items;
      s.notManager.value = false;
    } catch (e) {
      if (!(e instanceof HttpError && e.code === "forbidden")) throw e;
      s.hooks.value = [];
      s.notManager.value = true;
    }
  };
  const loadLog = async (id: string) => {
    const items = (await api<{ items: EventWebhookDelivery[] }>(
      "GET",
      `/api/v1/event-webhooks/${id}/deliveries`,
    )).items;
    s.logs.value = { ...s.logs.value, [id]: items };
  };
  const pickTeam = (id: string) =>
    s.run(async () => {
      s.loading.value = true;
      s.teamId.value = id;
      s.editing.value = null;
      s.secret.value = null;
      s.tests.value = {};
      s.logs.value = {};
      history.replaceState(null, "", `?team=${id}`);
      try {
        await load(id);
      } finally {
        s.loading.value = false;
      }
    });
  return { load, loadLog, pickTeam };
}

/** What the buttons do: save the form, and each card's actions. */
function actions(t: Translate, s: PageState, l: ReturnType<typeof loaders>) {
  const url = (h: EventWebhook, tail = "") => `/api/v1/event-webhooks/${h.id}${tail}`;
  const act = (h: EventWebhook, f: () => Promise<unknown>, done?: string) =>
    s.run(async () => {
      await f();
      await l.load(s.teamId.value);
      if (s.logs.value[h.id]) await l.loadLog(h.id);
    }, done);
  const showSecret = (name: string, secret: string) => {
    s.secret.value = { name, secret };
    s.copied.value = false;
  };
  return {
    save: (d: EventWebhookDraft) => {
      const cur = s.editing.value;
      s.run(async () => {
        if (cur === "new") {
          const body = { ...d, teamId: s.teamId.value };
          const r = await api<{ webhook: EventWebhook; secret: string }>(
            "POST",
            "/api/v1/event-webhooks",
            body,
          );
          showSecret(r.webhook.name, r.secret);
        } else if (cur) await api("PATCH", url(cur), d);
        s.editing.value = null;
        await l.load(s.teamId.value);
      }, t("wh_saved"));
    },
    test: (h: EventWebhook) =>
      act(h, async () => {
        const r = await api<{ result: TestResult }>("POST", url(h, "/test"));
        s.tests.value = { ...s.tests.value, [h.id]: r.result };
      }),
    toggleLog: (h: EventWebhook) => {
      if (!s.logs.value[h.id]) return s.run(() => l.loadLog(h.id));
      const { [h.id]: _, ...rest } = s.logs.value;
      s.logs.value = rest;
    },
    toggleEnabled: (h: EventWebhook) => act(h, () => api("PATCH", url(h), { enabled: !h.enabled })),
    rotate: (h: EventWebhook) => {
      if (!confirm(t("wh_confirmRotate", { name: h.name }))) return;
      act(
        h,
        async () =>
          showSecret(h.name, (await api<{ secret: string }>("POST", url(h, "/secret"))).secret),
      );
    },
    remove: (h: EventWebhook) => {
      if (!confirm(t("wh_confirmDelete", { name: h.name }))) return;
      s.run(async () => {
        await api("DELETE", url(h));
        await l.load(s.teamId.value);
      }, t("wh_deleted"));
    },
    copy: async () => {
      if (!s.secret.value) return;
      s.copied.value = await navigator.clipboard.writeText(s.secret.value.secret).then(
        () => true,
        () => false,
      );
    },
  };
}

function TeamPicker(props: { t: Translate; s: PageState; pick: (id: string) => void }) {
  const { t, s } = props;
  return (
    <p class="inline-form">
      <label>
        {t("wh_team")}{" "}
        <select
          name="team"
          value={s.teamId.value}
          onChange={(e) => props.pick((e.target as HTMLSelectElement).value)}
        >
          {s.teams.value.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
        </select>
      </label>
    </p>
  );
}

function WebhookList(props: {
  t: Translate;
  s: PageState;
  a: ReturnType<typeof actions>;
  when: (ms: number) => string;
}) {
  const { t, s, a } = props;
  return (
    <ul class="card-list" aria-label={t("wh_title")}>
      {s.hooks.value.map((h) => (
        <EventWebhookCard
          key={h.id}
          t={t}
          hook={h}
          busy={s.busy.value}
          test={s.tests.value[h.id]}
          log={s.logs.value[h.id]}
          when={props.when}
          onTest={() => a.test(h)}
          onToggleLog={() => a.toggleLog(h)}
          onToggleEnabled={() => a.toggleEnabled(h)}
          onEdit={() => s.editing.value = h}
          onRotate={() => a.rotate(h)}
          onDelete={() => a.remove(h)}
        />
      ))}
    </ul>
  );
}

/**
 * A team's event webhooks: create, edit, enable or disable, delete, rotate the
 * secret (shown once), send a test, and read each one's delivery log.
 */
export default function EventWebhooks(props: EventWebhooksProps) {
  const { t, lang } = useLocale(props.lang);
  const s = usePageState(t);
  const l = loaders(s);
  const a = actions(t, s, l);
  useEffect(() => {
    s.run(async () => {
      try {
        s.teams.value = (await api<{ items: Team[] }>("GET", "/api/v1/teams")).items;
      } finally {
        s.loading.value = false;
      }
      const wanted = new URLSearchParams(location.search).get("team");
      const first = s.teams.value.find((x) => x.id === wanted) ?? s.teams.value[0];
      if (first) await l.pickTeam(first.id);
    });
  }, []);
  const when = (ms: number) => new Date(ms).toLocaleString(lang === "zh" ? "zh-CN" : "en");
  const ready = !s.loading.value && s.teamId.value && !s.notManager.value;
  const editing = s.editing.value;

  return (
    <div class="admin wh-page">
      <AdminNav t={t} me={props.me} current="webhooks" />
      <main class="admin-main">
        <h1>{t("wh_title")}</h1>
        <p class="muted">
          {t("wh_help")} <a href="/api-docs">{t("wh_signHelp")}</a>
        </p>
        {s.error.value && <p class="error" role="alert">{s.error.value}</p>}
        {s.status.value && <p class="ok" role="status">{s.status.value}</p>}
        {!s.loading.value && s.teams.value.length === 0 && <p class="empty">{t("wh_noTeams")}</p>}
        {s.teams.value.length > 0 && <TeamPicker t={t} s={s} pick={l.pickTeam} />}
        {s.loading.value && <p class="muted" aria-busy="true">{t("wh_loading")}</p>}
        {!s.loading.value && s.notManager.value && <p class="empty">{t("wh_notManager")}</p>}
        {s.secret.value && (
          <SecretBanner
            t={t}
            {...s.secret.value}
            copied={s.copied.value}
            onCopy={a.copy}
            onDone={() => s.secret.value = null}
          />
        )}
        {ready && s.hooks.value.length === 0 && editing === null && (
          <p class="empty">{t("wh_empty")}</p>
        )}
        {ready && s.hooks.value.length > 0 && <WebhookList t={t} s={s} a={a} when={when} />}
        {ready && editing === null && (
          <p>
            <button type="button" class="primary" onClick={() => s.editing.value = "new"}>
              + {t("wh_new")}
            </button>
          </p>
        )}
        {ready && editing !== null && (
          <EventWebhookForm
            key={editing === "new" ? "new" : editing.id}
            t={t}
            initial={editing === "new" ? null : editing}
            busy={s.busy.value}
            onSubmit={a.save}
            onCancel={() => s.editing.value = null}
          />
        )}
      </main>
    </div>
  );
}
