import { viaLabel } from "../client/labels.ts";
import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import { duration, timeOfDay } from "../client/format.ts";
import type { Key, Lang, Translate } from "../client/i18n.ts";
import type { Alert, Member, PublicUser, TimelineEntry } from "../lib/protocol.ts";
import { Dialog } from "./Dialog.tsx";
import { Markdown } from "./Markdown.tsx";

const KIND: Record<string, Key> = {
  triggered: "tlTriggered",
  repeated: "tlRepeated",
  acknowledged: "tlAcknowledged",
  resolved: "tlResolved",
  reopened: "tlReopened",
  note: "tlNote",
  assigned: "tlAssigned",
  priority: "tlPriority",
  notified: "tlNotified",
  escalated: "tlEscalated",
  automation: "tlAutomation",
  webhook: "tlWebhook",
  delivery: "tlDelivery",
  silenced: "mt_tlSilenced",
  overdue: "mt_tlOverdue",
  war_room: "wr_tl",
};

/** Who did it when no person did: the source, or Tocsin itself for its in-app paging. */
function actor(via: string, t: Translate): string {
  return via === "in-app" ? t("app") : via.replace("source:", "");
}

/** What an entry says was done, in words (a kind without words shows as it is named). */
function what(en: TimelineEntry, t: Translate, userName: (userId: string) => string): string {
  const d = en.detail ?? {};
  if (en.kind === "assigned") {
    return typeof d.userId === "string"
      ? t("tlAssignedTo", { name: userName(d.userId) })
      : t("tlUnassigned");
  }
  if (en.kind === "routed") return t("tlRouted", { route: String(d.route ?? "default") });
  return Object.hasOwn(KIND, en.kind) ? t(KIND[en.kind]) : en.kind;
}

/**
 * The alert's thread: its timeline, and a box for notes and /ack, /resolve, /reopen. The island
 * loads the timeline and members and performs the changes.
 */
export function AlertThread(props: {
  t: Translate;
  lang: Lang;
  alert: Alert | undefined;
  timeline: TimelineEntry[];
  members: (Member & { user: PublicUser | null })[];
  userName: (userId: string) => string;
  /** "" unassigns. */
  onAssign: (userId: string) => Promise<void>;
  onNote: (text: string) => Promise<void>;
  onClose: () => void;
}) {
  const { t, userName } = props;
  const error = useSignal("");
  const text = useSignal("");
  const alert = props.alert;
  const opened = sinceOpened(props.timeline);
  const assign = async (userId: string) => {
    error.value = "";
    try {
      await props.onAssign(userId);
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    error.value = "";
    try {
      await props.onNote(text.value);
      text.value = "";
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  return (
    <Dialog title={alert?.title ?? ""} closeLabel={t("close")} onClose={props.onClose}>
      {alert && <SilenceLike t={t} alert={alert} />}
      <ol class="timeline">
        {props.timeline.map((en) => (
          <TimelineItem
            key={en.id}
            t={t}
            lang={props.lang}
            entry={en}
            sinceOpened={opened.get(en.id)}
            userName={userName}
          />
        ))}
      </ol>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <label class="inline-form">
        {t("reassign")}{" "}
        <select
          name="assignee"
          value={alert?.assigneeId ?? ""}
          onChange={(e) => assign((e.target as HTMLSelectElement).value)}
        >
          <option value="">—</option>
          {props.members.map((m) => (
            <option key={m.userId} value={m.userId}>{m.user?.name ?? m.userId}</option>
          ))}
        </select>
      </label>
      <form class="composer thread-box" onSubmit={submit}>
        <textarea
          rows={2}
          name="note"
          required
          maxLength={4000}
          aria-label={t("threadPlaceholder")}
          placeholder={t("threadPlaceholder")}
          value={text.value}
          onInput={(e) => text.value = (e.target as HTMLTextAreaElement).value}
        />
        <button type="submit" class="primary">{t("send")}</button>
      </form>
    </Dialog>
  );
}

/**
 * For each acknowledgement and resolution: how long after the alert was opened (triggered, or
 * last reopened) it came.
 */
function sinceOpened(timeline: TimelineEntry[]): Map<string, number> {
  const out = new Map<string, number>();
  let start: number | null = null;
  for (const en of [...timeline].sort((a, b) => a.at - b.at)) {
    if (en.kind === "triggered" || en.kind === "reopened") start = en.at;
    else if ((en.kind === "acknowledged" || en.kind === "resolved") && start !== null) {
      out.set(en.id, en.at - start);
    }
  }
  return out;
}

/** Names from a timeline entry's list (at most 100 are stored), with "+N" for the rest. */
function people(
  detail: Record<string, unknown> | undefined,
  list: string,
  count: string,
  userName: (userId: string) => string,
): string {
  const ids = detail?.[list];
  if (!Array.isArray(ids) || ids.length === 0) return "";
  const more = (typeof detail?.[count] === "number" ? detail[count] as number : ids.length) -
    ids.length;
  return ids.map((u) => userName(String(u))).join(", ") + (more > 0 ? ` +${more}` : "");
}

/** A "war_room" entry's link to the room. */
export function WarRoomTimelineLink(props: { t: Translate; entry: TimelineEntry }) {
  const room = props.entry.detail?.conversationId;
  if (props.entry.kind !== "war_room" || typeof room !== "string") return null;
  return (
    <>
      {" "}
      <a class="war-room-tl" href={`/c/${room}`}>{props.t("wr_tl_link")}</a>
    </>
  );
}

/** One entry of the timeline: when, who, what, and the people it reached. */
function TimelineItem(props: {
  t: Translate;
  lang: Lang;
  entry: TimelineEntry;
  /** For an acknowledgement or resolution: how long after the alert was opened. */
  sinceOpened: number | undefined;
  userName: (userId: string) => string;
}) {
  const { t, lang, userName } = props;
  const en = props.entry;
  return (
    <li data-kind={en.kind}>
      <time class="muted">{timeOfDay(en.at, lang)}</time>{" "}
      <strong>{en.by ? userName(en.by) : actor(en.via, t)}</strong> {what(en, t, userName)}
      <span class="muted">
        {en.by ? ` · ${viaLabel(t, en.via)}` : ""}
        {props.sinceOpened !== undefined
          ? ` · ${t("tlAfter", { d: duration(props.sinceOpened, lang) })}`
          : ""}
      </span>
      <WarRoomTimelineLink t={t} entry={en} />
      {en.note && <Markdown class="tl-note" text={en.note} copyLabel={t("ch_copy")} />}
      {people(en.detail, "userIds", "userCount", userName) && (
        <p class="muted tl-people">
          → {people(en.detail, "userIds", "userCount", userName)}
        </p>
      )}
      {people(en.detail, "unreachable", "unreachableCount", userName) && (
        <p class="muted tl-people">
          {t("tlUnreachable")}: {people(
            en.detail,
            "unreachable",
            "unreachableCount",
            userName,
          )}
        </p>
      )}
    </li>
  );
}

/** "Silence alerts like this for 2 h", to the silences page pre-filled (open, unsilenced alerts). */
function SilenceLike(props: { t: Translate; alert: Alert }) {
  const a = props.alert;
  if (a.status === "resolved" || a.silencedBy) return null;
  return (
    <p>
      <a class="silence-like" href={`/silences?team=${a.teamId}&alert=${a.id}`}>
        {props.t("mt_silenceLike")}
      </a>
    </p>
  );
}
