import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { errorText } from "../client/api_errors.ts";
import { dateTime } from "../client/format.ts";
import { type Lang, type Translate, useLocale } from "../client/i18n.ts";
import { instantToZoned, viewerZone, zonedToInstant } from "../client/zoned.ts";
import { AdminNav } from "../components/AdminNav.tsx";
import { Dialog } from "../components/Dialog.tsx";
import { Markdown } from "../components/Markdown.tsx";
import type { Announcement, Confirmations, PublicUser } from "../lib/protocol.ts";

export interface AdminAnnouncementsProps {
  me: PublicUser;
  lang: Lang;
}

const DAY_MS = 86_400_000;

type Draft = {
  id: string | null;
  title: string;
  body: string;
  from: string;
  until: string;
  requireConfirm: boolean;
};

function draftOf(a: Announcement | null): Draft {
  const tz = viewerZone();
  const now = Date.now();
  return {
    id: a?.id ?? null,
    title: a?.title ?? "",
    body: a?.body ?? "",
    from: instantToZoned(a?.from ?? now, tz),
    until: instantToZoned(a?.until ?? now + 7 * DAY_MS, tz),
    requireConfirm: a?.requireConfirm ?? false,
  };
}

/** Create or edit one announcement, with a preview of its Markdown. */
function AnnouncementForm(props: {
  t: Translate;
  draft: Draft;
  onSave: (d: Draft) => void;
  onClose: () => void;
}) {
  const { t } = props;
  const body = useSignal(props.draft.body);
  return (
    <Dialog
      title={props.draft.id ? t("ann_edit") : t("ann_new")}
      closeLabel={t("ann_cancel")}
      onClose={props.onClose}
    >
      <form
        class="pp-form"
        aria-label={t("ann_new")}
        onSubmit={(e) => {
          e.preventDefault();
          const f = new FormData(e.target as HTMLFormElement);
          props.onSave({
            id: props.draft.id,
            title: String(f.get("title")).trim(),
            body: String(f.get("body")),
            from: String(f.get("from")),
            until: String(f.get("until")),
            requireConfirm: f.get("confirm") === "on",
          });
        }}
      >
        <label>
          {t("ann_field_title")}
          <input name="title" required maxLength={200} defaultValue={props.draft.title} />
        </label>
        <label>
          {t("ann_field_body")}
          <textarea
            name="body"
            rows={5}
            defaultValue={props.draft.body}
            onInput={(e) => body.value = (e.target as HTMLTextAreaElement).value}
          />
        </label>
        {body.value.trim() && (
          <div class="ann-preview" aria-label={t("ann_preview")}>
            <Markdown text={body.value} copyLabel={t("ann_copy")} />
          </div>
        )}
        <div class="ann-dates">
          <label>
            {t("ann_field_from")}
            <input type="datetime-local" name="from" required defaultValue={props.draft.from} />
          </label>
          <label>
            {t("ann_field_until")}
            <input type="datetime-local" name="until" required defaultValue={props.draft.until} />
          </label>
        </div>
        <label class="check">
          <input type="checkbox" name="confirm" defaultChecked={props.draft.requireConfirm} />
          {t("ann_field_confirm")}
        </label>
        <button type="submit" class="primary">{t("ann_save")}</button>
      </form>
    </Dialog>
  );
}

/** Who has read one announcement, and who has not yet. */
function ConfirmationList(props: { t: Translate; lang: Lang; a: Announcement; c: Confirmations }) {
  const { t, lang, c } = props;
  return (
    <div class="ann-confirmations">
      <h3>{t("ann_confirmations")}</h3>
      <p>
        {t(props.a.requireConfirm ? "ann_confirmed_n" : "ann_dismissed_n", {
          n: c.confirmed.length,
        })}
      </p>
      <ul class="ann-people">
        {c.confirmed.map((u) => (
          <li key={u.id} data-confirmed="1">
            {u.name} <span class="muted">{dateTime(u.at, lang)}</span>
          </li>
        ))}
      </ul>
      <p>{t("ann_pending_n", { n: c.pending.length })}</p>
      <ul class="ann-people">
        {c.pending.map((u) => <li key={u.id} data-pending="1">{u.name}</li>)}
      </ul>
    </div>
  );
}

