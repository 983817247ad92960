import { duration } from "../client/format.ts";
import type { Lang, Translate } from "../client/i18n.ts";
import type { Message } from "../lib/protocol.ts";

type Summary = NonNullable<NonNullable<Message["system"]>["summary"]>;

/** A war room's summary of its resolved alert: how long each step took, who did it, the notes. */
export function WarRoomSummary(props: {
  t: Translate;
  lang: Lang;
  summary: Summary;
  userName: (userId: string | null) => string;
}) {
  const { t, lang, summary: s } = props;
  const who = (u: string | null) => u ? props.userName(u) : t("wr_sum_source");
  return (
    <div class="war-room-summary" data-testid="war-room-summary">
      <strong>✅ {t("wr_sum_title", { title: s.title })}</strong>
      <ul>
        <li data-testid="sum-ack">
          {s.acknowledgedAt !== null
            ? t("wr_sum_ack", {
              name: who(s.acknowledgedBy),
              d: duration(s.acknowledgedAt - s.createdAt, lang),
            })
            : t("wr_sum_no_ack")}
        </li>
        <li data-testid="sum-resolved">
          {t("wr_sum_resolved", {
            name: who(s.resolvedBy),
            d: duration(s.resolvedAt - s.createdAt, lang),
          })}
        </li>
      </ul>
      {s.notes.length === 0 ? <p class="muted">{t("wr_sum_no_notes")}</p> : (
        <>
          <p class="muted">{t("wr_sum_notes")}</p>
          <ul class="war-room-notes">
            {s.notes.map((n, i) => (
              <li key={i}>
                <strong>{who(n.by)}</strong>: {n.text}
              </li>
            ))}
          </ul>
          {s.notesOmitted > 0 && <p class="muted">{t("wr_sum_more", { n: s.notesOmitted })}</p>}
        </>
      )}
    </div>
  );
}
