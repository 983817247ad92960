import { itemStatusLabel } from "../client/labels.ts";
import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { duration, shortWhen, timeOfDay } from "../client/format.ts";
import type { Key, Lang, Translate } from "../client/i18n.ts";
import type { Alert } from "../lib/protocol.ts";
import type { ComponentChildren } from "preact";

const PRIO: Record<string, Key> = {
  urgent: "prioUrgent",
  high: "prioHigh",
  medium: "prioMedium",
  low: "prioLow",
};
const STATUS: Record<string, Key> = {
  triggered: "statusTriggered",
  acknowledged: "statusAcknowledged",
  resolved: "statusResolved",
};

/** "warroom": open the alert's war room (made on the first click) and go there. */
export type AlertAction = "ack" | "resolve" | "reopen" | "assign" | "escalate" | "warroom";

/**
 * An alert as a live card: `alert` is its current state (kept by the island), not the message's
 * copy; undefined while it loads.
 */
export function AlertCard(props: {
  t: Translate;
  lang: Lang;
  alertId: string;
  alert: Alert | undefined;
  /** The server does not show this alert to this user (another team's). */
  hidden?: boolean;
  fallbackTitle: string;
  /** The time durations are shown up to (the island ticks it). */
  now: number;
  userName: (userId: string) => string;
  onAction: (alertId: string, action: AlertAction) => Promise<void>;
  onThread: (alertId: string) => void;
  /** The conversation the card is shown in (inside its own war room it does not link the room). */
  convId?: string;
}) {
  const { t, lang, userName } = props;
  const busy = useSignal(false);
  const error = useSignal("");
  const a = props.alert;
  if (!a && props.hidden) {
    // Neutral: not even the title, which the user's own REST reads would not show either.
    return (
      <div class="alert-card hidden" data-alert={props.alertId} data-hidden="true">
        <span class="muted">{t("alertNotYourTeam")}</span>
      </div>
    );
  }
  if (!a) {
    return (
      <div class="alert-card loading" data-alert={props.alertId}>
        <strong>{props.fallbackTitle}</strong> <span class="muted">{t("loadingAlert")}</span>
      </div>
    );
  }
  const act = async (action: AlertAction) => {
    busy.value = true;
    error.value = "";
    try {
      await props.onAction(a.id, action);
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };
  const firing = a.items.filter((i) => i.status === "firing").length;
  const resolved = a.status === "resolved";
  // Resolved here while the source still reports items firing: they are closed with the alert.
  const closedByHand = resolved && firing > 0;
  return (
    <article
      class={`alert-card prio-${a.priority} is-${a.status}`}
      data-alert={a.id}
      data-status={a.status}
      aria-label={a.title}
    >
      <AlertHead t={t} lang={lang} alert={a}>
        {(!a.warRoomId || a.warRoomId !== props.convId) && (
          <WarRoomLink t={t} alert={a} busy={busy.value} onAct={act} />
        )}
      </AlertHead>
      <h3 class="alert-title">{a.title}</h3>
      {a.summary && a.summary !== a.title && <p class="alert-summary">{a.summary}</p>}
      <AlertDetails alert={a} />
      {a.items.length > 1 && (
        <AlertItems t={t} alert={a} firing={firing} closedByHand={closedByHand} />
      )}
      <AlertWho t={t} lang={lang} alert={a} now={props.now} userName={userName} />
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <AlertActions
        t={t}
        alert={a}
        busy={busy.value}
        onAct={act}
        onThread={props.onThread}
      />
    </article>
  );
}

/** Priority, status, silenced, how many are firing, the war room, and when it was last seen. */
function AlertHead(
  props: { t: Translate; lang: Lang; alert: Alert; children?: ComponentChildren },
) {
  const { t, lang, alert: a } = props;
  return (
    <header class="alert-head">
      <span class={`prio prio-${a.priority}`}>{t(PRIO[a.priority])}</span>
      <span class="alert-status" data-status={a.status}>{t(STATUS[a.status])}</span>
      {a.silencedBy && (
        <span class="silenced-badge" data-testid="silenced" title={t("mt_silencedBy")}>
          {t("mt_silenced")}
        </span>
      )}
      {a.firingCount > 1 && <span class="muted">{t("firing", { n: a.firingCount })}</span>}
      <span class="grow" />
      {props.children}
      <time class="muted">{shortWhen(a.lastSeenAt, lang)}</time>
    </header>
  );
}

/**
 * The alert's war room: a link to it once it exists, else a button that opens one. Both go
 * through the action, which also adds a team member who is not in the room yet.
 */
function WarRoomLink(
  props: { t: Translate; alert: Alert; busy: boolean; onAct: (a: AlertAction) => void },
) {
  const { t, alert: a } = props;
  if (a.warRoomId) {
    return (
      <a
        class="war-room-link"
        data-testid="war-room"
        href={`/c/${a.warRoomId}`}
        onClick={(e) => {
          e.preventDefault();
          if (!props.busy) props.onAct("warroom");
        }}
      >
        🚨 {t("wr_go")}
      </a>
    );
  }
  return (
    <button
      type="button"
      class="linkish war-room-link"
      data-testid="open-war-room"
      disabled={props.busy}
      onClick={() => props.onAct("warroom")}
    >
      🚨 {t("wr_open")}
    </button>
  );
}

/** The items of a grouped alert, folded behind a count. */
function AlertItems(props: { t: Translate; alert: Alert; firing: number; closedByHand: boolean }) {
  const { t, firing, closedByHand } = props;
  const a = props.alert;
  const showItems = useSignal(false);
  const itemLabel = (status: string) =>
    status === "firing" && closedByHand ? t("itemClosed") : itemStatusLabel(t, status);
  return (
    <div class="alert-items">
      <button
        type="button"
        class="linkish"
        aria-expanded={showItems.value}
        onClick={() => showItems.value = !showItems.value}
      >
        {closedByHand
          ? t("groupClosed", { n: a.items.length + a.itemsOmitted })
          : t("groupAlerts", { firing, resolved: a.items.length - firing })}
      </button>
      {showItems.value && (
        <ul>
          {a.items.map((i) => (
            <li key={i.fingerprint} data-item-status={i.status}>
              <span class={`dotlabel ${closedByHand ? "closed" : i.status}`}>
                {itemLabel(i.status)}
              </span>{" "}
              {Object.entries(i.labels).filter(([k]) => !(k in a.labels)).map(([k, v]) =>
                `${k}=${v}`
              ).join(" ")}
              {i.annotations.summary ? ` — ${i.annotations.summary}` : ""}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** Who acknowledged, resolved and holds the alert, and how long each step took. */
function AlertWho(props: {
  t: Translate;
  lang: Lang;
  alert: Alert;
  now: number;
  userName: (userId: string) => string;
}) {
  const { t, lang, userName } = props;
  const a = props.alert;
  const resolved = a.status === "resolved";
  const overdue = a.dueAt !== null && a.dueAt < props.now && !resolved;
  const since = a.createdAt;
  return (
    <p class="alert-who muted">
      {!resolved && (
        <span data-testid="open-for">
          {t("openFor", { d: duration(props.now - since, lang) })}
        </span>
      )}
      {a.status === "acknowledged" && a.acknowledgedAt && (
        <span data-testid="acked-by">
          {t("ackedBy", {
            name: a.acknowledgedBy ? userName(a.acknowledgedBy) : a.source,
          })} {timeOfDay(a.acknowledgedAt, lang)}
        </span>
      )}
      {a.acknowledgedAt && (
        <span data-testid="time-to-ack">
          {t("timeToAck", { d: duration(a.acknowledgedAt - since, lang) })}
        </span>
      )}
      {resolved && (
        <span>
          {a.resolvedBy ? t("resolvedBy", { name: userName(a.resolvedBy) }) : t("resolvedBySource")}
        </span>
      )}
      {resolved && a.resolvedAt && (
        <span data-testid="time-to-resolve">
          {t("timeToResolve", { d: duration(a.resolvedAt - since, lang) })}
        </span>
      )}
      {a.assigneeId && <span>{t("assignee", { name: userName(a.assigneeId) })}</span>}
      {a.dueAt && (
        <span class={overdue ? "overdue" : ""}>
          {overdue ? t("overdue") : t("due", { when: shortWhen(a.dueAt, lang) })}
        </span>
      )}
    </p>
  );
}

/** The card's buttons: what can be done to the alert in its current state. */
function AlertActions(props: {
  t: Translate;
  alert: Alert;
  busy: boolean;
  onAct: (action: AlertAction) => void;
  onThread: (alertId: string) => void;
}) {
  const { t } = props;
  const a = props.alert;
  const busy = props.busy;
  const act = props.onAct;
  return (
    <footer class="alert-actions">
      {a.status === "triggered" && (
        <button
          type="button"
          class="primary"
          disabled={busy}
          onClick={() => act("ack")}
        >
          {t("ack")}
        </button>
      )}
      {a.status !== "resolved" && (
        <button
          type="button"
          disabled={busy}
          onClick={() => act("resolve")}
        >
          {t("resolve")}
        </button>
      )}
      {a.status === "resolved" && (
        <button
          type="button"
          disabled={busy}
          onClick={() => act("reopen")}
        >
          {t("reopen")}
        </button>
      )}
      {a.status !== "resolved" && !a.assigneeId && (
        <button
          type="button"
          class="linkish"
          disabled={busy}
          onClick={() => act("assign")}
        >
          {t("assignMe")}
        </button>
      )}
      {a.status === "triggered" && a.paging?.policyId && (
        <button
          type="button"
          class="linkish"
          disabled={busy}
          onClick={() => act("escalate")}
        >
          {t("escalateNow")}
        </button>
      )}
      <span class="grow" />
      <button type="button" class="linkish" onClick={() => props.onThread(a.id)}>
        {t("thread")}
      </button>
    </footer>
  );
}

/** The alert's labels, annotations, links and images as the source sent them. */
function AlertDetails(props: { alert: Alert }) {
  const a = props.alert;
  return (
    <>
      {Object.keys(a.labels).length > 0 && (
        <p class="labels">
          {Object.entries(a.labels).map(([k, v]) => <span key={k} class="label">{k}={v}</span>)}
        </p>
      )}
      {Object.entries(a.annotations).filter(([k]) => !["summary", "runbook_url"].includes(k)).map((
        [k, v],
      ) => (
        <p key={k} class="annotation">
          <span class="muted">{k}:</span> {v}
        </p>
      ))}
      {(a.links.length > 0 || a.images.length > 0) && (
        <p class="alert-links">
          {a.links.map((l) => (
            <a key={l.href} href={l.href} target="_blank" rel="noopener noreferrer">{l.text}</a>
          ))}
          {a.images.map((i) => (
            <a key={i.src} href={i.src} target="_blank" rel="noopener noreferrer">
              {i.alt || "image"} ↗
            </a>
          ))}
        </p>
      )}
    </>
  );
}
