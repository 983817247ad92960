import type { Lang, Translate } from "../client/i18n.ts";

/** "Download: CSV · Excel" for an export URL (its query, if any, already in `href`). */
export function ExportLinks(props: { t: Translate; lang: Lang; href: string; label?: string }) {
  const { t } = props;
  const sep = props.href.includes("?") ? "&" : "?";
  const url = (f: string) => `${props.href}${sep}format=${f}&lang=${props.lang}`;
  return (
    <span class="export-links">
      <span class="muted">{props.label ?? t("au_download")}:</span>{" "}
      <a href={url("csv")} download data-format="csv">{t("au_csv")}</a>{" "}
      <a href={url("xlsx")} download data-format="xlsx">{t("au_xlsx")}</a>
    </span>
  );
}
