import type { JSX } from "preact";
import type { Translate } from "../client/i18n.ts";
import type { SearchHit } from "../lib/protocol.ts";

/** The excerpt with its matched ranges in <mark>. */
export function Highlighted(props: { text: string; ranges: [number, number][] }) {
  const parts: (string | JSX.Element)[] = [];
  let at = 0;
  for (const [s, e] of props.ranges) {
    if (s > at) parts.push(props.text.slice(at, s));
    parts.push(<mark key={s}>{props.text.slice(s, e)}</mark>);
    at = e;
  }
  if (at < props.text.length) parts.push(props.text.slice(at));
  return <>{parts}</>;
}

const STATUS_KEY = {
  triggered: "statusTriggered",
  acknowledged: "statusAcknowledged",
  resolved: "statusResolved",
} as const;

const PRIO_KEY = {
  urgent: "prioUrgent",
  high: "prioHigh",
  medium: "prioMedium",
  low: "prioLow",
} as const;

/** One page of hits: where each is, who said it, when, and the excerpt; a link opens it in its conversation. */
export function SearchResults(props: {
  t: Translate;
  items: SearchHit[];
  when: (ms: number) => string;
  userName: (id: string | null) => string;
}) {
  const { t } = props;
  return (
    <ol class="search-results" aria-label={t("sr_title")}>
      {props.items.map((h) => (
        <li key={h.id} class="search-hit" data-hit={h.id}>
          <a class="search-hit-link" href={`/c/${h.conversationId}?at=${h.seq}`}>
            <span class="search-hit-where">
              <strong>{h.conversationTitle || t("sr_direct")}</strong>
              {h.senderId && <span>· {props.userName(h.senderId)}</span>}
              <time>· {props.when(h.at)}</time>
            </span>
            {h.alert && (
              <span class="search-hit-alert">
                <span class={`badge prio-${h.alert.priority}`}>
                  {t(PRIO_KEY[h.alert.priority])}
                </span>{" "}
                <span class="badge">{t(STATUS_KEY[h.alert.status])}</span> {h.alert.title}
                {h.alert.note && <em>· {t("sr_note")}</em>}
              </span>
            )}
            <span class="search-hit-text">
              <Highlighted text={h.excerpt} ranges={h.highlights} />
            </span>
          </a>
        </li>
      ))}
    </ol>
  );
}
