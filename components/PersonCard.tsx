import type { ComponentChildren } from "preact";
import type { Key, Lang, Translate } from "../client/i18n.ts";
import { dateTime } from "../client/format.ts";
import type { PersonCard as Card } from "../lib/protocol.ts";
import { Avatar } from "./Avatar.tsx";

const KIND = new Map<string, Key>([
  ["email", "dir_kind_email"],
  ["sms", "dir_kind_sms"],
  ["voice", "dir_kind_voice"],
]);

/** The time now in `tz`, e.g. "14:05 (Asia/Shanghai)"; empty for an unknown zone. */
function localTime(now: number, tz: string, lang: Lang): string {
  try {
    const hm = new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-GB", {
      timeZone: tz,
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    }).format(now);
    return `${hm} (${tz})`;
  } catch {
    return "";
  }
}

/** The e-mail address, then the contacts the person chose to show. */
function ContactFacts(props: { t: Translate; card: Card }) {
  const { t, card } = props;
  const email = card.user.email;
  return (
    <ul class="dir-contacts">
      <li>
        <a href={`mailto:${email}`}>{email}</a>
      </li>
      {card.contacts.map((c) => (
        <li key={c.kind + c.address}>
          {t(KIND.get(c.kind) ?? "dir_kind_email")}:{" "}
          <a href={c.kind === "email" ? `mailto:${c.address}` : `tel:${c.address}`}>
            {c.address}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** On call now (each schedule, until when) or next, within the coming week. */
function OnCallFacts(props: { t: Translate; lang: Lang; card: Card }) {
  const { t, lang, card } = props;
  return (
    <div class="dir-oncall">
      {card.onCallNow.map((s) => (
        <div key={s.scheduleName + s.teamName} class="dir-oncall-now">
          {t("dir_card_oncall_now", { schedule: s.scheduleName, team: s.teamName })}
          {s.end && <>{" "}{t("dir_card_oncall_until", { when: dateTime(s.end, lang) })}</>}
        </div>
      ))}
      {card.onCallNext && (
        <div>
          {t("dir_card_oncall_next", {
            schedule: card.onCallNext.scheduleName,
            team: card.onCallNext.teamName,
            when: dateTime(card.onCallNext.start, lang),
          })}
        </div>
      )}
      {!card.onCallNow.length && !card.onCallNext && (
        <span class="muted">{t("dir_card_oncall_none")}</span>
      )}
    </div>
  );
}

/** A person's directory card; `actions` (Message, the admin's placement form) go below. */
export function PersonCard(props: {
  t: Translate;
  lang: Lang;
  card: Card;
  now: number;
  children?: ComponentChildren;
}) {
  const { t, lang, card } = props;
  const u = card.user;
  // Without a chosen zone, the zone of their quiet hours says where they are.
  const zone = u.timeZone ?? u.quietHours?.timeZone ?? null;
  const row = (label: string, value: ComponentChildren) => (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
  const none = <span class="muted">{t("dir_card_none")}</span>;
  return (
    <div class="dir-card">
      <div class="dir-card-head">
        <Avatar id={u.id} name={u.name} avatar={u.avatar} size="l" />
        <div>
          <div class="dir-card-name">{u.name}</div>
          {u.title && <div class="muted">{u.title}</div>}
          {u.status && (
            <div class="dir-status">
              {u.status.emoji} {u.status.text}
            </div>
          )}
        </div>
      </div>
      <dl class="dir-card-facts">
        {row(t("dir_card_department"), card.departmentPath.join(" › ") || none)}
        {row(
          t("dir_card_teams"),
          card.teams.length ? card.teams.map((x) => x.name).join(", ") : none,
        )}
        {row(t("dir_card_contacts"), <ContactFacts t={t} card={card} />)}
        {zone && row(t("dir_card_local"), localTime(props.now, zone, lang))}
        {row(t("dir_card_oncall"), <OnCallFacts t={t} lang={lang} card={card} />)}
      </dl>
      {props.children}
    </div>
  );
}
