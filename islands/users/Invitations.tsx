import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Lang, Translate } from "../../client/i18n.ts";
import { dateTime } from "../../client/format.ts";
import type { Invitation } from "../../lib/protocol.ts";

/** Pending invitations with their expiry, each with resend and revoke. */
function InvitationList(props: {
  t: Translate;
  lang: Lang;
  items: Invitation[];
  busy: boolean;
  onResend: (i: Invitation) => void;
  onRevoke: (i: Invitation) => void;
}) {
  const { t, lang } = props;
  const now = Date.now();
  return (
    <ul class="acc-list" aria-label={t("acc_pending")}>
      {props.items.map((i) => (
        <li key={i.id}>
          <span class="acc-main">
            <strong>{i.email}</strong>{" "}
            <span class="muted">
              {i.role === "admin" ? t("roleAdmin") : t("roleMember")} · {i.expiresAt <= now
                ? t("acc_expired")
                : t("acc_expires", { time: dateTime(i.expiresAt, lang) })}
            </span>
          </span>
          <span class="row-actions">
            <button
              type="button"
              disabled={props.busy}
              onClick={() => props.onResend(i)}
            >
              {t("acc_resend")}
            </button>
            <button
              type="button"
              class="danger"
              disabled={props.busy}
              onClick={() => props.onRevoke(i)}
            >
              {t("acc_revoke")}
            </button>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The pending invitations, and a runner for changes that reports their outcome. */
function useInvitations(t: Translate) {
  const items = useSignal<Invitation[] | null>(null);
  const error = useSignal("");
  const msg = useSignal("");
  const busy = useSignal(false);
  const load = async () => {
    items.value = (await api<{ items: Invitation[] }>("GET", "/api/v1/invitations")).items;
  };
  useEffect(() => {
    load().catch((e) => {
      items.value = [];
      error.value = errorText(t, e);
    });
  }, []);
  const run = async (f: () => Promise<string>) => {
    error.value = "";
    msg.value = "";
    busy.value = true;
    try {
      msg.value = await f();
      await load();
      return true;
    } catch (e) {
      error.value = errorText(t, e);
      return false;
    } finally {
      busy.value = false;
    }
  };
  return { items, error, msg, busy, run };
}

/** Invite by e-mail; the pending invitations with resend and revoke. */
export function Invitations(props: { t: Translate; lang: Lang }) {
  const { t, lang } = props;
  const { items, error, msg, busy, run } = useInvitations(t);
  const invite = async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const body = Object.fromEntries(new FormData(form));
    const ok = await run(async () => {
      await api("POST", "/api/v1/invitations", { ...body, lang });
      return t("acc_invited", { email: String(body.email) });
    });
    if (ok) form.reset();
  };
  return (
    <section class="acc-section" aria-label={t("acc_invite_title")}>
      <h2>{t("acc_invite_title")}</h2>
      <p class="muted">{t("acc_invite_hint")}</p>
      <form class="inline-form" onSubmit={invite} aria-label={t("acc_invite_title")}>
        <input
          name="email"
          type="email"
          placeholder={t("email")}
          aria-label={t("email")}
          required
          autocomplete="off"
        />
        <select name="role" aria-label={t("role")}>
          <option value="member">{t("roleMember")}</option>
          <option value="admin">{t("roleAdmin")}</option>
        </select>
        <button type="submit" class="primary" disabled={busy.value}>{t("acc_invite_send")}</button>
      </form>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {msg.value && <p class="notice" role="status">{msg.value}</p>}
      <h3>{t("acc_pending")}</h3>
      {items.value === null && <p class="muted" role="status">{t("pp_loading")}</p>}
      {items.value?.length === 0 && <p class="empty">{t("acc_no_pending")}</p>}
      <InvitationList
        t={t}
        lang={lang}
        items={items.value ?? []}
        busy={busy.value}
        onResend={(i) =>
          run(async () => {
            await api("POST", `/api/v1/invitations/${i.id}/resend`);
            return t("acc_invited", { email: i.email });
          })}
        onRevoke={(i) => {
          if (!confirm(t("acc_revoke_confirm", { email: i.email }))) return;
          run(async () => {
            await api("DELETE", `/api/v1/invitations/${i.id}`);
            return "";
          });
        }}
      />
    </section>
  );
}
