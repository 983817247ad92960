import { channelLabel, viaLabel } from "../client/labels.ts";
import { Markdown } from "../components/Markdown.tsx";
import { useSignal } from "@preact/signals";
import { Fragment } from "preact";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../client/api.ts";
import { useNow } from "../client/now.ts";
import { errorText } from "../client/api_errors.ts";
import { dayLabel, timeOfDay } from "../client/format.ts";
import { type Key, type Lang, type Translate, useLocale } from "../client/i18n.ts";
import type { Alert, PublicUser, TimelineEntry } from "../lib/protocol.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { ExportLinks } from "../components/ExportLinks.tsx";
import { type AlertAction, AlertCard } from "../components/AlertCard.tsx";
import { WarRoomTimelineLink } from "../components/AlertThread.tsx";

export interface AlertPageProps {
  me: PublicUser;
  lang: Lang;
  alertId: string;
}

interface Delivery {
  id: string;
  userId: string;
  channel: string;
  to: string;
  status: "sent" | "failed" | "retrying" | "skipped";
  reason?: string;
  attempts: { at: number; provider: string; ok: boolean; detail: string }[];
  createdAt: number;
}

const KIND = new Map<string, Key>([
  ["triggered", "tlTriggered"],
  ["repeated", "tlRepeated"],
  ["acknowledged", "tlAcknowledged"],
  ["resolved", "tlResolved"],
  ["reopened", "tlReopened"],
  ["note", "tlNote"],
  ["assigned", "tlAssigned"],
  ["priority", "tlPriority"],
  ["notified", "tlNotified"],
  ["escalated", "tlEscalated"],
  ["silenced", "mt_tlSilenced"],
  ["overdue", "mt_tlOverdue"],
  ["war_room", "wr_tl"],
]);
const DELIVERY = new Map<string, Key>([
  ["sent", "al_delivery_sent"],
  ["failed", "al_delivery_failed"],
  ["retrying", "al_delivery_retrying"],
  ["skipped", "al_delivery_skipped"],
]);

type When = (ms: number) => string;

/** The alert, its timeline and deliveries, the names of the people in them, and its raw payload. */
function useAlertDetail(alertId: string, t: Translate) {
  const alert = useSignal<Alert | undefined>(undefined);
  const timeline = useSignal<TimelineEntry[]>([]);
  const deliveries = useSignal<Delivery[]>([]);
  /** null: not a team admin (or not loaded). */
  const raw = useSignal<string | null>(null);
  const names = useSignal<Record<string, string>>({});
  const missing = useSignal(!alertId);
  const error = useSignal("");
  const loadNames = async (ids: string[]) => {
    const want = [...new Set(ids)].filter((id) => !(id in names.value));
    const got: Record<string, string> = {};
    await Promise.all(want.map(async (id) => {
      try {
        got[id] = (await api<{ user: PublicUser }>("GET", `/api/v1/users/${id}`)).user.name;
      } catch {
        got[id] = id.slice(-6);
      }
    }));
    names.value = { ...names.value, ...got };
  };
  const load = async () => {
    try {
      const r = await api<{ alert: Alert; timeline: TimelineEntry[] }>(
        "GET",
        `/api/v1/alerts/${alertId}`,
      );
      alert.value = r.alert;
      timeline.value = r.timeline;
      deliveries.value =
        (await api<{ items: Delivery[] }>("GET", `/api/v1/alerts/${alertId}/deliveries`)).items;
      await loadNames(peopleIn(r.alert, r.timeline, deliveries.value));
    } catch (e) {
      if (e instanceof HttpError && e.status === 404) missing.value = true;
      else error.value = errorText(t, e);
    }
  };
  useEffect(() => {
    if (!alertId) return;
    load().then(async () => {
      try {
        raw.value = (await api<{ raw: string }>("GET", `/api/v1/alerts/${alertId}/raw`)).raw;
      } catch {
        raw.value = null; // not a team admin
      }
    });
  }, []);
  const userName = (id: string) => names.value[id] ?? "…";
  return { alert, timeline, deliveries, raw, missing, error, load, userName };
}

/** Everyone an alert's page names: actors, the people notified, acknowledger, resolver, assignee. */
function peopleIn(a: Alert, timeline: TimelineEntry[], deliveries: Delivery[]): string[] {
  return [
    ...timeline.flatMap((e) => [
      ...(e.by ? [e.by] : []),
      ...(Array.isArray(e.detail?.userIds) ? (e.detail.userIds as string[]) : []),
    ]),
    ...deliveries.map((d) => d.userId),
    ...[a.acknowledgedBy, a.resolvedBy, a.assigneeId].filter((x): x is string => !!x),
  ];
}

