import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";
import { Dialog } from "../../components/Dialog.tsx";
import type { DingMode, DingStatus, Member, Message, PendingDing } from "../../lib/protocol.ts";

/** How often banners are re-read while the page is visible (a DING also arrives as an event). */
const BANNER_POLL_MS = 5_000;

/**
 * The DINGs waiting for my confirmation, as banners on top of the chat that stay until I confirm
 * (on any device). Re-read while the page is visible, when it becomes visible, and when
 * `refreshKey` changes (a `ding` event arrived).
 */
export function DingBanners(
  props: { t: Translate; refreshKey: string; onOpen: (conversationId: string) => void },
) {
  const { t } = props;
  const items = useSignal<PendingDing[]>([]);
  const error = useSignal("");
  const load = async () => {
    try {
      items.value = (await api<{ items: PendingDing[] }>("GET", "/api/v1/me/dings")).items;
    } catch {
      // A failed read keeps the banners shown; the next one tries again.
    }
  };
  useEffect(() => {
    load();
    const timer = setInterval(
      () => document.visibilityState === "visible" && load(),
      BANNER_POLL_MS,
    );
    const onVisible = () => document.visibilityState === "visible" && load();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, []);
  useEffect(() => {
    load();
  }, [props.refreshKey]);
  const confirm = async (id: string) => {
    error.value = "";
    try {
      await api("POST", `/api/v1/dings/${encodeURIComponent(id)}/confirm`, {});
      items.value = items.value.filter((d) => d.id !== id);
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  if (!items.value.length) return null;
  return (
    <div class="ding-banners" role="alert">
      {error.value && <p class="error">{error.value}</p>}
      {items.value.map((d) => (
        <div class="ding-banner" key={d.id} data-ding={d.id}>
          <strong>DING</strong>
          <span class="grow">
            {t("ding_from", { name: d.senderName, title: d.conversationTitle })}: {d.text}
          </span>
          <button type="button" class="linkish" onClick={() => props.onOpen(d.conversationId)}>
            {t("ding_open")}
          </button>
          <button type="button" class="primary" onClick={() => confirm(d.id)}>
            {t("ding_confirm")}
          </button>
        </div>
      ))}
    </div>
  );
}

/** The chat header's DING button and its dialog: send a DING, and watch the ones sent here. */
export function DingButton(props: {
  t: Translate;
  conversationId: string;
  myId: string;
  messages: Message[];
  members: Member[];
  userName: (userId: string | null) => string;
  onNeedMembers: () => void;
}) {
  const open = useSignal(false);
  return (
    <>
      <button
        type="button"
        class="linkish ding-button"
        onClick={() => {
          props.onNeedMembers();
          open.value = true;
        }}
      >
        DING
      </button>
      {open.value && <DingDialog {...props} onClose={() => open.value = false} />}
    </>
  );
}

function DingDialog(props: {
  t: Translate;
  conversationId: string;
  myId: string;
  messages: Message[];
  members: Member[];
  userName: (userId: string | null) => string;
  onClose: () => void;
}) {
  const { t } = props;
  const sent = useSignal<DingStatus[] | null>(null);
  const error = useSignal("");
  const load = async () => {
    try {
      sent.value = (await api<{ items: DingStatus[] }>(
        "GET",
        `/api/v1/conversations/${encodeURIComponent(props.conversationId)}/dings`,
      )).items;
    } catch (e) {
      sent.value = [];
      error.value = errorText(t, e);
    }
  };
  useEffect(() => {
    load();
    const timer = setInterval(load, BANNER_POLL_MS);
    return () => clearInterval(timer);
  }, []);
  const again = async (id: string) => {
    error.value = "";
    try {
      await api("POST", `/api/v1/dings/${encodeURIComponent(id)}/again`, {});
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  return (
    <Dialog title="DING" closeLabel={t("close")} onClose={props.onClose}>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <DingForm {...props} onSent={load} onError={(m) => error.value = m} />
      <h3>{t("ding_sent_here")}</h3>
      {sent.value?.length === 0 && <p class="muted empty">{t("ding_none")}</p>}
      {sent.value?.map((d) => (
        <DingStatusView
          key={d.id}
          t={t}
          ding={d}
          mine={d.senderId === props.myId}
          onAgain={again}
        />
      ))}
    </Dialog>
  );
}

/** Which message, to whom, and how far: a DING goes out on submit. */
function DingForm(props: {
  t: Translate;
  conversationId: string;
  myId: string;
  messages: Message[];
  members: Member[];
  userName: (userId: string | null) => string;
  onSent: () => Promise<void>;
  onError: (message: string) => void;
}) {
  const { t } = props;
  const choices = props.messages.filter((m) => m.kind !== "system").slice(-15).reverse();
  const others = props.members.filter((m) => m.userId !== props.myId);
  const busy = useSignal(false);
  if (!choices.length) return <p class="muted empty">{t("ding_no_message")}</p>;
  return (
    <form
      class="ding-form"
      aria-label={t("ding_send")}
      onSubmit={async (e) => {
        e.preventDefault();
        const f = new FormData(e.target as HTMLFormElement);
        const userIds = f.getAll("to").map(String);
        if (!userIds.length) return props.onError(t("ding_pick_people"));
        busy.value = true;
        try {
          await api(
            "POST",
            `/api/v1/conversations/${encodeURIComponent(props.conversationId)}/dings`,
            { seq: Number(f.get("seq")), userIds, mode: String(f.get("mode")) as DingMode },
          );
          await props.onSent();
        } catch (err) {
          props.onError(errorText(t, err));
        } finally {
          busy.value = false;
        }
      }}
    >
      <label>
        {t("ding_message")}
        <select name="seq">
          {choices.map((m) => (
            <option key={m.seq} value={m.seq}>
              {props.userName(m.senderId)}: {(m.text || t("ding_alert_card")).slice(0, 60)}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>{t("ding_to")}</legend>
        {others.map((m) => (
          <label key={m.userId} class="check">
            <input type="checkbox" name="to" value={m.userId} /> {props.userName(m.userId)}
          </label>
        ))}
      </fieldset>
      <label>
        {t("ding_mode")}
        <select name="mode">
          <option value="app">{t("ding_mode_app")}</option>
          <option value="sms">{t("ding_mode_sms")}</option>
          <option value="call">{t("ding_mode_call")}</option>
        </select>
      </label>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy.value}>{t("ding_send")}</button>
      </div>
    </form>
  );
}

/** One DING: per recipient delivered, read, confirmed; "DING again" for the sender. */
function DingStatusView(
  props: { t: Translate; ding: DingStatus; mine: boolean; onAgain: (id: string) => void },
) {
  const { t, ding } = props;
  const open = ding.recipients.some((r) => r.confirmedAt === null);
  const state = (r: DingStatus["recipients"][number]) =>
    r.confirmedAt !== null
      ? t("ding_confirmed")
      : r.read
      ? t("ding_read")
      : r.delivered
      ? t("ding_delivered")
      : t("ding_not_delivered");
  return (
    <div class="ding-status" data-ding={ding.id}>
      <p>
        <strong>{ding.senderName}</strong>: {ding.text}
      </p>
      <ul>
        {ding.recipients.map((r) => (
          <li key={r.userId} data-state={r.confirmedAt !== null ? "confirmed" : "open"}>
            {r.name} · {state(r)}
            {r.steps.length > 0 && (
              <span class="muted">
                · {r.steps.map((s) => `${s.channel} ${s.ok ? "✓" : "✗"}`).join(", ")}
              </span>
            )}
          </li>
        ))}
      </ul>
      {props.mine && open && (
        <button type="button" onClick={() => props.onAgain(ding.id)}>{t("ding_again")}</button>
      )}
    </div>
  );
}

/** The newest `ding` event naming me, as a key that changes when another arrives. */
export function dingEventKey(byConv: Record<string, Message[]>, myId: string | null): string {
  let key = "";
  for (const list of Object.values(byConv)) {
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i].system;
      if (s?.event === "ding" && myId && s.userIds?.includes(myId)) {
        if (`${list[i].id}` > key) key = `${list[i].id}`;
        break;
      }
    }
  }
  return key;
}
