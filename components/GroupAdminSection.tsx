import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import { dateTime } from "../client/format.ts";
import { DURATIONS, DurationSelect, type GroupAdminProps, type Run } from "./GroupAdminParts.tsx";

/** Owners' and admins' group-wide controls: mute the group, post or remove the announcement. */
export function GroupAdminSection(props: { t: Translate; run: Run; admin: GroupAdminProps }) {
  const { t, admin, run } = props;
  const text = useSignal("");
  const valid = useSignal<number>(DURATIONS[2][1]);
  const mutedUntil = admin.view?.mutedUntil ?? null;
  return (
    <section class="group-admin">
      <h3>{t("ca_admin")}</h3>
      <div class="row-form">
        {mutedUntil
          ? (
            <>
              <span class="grow">
                {t("ca_group_muted", { until: dateTime(mutedUntil, admin.lang) })}
              </span>
              <button type="button" onClick={() => run(() => admin.onMuteGroup(null))}>
                {t("ca_unmute_group")}
              </button>
            </>
          )
          : (
            <DurationSelect
              t={t}
              label={t("ca_mute_group")}
              onPick={(ms) => run(() => admin.onMuteGroup(Date.now() + ms))}
            />
          )}
      </div>
      <form
        class="announce-form"
        onSubmit={(e) => {
          e.preventDefault();
          const s = text.value.trim();
          if (!s) return;
          run(async () => {
            await admin.onAnnounce(s, Date.now() + valid.value);
            text.value = "";
          });
        }}
      >
        <textarea
          rows={2}
          maxLength={2000}
          aria-label={t("ca_announce_text")}
          placeholder={t("ca_announce_text")}
          value={text.value}
          onInput={(e) => text.value = e.currentTarget.value}
        />
        <div class="row-form">
          <label>
            {t("ca_announce_valid")}{" "}
            <select
              value={valid.value}
              onChange={(e) => valid.value = Number(e.currentTarget.value)}
            >
              {DURATIONS.map(([k, ms]) => <option key={k} value={ms}>{t(k)}</option>)}
            </select>
          </label>
          <button type="submit" class="primary">{t("ca_announce")}</button>
          {admin.view?.announcement && (
            <button
              type="button"
              onClick={() => run(admin.onClearAnnouncement)}
            >
              {t("ca_announce_clear")}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** Each member's own switch for the conversation's notifications. */
export function NotifyMuteToggle(props: { t: Translate; run: Run; admin: GroupAdminProps }) {
  const { t, admin } = props;
  return (
    <label class="notify-toggle">
      <input
        type="checkbox"
        checked={admin.notifyMuted}
        onChange={(e) => {
          const on = e.currentTarget.checked;
          props.run(() => admin.onNotifyMute(on));
        }}
      />{" "}
      {t("ca_notify_mute")}
    </label>
  );
}