/** The alert's labels and links, when it has any. */
function LabelsAndLinks(props: { t: Translate; alert: Alert }) {
  const { t, alert: a } = props;
  return (
    <>
      {Object.keys(a.labels).length > 0 && (
        <section aria-label={t("al_labels")}>
          <h2>{t("al_labels")}</h2>
          <dl class="al-labels">
            {Object.entries(a.labels).map(([k, v]) => (
              <Fragment key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </Fragment>
            ))}
          </dl>
        </section>
      )}
      {a.links.length > 0 && (
        <section aria-label={t("al_links")}>
          <h2>{t("al_links")}</h2>
          <ul>
            {a.links.map((l) => (
              <li key={l.href}>
                <a href={l.href} target="_blank" rel="noopener noreferrer">{l.text}</a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** Everything that happened to the alert, oldest first. */
function Timeline(props: {
  t: Translate;
  entries: TimelineEntry[];
  when: When;
  userName: (id: string) => string;
}) {
  const { t, when, userName } = props;
  return (
    <section id="timeline" aria-label={t("al_timeline")}>
      <h2>{t("al_timeline")}</h2>
      <ol class="timeline al-timeline">
        {props.entries.map((en) => (
          <li key={en.id} data-kind={en.kind}>
            <time class="muted">{when(en.at)}</time>{" "}
            <strong>{en.by ? userName(en.by) : en.via.replace("source:", "")}</strong>{" "}
            {t(KIND.get(en.kind) ?? "tlNote")}
            <span class="muted">{en.by ? ` · ${viaLabel(t, en.via)}` : ""}</span>
            <WarRoomTimelineLink t={t} entry={en} />
            {en.note && <Markdown class="tl-note" text={en.note} copyLabel={t("ch_copy")} />}
            {Array.isArray(en.detail?.userIds) && en.detail.userIds.length > 0 && (
              <p class="muted tl-people">
                → {(en.detail.userIds as string[]).map(userName).join(", ")}
              </p>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** Who was notified, on which channel and address, and how it went (the last attempt). */
function Deliveries(props: {
  t: Translate;
  deliveries: Delivery[];
  when: When;
  userName: (id: string) => string;
}) {
  const { t, when } = props;
  return (
    <section aria-label={t("al_deliveries")}>
      <h2>{t("al_deliveries")}</h2>
      {props.deliveries.length === 0
        ? <p class="muted">{t("al_noDeliveries")}</p>
        : (
          <div class="table-wrap">
            <table class="table al-deliveries">
              <thead>
                <tr>
                  <th>{t("al_person")}</th>
                  <th>{t("al_channel")}</th>
                  <th>{t("al_to")}</th>
                  <th>{t("al_result")}</th>
                </tr>
              </thead>
              <tbody>
                {props.deliveries.map((d) => (
                  <tr key={d.id} data-status={d.status}>
                    <td>{props.userName(d.userId)}</td>
                    <td>{channelLabel(t, d.channel)}</td>
                    <td>{d.to}</td>
                    <td>
                      {t(DELIVERY.get(d.status) ?? "al_delivery_failed")}
                      {d.reason ? ` (${d.reason})` : ""}
                      {d.attempts.at(-1) && (
                        <span class="muted">
                          {" · "}
                          {d.attempts.at(-1)!.provider} {when(d.attempts.at(-1)!.at)}
                        </span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  );
}

/** The payload as the source sent it (pretty-printed when JSON); team admins only. */
function RawPayload(props: { t: Translate; raw: string }) {
  const { t, raw } = props;
  let pretty = raw;
  try {
    pretty = JSON.stringify(JSON.parse(pretty), null, 2);
  } catch {
    // not JSON: shown as sent
  }
  return (
    <section aria-label={t("al_raw")}>
      <h2>{t("al_raw")}</h2>
      {raw
        ? <pre class="al-raw"><code>{pretty}</code></pre>
        : <p class="muted">{t("al_rawEmpty")}</p>}
    </section>
  );
}

/** One alert: its card, labels and links, full timeline, who was notified how, and its payload. */
export default function AlertPage(props: AlertPageProps) {
  const { t, lang } = useLocale(props.lang);
  const now = useNow();
  const ad = useAlertDetail(props.alertId, t);
  const { userName } = ad;
  const onAction = async (id: string, action: AlertAction) => {
    if (action === "warroom") {
      const r = await api<{ conversationId: string }>("POST", `/api/v1/alerts/${id}/war-room`, {
        via: "page",
      });
      location.href = `/c/${r.conversationId}`;
      return;
    }
    if (action === "escalate") await api("POST", `/api/v1/alerts/${id}/escalate`);
    else if (action === "assign") {
      await api("POST", `/api/v1/alerts/${id}/assign`, { userId: props.me.id });
    } else await api("POST", `/api/v1/alerts/${id}/${action}`, { via: "api" });
    await ad.load();
  };
  const a = ad.alert.value;
  const when = (ms: number) =>
    `${dayLabel(ms, lang, t("today"), t("yesterday"))} ${timeOfDay(ms, lang)}`;
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="alerts" />
      <main class="admin-main al-detail">
        <p>
          <a href="/alerts">← {t("al_title")}</a>
        </p>
        {ad.missing.value && <p class="empty" role="alert">{t("al_notFound")}</p>}
        {ad.error.value && <p class="error" role="alert">{ad.error.value}</p>}
        {!ad.missing.value && (
          <>
            {a?.labels.tocsin_test === "true" && <p class="label al-test">{t("al_test")}</p>}
            <AlertCard
              t={t}
              lang={lang}
              alertId={props.alertId}
              alert={a}
              fallbackTitle=""
              now={now}
              userName={userName}
              onAction={onAction}
              onThread={() => document.getElementById("timeline")?.scrollIntoView()}
            />
            {a && (
              <p class="al-links-row">
                <a class="al-chat" href={`/c/${a.conversationId}#alert-${a.id}`}>
                  {t("al_open_chat")}
                </a>
                <span class="muted">
                  {t("al_created")}: {when(a.createdAt)} · {t("al_source_by", { source: a.source })}
                </span>
                <a class="al-silence" href={`/silences?team=${a.teamId}&alert=${a.id}`}>
                  {t("mt_silenceLike")}
                </a>
              </p>
            )}
            {a && a.status !== "resolved" && (
              <DeadlineForm t={t} alertId={a.id} meId={props.me.id} ad={ad} />
            )}
            {a && <LabelsAndLinks t={t} alert={a} />}
            <Timeline t={t} entries={ad.timeline.value} when={when} userName={userName} />
            <Deliveries t={t} deliveries={ad.deliveries.value} when={when} userName={userName} />
            {a && <AlertExports t={t} lang={lang} alertId={a.id} />}
            {ad.raw.value !== null && <RawPayload t={t} raw={ad.raw.value} />}
          </>
        )}
      </main>
    </div>
  );
}

/** Downloads of the alert's timeline and delivery log (CSV or Excel). */
function AlertExports(props: { t: Translate; lang: Lang; alertId: string }) {
  const { t, lang, alertId } = props;
  return (
    <p class="al-export">
      <ExportLinks
        t={t}
        lang={lang}
        href={`/api/v1/alerts/${alertId}/timeline/export`}
        label={t("au_export_timeline")}
      />
      <ExportLinks
        t={t}
        lang={lang}
        href={`/api/v1/alerts/${alertId}/deliveries/export`}
        label={t("au_export_deliveries")}
      />
    </p>
  );
}

/** Assign the alert to me with a deadline: past it, an open alert reminds me, then escalates. */
function DeadlineForm(
  props: {
    t: Translate;
    alertId: string;
    meId: string;
    ad: { error: { value: string }; load: () => Promise<void> };
  },
) {
  const { t, ad } = props;
  return (
    <form
      class="al-deadline"
      onSubmit={async (e) => {
        e.preventDefault();
        const v = new FormData(e.currentTarget).get("due");
        if (!v) return;
        ad.error.value = "";
        try {
          await api("POST", `/api/v1/alerts/${props.alertId}/assign`, {
            userId: props.meId,
            dueAt: new Date(String(v)).toISOString(),
          });
          await ad.load();
        } catch (err) {
          ad.error.value = errorText(t, err);
        }
      }}
    >
      <label>
        {t("mt_dueAt")} <input type="datetime-local" name="due" required />
      </label>
      <button type="submit">{t("mt_assignDue")}</button>
    </form>
  );
}
