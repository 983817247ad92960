import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";

/**
 * A team's quick replies, in the team's page: its admins add, edit, reorder and delete them and
 * save the list; members see it. None: the chat shows the defaults.
 */
export function QuickReplies(props: { t: Translate; teamId: string; canManage: boolean }) {
  const { t, teamId, canManage } = props;
  const items = useSignal<string[] | null>(null);
  const custom = useSignal(false);
  const draft = useSignal("");
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
  const move = (i: number, d: number) => {
    const list = [...(items.value ?? [])];
    [list[i], list[i + d]] = [list[i + d], list[i]];
    change(list);
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
              ? (
                <input
                  value={q}
                  aria-label={`${t("qr_title")} ${i + 1}`}
                  onInput={(e) => {
                    const next = [...list];
                    next[i] = (e.target as HTMLInputElement).value;
                    change(next);
                  }}
                />
              )
              : <span>{q}</span>}
            {canManage && (
              <span class="qr-actions">
                <button
                  type="button"
                  class="linkish"
                  disabled={i === 0}
                  aria-label={t("qr_up")}
                  onClick={() => move(i, -1)}
                >
                  ↑
                </button>
                <button
                  type="button"
                  class="linkish"
                  disabled={i === list.length - 1}
                  aria-label={t("qr_down")}
                  onClick={() => move(i, 1)}
                >
                  ↓
                </button>
                <button
                  type="button"
                  class="linkish danger"
                  data-qr-delete={i}
                  onClick={() => change(list.filter((_, j) => j !== i))}
                >
                  {t("qr_delete")}
                </button>
              </span>
            )}
          </li>
        ))}
      </ol>
      {canManage && (
        <form
          class="qr-add"
          onSubmit={(e) => {
            e.preventDefault();
            const v = draft.value.trim();
            if (!v) return;
            change([...list, v]);
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
          <button type="button" class="primary" data-qr-save onClick={save}>
            {t("qr_save")}
          </button>
        </form>
      )}
      {note.value && <p class="muted" role="status">{note.value}</p>}
      {error.value && <p class="error" role="alert">{error.value}</p>}
    </section>
  );
}
