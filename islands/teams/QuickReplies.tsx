import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";

/** A team's quick replies as the page edits them, with what the last load or save said. */
interface QuickReplyState {
  /** The list being edited; null until it is loaded. */
  items: Signal<string[] | null>;
  /** Whether the team has its own list (otherwise the chat shows the defaults). */
  custom: Signal<boolean>;
  note: Signal<string>;
  error: Signal<string>;
  /** Replaces the edited list (unsaved) and clears the "saved" note. */
  change: (next: string[]) => void;
  /** Saves the edited list, without blank entries. */
  save: () => Promise<void>;
}

/** Loads a team's quick replies and saves the edited list back. */
function useQuickReplies(t: Translate, teamId: string): QuickReplyState {
  const items = useSignal<string[] | null>(null);
  const custom = useSignal(false);
  const note = useSignal("");
  const error = useSignal("");
  const path = `/api/v1/teams/${teamId}/quick-replies`;
  useEffect(() => {
    items.value = null;
    api<{ items: string[]; custom: boolean }>("GET", path).then((r) => {
      items.value = r.items;
      custom.value = r.custom;
    }, (e) => error.value = errorText(t, e));
  }, [teamId]);
  const change = (next: string[]) => {
    items.value = next;
    note.value = "";
  };
  const save = async () => {
    error.value = "";
    try {
      const r = await api<{ items: string[]; custom: boolean }>("PUT", path, {
        items: (items.value ?? []).map((s) => s.trim()).filter(Boolean),
      });
      items.value = r.items;
      custom.value = r.custom;
      note.value = t("qr_saved");
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  return { items, custom, note, error, change, save };
}

/**
 * A team's quick replies, in the team's page: its admins add, edit, reorder and delete them and
 * save the list; members see it. None: the chat shows the defaults.
 */
export function QuickReplies(props: { t: Translate; teamId: string; canManage: boolean }) {
  const { t, teamId, canManage } = props;
  const { items, custom, note, error, change, save } = useQuickReplies(t, teamId);
  const list = items.value ?? [];
  return (
    <section class="quick-replies-admin" aria-label={t("qr_title")} data-quick-replies-admin>
      <h3>{t("qr_title")}</h3>
      <p class="muted">{t("qr_intro")}</p>
      {items.value === null && !error.value && <p class="muted" role="status">{t("mn_loading")}</p>}
      {items.value !== null && !custom.value && list.length === 0 && (
        <p class="empty">{t("qr_defaults")}</p>
      )}
      {!canManage && <p class="muted">{t("qr_readonly")}</p>}
      <ol class="qr-list">
        {list.map((q, i) => (
          <li key={i} data-qr={i}>
            {canManage
              ? <QuickReplyEdit t={t} list={list} i={i} onChange={change} />
              : <span>{q}</span>}
          </li>
        ))}
      </ol>
      {canManage && <QuickReplyAdd t={t} onAdd={(v) => change([...list, v])} onSave={save} />}
      {note.value && <p class="muted" role="status">{note.value}</p>}
      {error.value && <p class="error" role="alert">{error.value}</p>}
    </section>
  );
}

/** Entry `i` of the list for an admin: its text, up, down and delete. */
function QuickReplyEdit(props: {
  t: Translate;
  list: string[];
  i: number;
  onChange: (next: string[]) => void;
}) {
  const { t, list, i } = props;
  const move = (d: number) => {
    const next = [...list];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    props.onChange(next);
  };
  return (
    <>
      <input
        value={list[i]}
        aria-label={`${t("qr_title")} ${i + 1}`}
        onInput={(e) => {
          const next = [...list];
          next[i] = (e.target as HTMLInputElement).value;
          props.onChange(next);
        }}
      />
      <span class="qr-actions">
        <button
          type="button"
          class="linkish"
          disabled={i === 0}
          aria-label={t("qr_up")}
          onClick={() => move(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          class="linkish"
          disabled={i === list.length - 1}
          aria-label={t("qr_down")}
          onClick={() => move(1)}
        >
          ↓
        </button>
        <button
          type="button"
          class="linkish danger"
          data-qr-delete={i}
          onClick={() => props.onChange(list.filter((_, j) => j !== i))}
        >
          {t("qr_delete")}
        </button>
      </span>
    </>
  );
}

/** The admin's box for a new quick reply, and the button that saves the whole list. */
function QuickReplyAdd(props: { t: Translate; onAdd: (text: string) => void; onSave: () => void }) {
  const { t } = props;
  const draft = useSignal("");
  return (
    <form
      class="qr-add"
      onSubmit={(e) => {
        e.preventDefault();
        const v = draft.value.trim();
        if (!v) return;
        props.onAdd(v);
        draft.value = "";
      }}
    >
      <input
        value={draft.value}
        placeholder={t("qr_new")}
        aria-label={t("qr_new")}
        data-qr-new
        onInput={(e) => draft.value = (e.target as HTMLInputElement).value}
      />
      <button type="submit">{t("qr_add")}</button>
      <button type="button" class="primary" data-qr-save onClick={props.onSave}>
        {t("qr_save")}
      </button>
    </form>
  );
}
