import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import type { Message } from "../lib/protocol.ts";

/** Emoji offered in a message's menu (any emoji can be sent through the API). */
export const QUICK_EMOJI = ["👍", "✅", "👀", "🔥", "❤️", "😄"];

/** What can be done to a message; the island performs each. */
export interface MessageHandlers {
  onReply: (m: Message) => void;
  /** A sender's uploaded avatar id, when their member record is loaded. */
  avatarOf?: (userId: string | null) => string | null | undefined;
  /** Pins a message (group owners and admins); absent: no pin button. */
  onPin?: (seq: number) => void;
  /** Brings the message `seq` into view (loading history back to it). */
  onJump: (seq: number) => void;
  onReact: (seq: number, emoji: string) => Promise<void>;
  onEdit: (seq: number, text: string) => Promise<void>;
  onRecall: (seq: number) => Promise<void>;
  onForward: (seq: number, toConvId: string) => Promise<void>;
  /** Opens a burn-after-reading message for me. */
  onOpenBurn?: (seq: number) => Promise<void>;
  /** Conversations a message can be forwarded to. */
  forwardTargets: { id: string; title: string }[];
  /** Windows after sending within which the sender may edit and recall (ms). */
  editMs: number;
  recallMs: number;
  /** The current time, to close those windows. */
  now: number;
}

/** The quote of the message a reply answers; clicking it jumps to the original. */
export function ReplyQuote(props: {
  t: Translate;
  reply: NonNullable<Message["replyTo"]>;
  userName: (userId: string | null) => string;
  onJump: (seq: number) => void;
}) {
  const { t, reply } = props;
  return (
    <button
      type="button"
      class="reply-quote"
      data-reply-to={reply.seq}
      onClick={() => props.onJump(reply.seq)}
    >
      <strong>{props.userName(reply.senderId)}</strong>{" "}
      <span class="muted">{reply.excerpt || t("ch_recalled")}</span>
    </button>
  );
}

/** Emoji under a message with their counts; mine are marked, and clicking toggles mine. */
export function Reactions(props: {
  reactions: Record<string, string[]>;
  myId: string | null;
  userName: (userId: string | null) => string;
  onToggle: (emoji: string) => void;
}) {
  const entries = Object.entries(props.reactions);
  if (!entries.length) return null;
  return (
    <div class="reactions">
      {entries.map(([emoji, users]) => (
        <button
          key={emoji}
          type="button"
          class={`reaction ${props.myId && users.includes(props.myId) ? "mine" : ""}`}
          title={users.map((u) => props.userName(u)).join(", ")}
          data-emoji={emoji}
          onClick={() => props.onToggle(emoji)}
        >
          {emoji} <span class="count">{users.length}</span>
        </button>
      ))}
    </div>
  );
}

/** Editing a message in place. */
export function EditBox(props: {
  t: Translate;
  text: string;
  onSave: (text: string) => Promise<void>;
  onCancel: () => void;
}) {
  const { t } = props;
  const text = useSignal(props.text);
  const error = useSignal("");
  const save = async () => {
    try {
      await props.onSave(text.value);
    } catch (e) {
      error.value = (e as Error).message;
    }
  };
  return (
    <div class="edit-box">
      <textarea
        rows={3}
        aria-label={t("ch_editing")}
        value={text.value}
        onInput={(e) => text.value = (e.target as HTMLTextAreaElement).value}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            save();
          }
          if (e.key === "Escape") props.onCancel();
        }}
      />
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <div class="edit-actions">
        <button type="button" class="primary" onClick={save}>{t("ch_save")}</button>
        <button type="button" class="linkish" onClick={props.onCancel}>{t("ch_cancel")}</button>
      </div>
    </div>
  );
}

/** A message's menu: reply, react, forward, and for my recent messages edit and recall. */
export function MessageMenu(props: {
  t: Translate;
  message: Message;
  mine: boolean;
  h: MessageHandlers;
  onEditStart: () => void;
}) {
  const { t, message: m, h } = props;
  const open = useSignal(false);
  const forwarding = useSignal(false);
  const error = useSignal("");
  const age = h.now - m.createdAt;
  const run = async (f: () => Promise<void>) => {
    error.value = "";
    try {
      await f();
      open.value = false;
      forwarding.value = false;
    } catch (e) {
      error.value = (e as Error).message;
    }
  };
  return (
    <span class="msg-menu-wrap">
      <button
        type="button"
        class="msg-menu-btn linkish"
        aria-label={t("ch_actions")}
        aria-expanded={open.value}
        onClick={() => open.value = !open.value}
      >
        ⋯
      </button>
      {open.value && (
        <span class="msg-menu" role="menu">
          <EmojiRow t={t} onPick={(e) => run(() => h.onReact(m.seq, e))} />
          <button
            type="button"
            role="menuitem"
            onClick={() => {
              open.value = false;
              h.onReply(m);
            }}
          >
            {t("ch_reply")}
          </button>
          <button type="button" role="menuitem" onClick={() => forwarding.value = true}>
            {t("ch_forward")}
          </button>
          {forwarding.value && (
            <select
              aria-label={t("ch_forward_to")}
              onChange={(e) => {
                const to = (e.target as HTMLSelectElement).value;
                if (to) run(() => h.onForward(m.seq, to));
              }}
            >
              <option value="">{t("ch_forward_to")}</option>
              {h.forwardTargets.map((c) => <option key={c.id} value={c.id}>{c.title}</option>)}
            </select>
          )}
          {props.mine && (
            <OwnActions
              t={t}
              canEdit={age < h.editMs}
              canRecall={age < h.recallMs}
              onEdit={() => {
                open.value = false;
                props.onEditStart();
              }}
              onRecall={() => run(() => h.onRecall(m.seq))}
            />
          )}
          {error.value && <span class="error" role="alert">{error.value}</span>}
        </span>
      )}
    </span>
  );
}

/** The quick emoji of the menu. */
function EmojiRow(props: { t: Translate; onPick: (emoji: string) => void }) {
  return (
    <span class="menu-emoji">
      {QUICK_EMOJI.map((e) => (
        <button
          key={e}
          type="button"
          role="menuitem"
          aria-label={`${props.t("ch_react")} ${e}`}
          onClick={() => props.onPick(e)}
        >
          {e}
        </button>
      ))}
    </span>
  );
}

/** Edit and recall, for my own message while their windows are open. */
function OwnActions(props: {
  t: Translate;
  canEdit: boolean;
  canRecall: boolean;
  onEdit: () => void;
  onRecall: () => void;
}) {
  const { t } = props;
  return (
    <>
      {props.canEdit && (
        <button type="button" role="menuitem" onClick={props.onEdit}>
          {t("ch_edit")}
        </button>
      )}
      {props.canRecall && (
        <button
          type="button"
          role="menuitem"
          class="danger"
          onClick={() => {
            if (confirm(t("ch_recall_confirm"))) props.onRecall();
          }}
        >
          {t("ch_recall")}
        </button>
      )}
    </>
  );
}
