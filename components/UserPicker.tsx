import { useEffect, useState } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";
import type { PublicUser } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";

/**
 * Directory search through `search` (the island's lookup); calls onPick with a user.
 * `exclude` hides ids (e.g. existing members).
 */
export function UserPicker(props: {
  t: Translate;
  search: (q: string) => Promise<PublicUser[]>;
  onPick: (u: PublicUser) => void;
  exclude?: string[];
  selected?: string[];
}) {
  const [q, setQ] = useState("");
  const [items, setItems] = useState<PublicUser[]>([]);
  const { t } = props;
  useEffect(() => {
    const timer = setTimeout(async () => {
      setItems(await props.search(q));
    }, 150);
    return () => clearTimeout(timer);
  }, [q]);
  const shown = items.filter((u) => !props.exclude?.includes(u.id) && !u.disabled);
  return (
    <div class="picker">
      <input
        type="search"
        placeholder={t("searchPeople")}
        aria-label={t("searchPeople")}
        value={q}
        onInput={(e) => setQ((e.target as HTMLInputElement).value)}
      />
      <ul class="picker-list">
        {shown.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              class={`picker-item ${props.selected?.includes(u.id) ? "selected" : ""}`}
              aria-pressed={props.selected ? props.selected.includes(u.id) : undefined}
              onClick={() => props.onPick(u)}
            >
              <Avatar id={u.id} name={u.name} size="s" avatar={u.avatar} />
              <span class="picker-name">{u.name}</span>
              <span class="muted">{u.email}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
