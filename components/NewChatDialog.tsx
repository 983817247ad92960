import { useSignal } from "@preact/signals";
import { api, HttpError } from "../client/api.ts";
import { t } from "../client/i18n.ts";
import { type ConversationSummary, convs, navigate, type PublicUser } from "../client/store.ts";
import { Dialog } from "./Dialog.tsx";
import { UserPicker } from "./UserPicker.tsx";

export function NewChatDialog(props: { onClose: () => void }) {
  const tab = useSignal<"direct" | "group">("direct");
  const title = useSignal("");
  const picked = useSignal<PublicUser[]>([]);
  const error = useSignal("");

  const created = (c: ConversationSummary) => {
    convs.value = { ...convs.value, [c.id]: c };
    props.onClose();
    navigate(c.id);
  };
  const direct = async (u: PublicUser) => {
    try {
      const r = await api<{ conversation: ConversationSummary }>("POST", "/api/v1/conversations", {
        kind: "direct",
        userId: u.id,
      });
      created(r.conversation);
    } catch (e) {
      error.value = (e as HttpError).message;
    }
  };
  const group = async (e: Event) => {
    e.preventDefault();
    try {
      const r = await api<{ conversation: ConversationSummary }>("POST", "/api/v1/conversations", {
        kind: "group",
        title: title.value,
        memberIds: picked.value.map((u) => u.id),
      });
      created(r.conversation);
    } catch (err) {
      error.value = (err as HttpError).message;
    }
  };
  const toggle = (u: PublicUser) => {
    picked.value = picked.value.some((p) => p.id === u.id)
      ? picked.value.filter((p) => p.id !== u.id)
      : [...picked.value, u];
  };
  return (
    <Dialog title={t("newChat")} onClose={props.onClose}>
      <div class="tabs" role="tablist">
        <button
          type="button"
          role="tab"
          aria-selected={tab.value === "direct"}
          onClick={() => tab.value = "direct"}
        >
          {t("newDirect")}
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab.value === "group"}
          onClick={() => tab.value = "group"}
        >
          {t("newGroup")}
        </button>
      </div>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {tab.value === "direct"
        ? <UserPicker onPick={direct} />
        : (
          <form onSubmit={group} class="stack">
            <label>
              {t("groupTitle")}
              <input
                name="title"
                required
                maxLength={100}
                value={title.value}
                onInput={(e) => title.value = (e.target as HTMLInputElement).value}
              />
            </label>
            <p class="chips">
              {picked.value.map((u) => <span key={u.id} class="chip">{u.name}</span>)}
            </p>
            <UserPicker onPick={toggle} selected={picked.value.map((u) => u.id)} />
            <div class="actions">
              <button type="button" onClick={props.onClose}>{t("cancel")}</button>
              <button type="submit" class="primary">{t("create")}</button>
            </div>
          </form>
        )}
    </Dialog>
  );
}
