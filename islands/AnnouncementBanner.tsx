import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../client/api.ts";
import { type Lang, useLocale } from "../client/i18n.ts";
import { Markdown } from "../components/Markdown.tsx";
import type { Announcement } from "../lib/protocol.ts";

/**
 * How often an open page asks again: a new announcement reaches a tab left open within this
 * time, at one small request per tab (the realtime socket does not carry announcements).
 */
const REFRESH_MS = 5 * 60_000;

export interface AnnouncementBannerProps {
  lang: Lang;
}

/**
 * Site-wide announcements the signed-in person has not confirmed or dismissed yet, above every
 * page. Loaded when the page opens, every REFRESH_MS while the tab is in view, and whenever the
 * tab comes back into view, so that a new one appears without a reload.
 */
export default function AnnouncementBanner(props: AnnouncementBannerProps) {
  const { t } = useLocale(props.lang);
  const items = useSignal<Announcement[]>([]);
  const load = async () => {
    try {
      items.value = (await api<{ items: Announcement[] }>("GET", "/api/v1/announcements/active"))
        .items;
    } catch {
      // The banner is an extra: a failed load leaves the page as it is.
    }
  };
  useEffect(() => {
    load();
    const onVisible = () => document.visibilityState === "visible" && load();
    document.addEventListener("visibilitychange", onVisible);
    const timer = setInterval(() => document.visibilityState === "visible" && load(), REFRESH_MS);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      clearInterval(timer);
    };
  }, []);
  const ack = async (a: Announcement) => {
    try {
      await api("POST", `/api/v1/announcements/${a.id}/ack`);
      items.value = items.value.filter((x) => x.id !== a.id);
    } catch {
      await load();
    }
  };
  // One that expired while the page was open goes at the next render (the server agrees).
  const live = items.value.filter((x) => x.until > Date.now());
  const a = live[0];
  if (!a) return null;
  return (
    <aside class="ann-banner" role="region" aria-label={t("ann_banner")} data-ann={a.id}>
      <div class="ann-banner-text">
        <strong>{a.title}</strong>
        {live.length > 1 && <span class="muted">{` (1/${live.length})`}</span>}
        <Markdown text={a.body} copyLabel={t("ann_copy")} />
      </div>
      <button type="button" class={a.requireConfirm ? "primary" : ""} onClick={() => ack(a)}>
        {a.requireConfirm ? t("ann_confirm") : t("ann_dismiss")}
      </button>
    </aside>
  );
}