/** One announcement in the admin's list: title, state, period, actions, who has read it. */
function AnnouncementItem(props: {
  t: Translate;
  lang: Lang;
  a: Announcement;
  open: Confirmations | null;
  onToggle: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { t, lang, a } = props;
  const now = Date.now();
  const state = now < a.from
    ? "ann_state_scheduled"
    : now >= a.until
    ? "ann_state_expired"
    : "ann_state_live";
  return (
    <li class="ann-item" data-title={a.title}>
      <div class="ann-item-head">
        <strong>{a.title}</strong>
        <span class={`badge ann-${state}`}>{t(state)}</span>
        {a.requireConfirm && <span class="badge">{t("ann_requires_confirm")}</span>}
      </div>
      <div class="muted">
        {dateTime(a.from, lang)} – {dateTime(a.until, lang)}
      </div>
      <div class="ann-actions">
        <button type="button" class="linkish" onClick={props.onToggle}>
          {t("ann_confirmations")}
        </button>
        <button type="button" class="linkish" onClick={props.onEdit}>{t("ann_edit")}</button>
        <button type="button" class="linkish danger" onClick={props.onDelete}>
          {t("ann_delete")}
        </button>
      </div>
      {props.open && <ConfirmationList t={t} lang={lang} a={a} c={props.open} />}
    </li>
  );
}

/** Admins: site-wide announcements, their validity and who has read them. */
/** The list, the open draft and confirmations, and what the admin does with them. */
function useAnnouncementAdmin(t: Translate) {
  const items = useSignal<Announcement[] | null>(null);
  const draft = useSignal<Draft | null>(null);
  const open = useSignal<{ id: string; c: Confirmations } | null>(null);
  const error = useSignal("");
  const forbidden = useSignal(false);
  const load = async () => {
    try {
      items.value = (await api<{ items: Announcement[] }>("GET", "/api/v1/announcements")).items;
    } catch (e) {
      if ((e as { status?: number }).status === 403) forbidden.value = true;
      else error.value = errorText(t, e);
    }
  };
  useEffect(() => {
    load();
  }, []);
  const save = async (d: Draft) => {
    error.value = "";
    const tz = viewerZone();
    const body = {
      title: d.title,
      body: d.body,
      from: zonedToInstant(d.from, tz),
      until: zonedToInstant(d.until, tz),
      requireConfirm: d.requireConfirm,
    };
    try {
      if (d.id) await api("PUT", `/api/v1/announcements/${d.id}`, body);
      else await api("POST", "/api/v1/announcements", body);
      draft.value = null;
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  const remove = async (a: Announcement) => {
    if (!confirm(t("ann_delete_confirm", { title: a.title }))) return;
    try {
      await api("DELETE", `/api/v1/announcements/${a.id}`);
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  const toggle = async (a: Announcement) => {
    if (open.value?.id === a.id) return open.value = null;
    try {
      const c = await api<Confirmations>("GET", `/api/v1/announcements/${a.id}/confirmations`);
      open.value = { id: a.id, c };
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  return { items, draft, open, error, forbidden, save, remove, toggle };
}

export default function AdminAnnouncements(props: AdminAnnouncementsProps) {
  const { t, lang } = useLocale(props.lang);
  const { items, draft, open, error, forbidden, save, remove, toggle } = useAnnouncementAdmin(t);
  return (
    <div class="admin">
      <AdminNav t={t} me={props.me} current="announcements" />
      <main class="admin-main">
        <h1>{t("ann_title")}</h1>
        {forbidden.value ? <p class="error">{t("al_err_forbidden", { message: "" })}</p> : (
          <>
            <p class="muted">{t("ann_help")}</p>
            {error.value && <p class="error" role="alert">{error.value}</p>}
            <p>
              <button type="button" class="primary" onClick={() => draft.value = draftOf(null)}>
                {t("ann_new")}
              </button>
            </p>
            {items.value === null && <p class="muted">{t("dir_loading")}</p>}
            {items.value?.length === 0 && <p class="muted">{t("ann_none")}</p>}
            <ul class="ann-list">
              {items.value?.map((a) => (
                <AnnouncementItem
                  key={a.id}
                  t={t}
                  lang={lang}
                  a={a}
                  open={open.value?.id === a.id ? open.value.c : null}
                  onToggle={() => toggle(a)}
                  onEdit={() => draft.value = draftOf(a)}
                  onDelete={() => remove(a)}
                />
              ))}
            </ul>
          </>
        )}
        {draft.value && (
          <AnnouncementForm
            t={t}
            draft={draft.value}
            onSave={save}
            onClose={() => draft.value = null}
          />
        )}
      </main>
    </div>
  );
}
