import { errorText } from "../client/api_errors.ts";
import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { Dialog } from "./Dialog.tsx";
import { UserPicker } from "./UserPicker.tsx";

/** Starts a direct chat or a group; the island creates it and opens it. */
export function NewChatDialog(props: {
  t: Translate;
  search: (q: string) => Promise<PublicUser[]>;
  onDirect: (user: PublicUser) => Promise<void>;
  onGroup: (title: string, memberIds: string[]) => Promise<void>;
  onClose: () => void;
}) {
  const { t } = props;
  const tab = useSignal<"direct" | "group">("direct");
  const title = useSignal("");
  const picked = useSignal<PublicUser[]>([]);
  const error = useSignal("");

  const direct = async (u: PublicUser) => {
    try {
      await props.onDirect(u);
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  const group = async (e: Event) => {
    e.preventDefault();
    try {
      await props.onGroup(title.value, picked.value.map((u) => u.id));
    } catch (err) {
      error.value = errorText(t, err);
    }
  };
  const toggle = (u: PublicUser) => {
    picked.value = picked.value.some((p) => p.id === u.id)
      ? picked.value.filter((p) => p.id !== u.id)
      : [...picked.value, u];
  };
  return (
    <Dialog title={t("newChat")} closeLabel={t("close")} onClose={props.onClose}>
      <ChatTabs t={t} tab={tab.value} onTab={(v) => tab.value = v} />
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {tab.value === "direct"
        ? <UserPicker t={t} search={props.search} onPick={direct} />
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
            <UserPicker
              t={t}
              search={props.search}
              onPick={toggle}
              selected={picked.value.map((u) => u.id)}
            />
            <div class="actions">
              <button type="button" onClick={props.onClose}>{t("cancel")}</button>
              <button type="submit" class="primary">{t("create")}</button>
            </div>
          </form>
        )}
    </Dialog>
  );
}

/** Direct or group: the two ways to start a chat. */
function ChatTabs(
  props: { t: Translate; tab: "direct" | "group"; onTab: (tab: "direct" | "group") => void },
) {
  const { t } = props;
  return (
    <div class="tabs" role="tablist">
      <button
        type="button"
        role="tab"
        aria-selected={props.tab === "direct"}
        onClick={() => props.onTab("direct")}
      >
        {t("newDirect")}
      </button>
      <button
        type="button"
        role="tab"
        aria-selected={props.tab === "group"}
        onClick={() => props.onTab("group")}
      >
        {t("newGroup")}
      </button>
    </div>
  );
}
