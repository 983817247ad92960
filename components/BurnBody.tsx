import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Translate } from "../client/i18n.ts";
import type { MentionMark } from "../client/markdown.ts";
import type { Message } from "../lib/protocol.ts";
import { Markdown } from "./Markdown.tsx";

/**
 * A burn-after-reading message. The sender sees it with a mark and how many opened it; a
 * recipient sees a closed bubble until they open it, then the text with a countdown, then a
 * note that it is gone (the server destroys it once every recipient's window passed).
 */
export function BurnBody(props: {
  t: Translate;
  message: Message;
  myId: string | null;
  mine: boolean;
  mentions: MentionMark[];
  onOpen: () => Promise<void>;
}) {
  const { t, message: m, myId } = props;
  const burn = m.burn!;
  const openedAt = myId ? burn.opened?.[myId] : undefined;
  const now = useSignal(Date.now());
  const left = openedAt === undefined ? 0 : Math.ceil((openedAt + burn.ms - now.value) / 1000);
  useEffect(() => {
    if (props.mine || openedAt === undefined || left <= 0) return;
    const tick = setInterval(() => now.value = Date.now(), 500);
    return () => clearInterval(tick);
  }, [openedAt, left > 0]);
  if (props.mine) {
    const n = Object.keys(burn.opened ?? {}).length;
    return (
      <>
        <Markdown class="bubble burn-mine" text={m.text} copyLabel={t("ch_copy")} />
        <div class="burn-note muted" data-burn-mine>
          {t("mn_burn_mine")}
          {n > 0 ? ` · ${t("mn_burn_opened", { n })}` : ""}
        </div>
      </>
    );
  }
  if (openedAt === undefined) {
    return (
      <button type="button" class="bubble burn-closed" data-burn-closed onClick={props.onOpen}>
        {t("mn_burn_tap")}
      </button>
    );
  }
  if (left <= 0) return <div class="bubble recalled muted" data-burned>{t("mn_burn_gone")}</div>;
  return (
    <>
      <Markdown
        class="bubble burn-open"
        text={m.text}
        copyLabel={t("ch_copy")}
        mentions={props.mentions}
      />
      <div class="burn-note muted" data-burn-left={left}>{t("mn_burn_left", { n: left })}</div>
    </>
  );
}
