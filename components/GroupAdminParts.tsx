import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import type { Lang } from "../client/i18n.ts";
import { dateTime } from "../client/format.ts";
import type { GroupAdminView, Member, PublicUser } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";

const HOUR = 3_600_000;
/** Durations offered for mutes and announcements. */
export const DURATIONS = [
  ["ca_d_1h", HOUR],
  ["ca_d_8h", 8 * HOUR],
  ["ca_d_1d", 24 * HOUR],
  ["ca_d_7d", 7 * 24 * HOUR],
] as const;

/** What a group's owners and admins do, and what each member sets for themselves (the island's). */
export interface GroupAdminProps {
  lang: Lang;
  view: GroupAdminView | null;
  notifyMuted: boolean;
  onRename: (title: string) => Promise<void>;
  onRole: (userId: string, role: string) => Promise<void>;
  onMuteMember: (userId: string, until: number | null) => Promise<void>;
  onMuteGroup: (until: number | null) => Promise<void>;
  onAnnounce: (text: string, until: number) => Promise<void>;
  onClearAnnouncement: () => Promise<void>;
  onNotifyMute: (muted: boolean) => Promise<void>;
  /** Who is online (absent ids: unknown). */
  presence?: Record<string, boolean>;
}

export type Run = (f: () => Promise<unknown>) => Promise<void>;

/** A select of durations; picking one calls `onPick(ms)`. */
export function DurationSelect(
  props: { t: Translate; label: string; onPick: (ms: number) => void },
) {
  const { t } = props;
  return (
    <select
      aria-label={props.label}
      onChange={(e) => {
        const el = e.currentTarget;
        const ms = Number(el.value);
        el.value = "";
        if (ms) props.onPick(ms);
      }}
    >
      <option value="">{props.label}…</option>
      {DURATIONS.map(([k, ms]) => <option key={k} value={ms}>{t(k)}</option>)}
    </select>
  );
}

export function RenameForm(
  props: { t: Translate; title: string; run: Run; admin: GroupAdminProps },
) {
  const { t } = props;
  const title = useSignal(props.title);
  return (
    <form
      class="row-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (title.value.trim()) props.run(() => props.admin.onRename(title.value.trim()));
      }}
    >
      <input
        aria-label={t("ca_title")}
        value={title.value}
        maxLength={100}
        onInput={(e) => title.value = e.currentTarget.value}
      />
      <button type="submit">{t("ca_rename")}</button>
    </form>
  );
}

/** A green or grey dot: online or not (nothing when unknown). */
function PresenceDot(props: { t: Translate; online: boolean | undefined }) {
  if (props.online === undefined) return null;
  const label = props.t(props.online ? "pr_online" : "pr_offline");
  return (
    <span class={`presence-dot ${props.online ? "on" : "off"}`} title={label} aria-label={label} />
  );
}

export function MemberRow(props: {
  t: Translate;
  m: Member & { user: PublicUser | null };
  myId: string;
  myRole: string | undefined;
  run: Run;
  admin?: GroupAdminProps;
  onRemove: (userId: string) => Promise<void>;
}) {
  const { t, m, myRole, admin } = props;
  const manager = myRole === "owner" || myRole === "admin";
  const other = m.userId !== props.myId;
  const canAct = manager && other && (m.role === "member" || myRole === "owner");
  const muted = (m.mutedUntil ?? 0) > Date.now();
  const roleLabel = m.role === "owner" ? t("owner") : m.role === "admin" ? t("groupAdmin") : "";
  return (
    <li data-user={m.userId}>
      <Avatar id={m.userId} name={m.user?.name ?? "?"} size="s" avatar={m.user?.avatar} />
      {admin?.presence && <PresenceDot t={t} online={admin.presence[m.userId]} />}
      <span class="grow">
        {m.user?.name}
        {other ? "" : ` (${t("you")})`}
        {muted && admin && (
          <span class="muted">
            · {t("ca_muted_until", { until: dateTime(m.mutedUntil!, admin.lang) })}
          </span>
        )}
      </span>
      {m.user?.quietHours && (
        <span class="muted" title={m.user.quietHours.timeZone}>
          {t("quietShort", { from: m.user.quietHours.from, to: m.user.quietHours.to })}
        </span>
      )}
      {admin && myRole === "owner" && other
        ? (
          <select
            aria-label={t("ca_role")}
            value={m.role}
            onChange={(e) => {
              const role = e.currentTarget.value;
              props.run(() => admin.onRole(m.userId, role));
            }}
          >
            <option value="member">{t("roleMember")}</option>
            <option value="admin">{t("groupAdmin")}</option>
            <option value="owner">{t("owner")}</option>
          </select>
        )
        : <span class="muted">{roleLabel}</span>}
      {admin && canAct && m.role !== "owner" && (muted
        ? (
          <button
            type="button"
            class="linkish"
            onClick={() => props.run(() => admin.onMuteMember(m.userId, null))}
          >
            {t("ca_unmute")}
          </button>
        )
        : (
          <DurationSelect
            t={t}
            label={t("ca_mute")}
            onPick={(ms) => props.run(() => admin.onMuteMember(m.userId, Date.now() + ms))}
          />
        ))}
      {canAct && (
        <button
          type="button"
          class="danger-link"
          onClick={() => props.run(() => props.onRemove(m.userId))}
        >
          {t("remove")}
        </button>
      )}
    </li>
  );
}
