import type { Lang, Translate } from "../client/i18n.ts";
import { dateTime } from "../client/format.ts";
import type { ApiToken } from "../lib/protocol.ts";

/** A list of API tokens with when each was created, last used and expires, and a revoke button. */
export function TokenList(props: {
  t: Translate;
  lang: Lang;
  tokens: ApiToken[] | null;
  empty: string;
  onRevoke: (token: ApiToken) => void;
}) {
  const { t, lang } = props;
  if (props.tokens === null) return <p class="muted" role="status">{t("pp_loading")}</p>;
  if (props.tokens.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <table class="table token-table">
      <thead>
        <tr>
          <th>{t("name")}</th>
          <th>{t("pp_token_created")}</th>
          <th>{t("pp_token_last_used")}</th>
          <th>{t("pp_token_expires")}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.tokens.map((tok) => (
          <tr key={tok.id} data-token={tok.id}>
            <td class="token-name">{tok.name}</td>
            <td data-label={t("pp_token_created")}>{dateTime(tok.createdAt, lang)}</td>
            <td data-label={t("pp_token_last_used")}>
              {tok.lastUsedAt === null ? t("pp_never_used") : dateTime(tok.lastUsedAt, lang)}
            </td>
            <td data-label={t("pp_token_expires")}>
              {tok.expiresAt === null ? t("pp_never") : dateTime(tok.expiresAt, lang)}
            </td>
            <td class="row-actions">
              <button type="button" class="danger" onClick={() => props.onRevoke(tok)}>
                {t("pp_revoke")}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
