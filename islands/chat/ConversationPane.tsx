import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { Lang, Translate } from "../../client/i18n.ts";
import { commandTarget, parseCommand } from "../../client/commands.ts";
import { onCallForConversation } from "../../client/oncall_now.ts";
import {
  addAlertNote,
  alertAction,
  alerts,
  conversationAlerts,
  convList,
  convs,
  dividerAfter,
  editMessage,
  focusSeq,
  forwardMessage,
  hasOlder,
  hiddenAlerts,
  jumpTo,
  loadMembers,
  loadOlder,
  loadQuickReplies,
  markOpenRead,
  members,
  type Message,
  messages,
  navigate,
  open,
  openBurn,
  openId,
  openWarRoom,
  outbox,
  recallMessage,
  receipts,
  retry,
  send,
  status,
  toggleReaction,
  transport,
  userName,
} from "../../client/store.ts";
import { Composer, type SendExtras } from "../../components/Composer.tsx";
import type { MentionCandidate } from "../../client/mentions.ts";
import { MessageList } from "../../components/MessageList.tsx";
import { OnCallNow, type OnCallNowItem } from "../../components/OnCallNow.tsx";
import { DingButton } from "./Ding.tsx";
// Files, group admin and notification mutes (islands/chat/, client/group_admin.ts).
import { ChatFiles } from "./ChatFiles.tsx";
import { WordWarning } from "./WordWarning.tsx";
import { TypingLine } from "./TypingLine.tsx";
import { PresenceBadge } from "./PresenceBadge.tsx";
import { GroupBanner } from "./GroupBanner.tsx";
import { pinMessage } from "../../client/group_admin.ts";
import type { MessageHandlers } from "../../components/MessageExtras.tsx";
import type { AlertAction } from "../../components/AlertCard.tsx";
import { WarRoomBar } from "./WarRoomBar.tsx";

/**
 * The composer: a slash command acts on the conversation's alert when it is clear which one,
 * and otherwise says how to use it; anything else is sent. Resolves to the text to give back.
 */
async function compose(
  t: Translate,
  convId: string,
  text: string,
  say: (s: string | null) => void,
  replyTo?: number,
  extras?: SendExtras,
): Promise<string | void> {
  say(null);
  const cmd = parseCommand(text);
  if (!cmd) return send(convId, text, replyTo, extras);
  try {
    const target = commandTarget(cmd.kind, await conversationAlerts(convId));
    if ("none" in target) {
      say(t(cmd.kind === "reopen" ? "cmdNoneReopen" : "cmdNone", { cmd: cmd.word }));
      return text;
    }
    if ("many" in target) {
      say(t("cmdMany", { cmd: cmd.word, n: target.many }));
      return text;
    }
    await addAlertNote(target.alert.id, text.trim());
    say(t("cmdDone", { cmd: cmd.word, title: target.alert.title }));
  } catch (err) {
    say(t("cmdFailed", { cmd: cmd.word, error: (err as Error).message }));
    return text;
  }
}

/** A card's action; "warroom" opens the alert's war room (made on the first click) and goes there. */
async function cardAction(alertId: string, action: AlertAction): Promise<void> {
  if (action === "warroom") navigate(await openWarRoom(alertId, "card"));
  else await alertAction(alertId, action);
}

/** The open conversation: its header, its messages and the composer. */
export function ConversationPane(props: {
  t: Translate;
  lang: Lang;
  convId: string;
  myId: string;
  now: number;
  windows: ChatWindows;
  onInfo: () => void;
  onThread: (alertId: string) => void;
}) {
  const { t, lang, convId: current, myId } = props;
  const conv = convs.value[current];
  const manager = conv?.kind === "group" && (conv.role === "owner" || conv.role === "admin");
  const replying = useSignal<{ convId: string; message: Message } | null>(null);
  const reply = replying.value?.convId === current ? replying.value.message : null;
  const h = messageHandlers(
    current,
    props.windows,
    props.now,
    (m) => replying.value = m ? { convId: current, message: m } : null,
  );
  return (
    <>
      <PaneHeader t={t} lang={lang} convId={current} myId={myId} onInfo={props.onInfo} />
      {conv?.kind === "group" && (
        <GroupBanner t={t} lang={lang} convId={current} manager={manager} />
      )}
      {conv?.alertId && (
        <WarRoomBar
          t={t}
          lang={lang}
          alertId={conv.alertId}
          convId={current}
          now={props.now}
          userName={(u) => userName(u, current)}
          onAction={cardAction}
          onThread={props.onThread}
        />
      )}
      <MessageList
        t={t}
        lang={lang}
        convId={current}
        isGroup={conv?.kind === "group"}
        myId={myId}
        messages={messages.value[current] ?? []}
        pending={outbox.value.filter((p) => p.conversationId === current)}
        hasOlder={hasOlder.value[current] ?? false}
        receipts={receipts.value[current] ?? {}}
        memberIds={(members.value[current] ?? []).map((m) => m.userId)}
        alerts={alerts.value}
        hiddenAlerts={hiddenAlerts.value}
        now={props.now}
        userName={(u) => userName(u, current)}
        onLoadOlder={() => loadOlder(current)}
        onAtBottom={markOpenRead}
        onRetry={retry}
        onAlertAction={cardAction}
        onThread={props.onThread}
        h={manager ? { ...h, onPin: (seq) => pinMessage(current, seq).catch(() => {}) } : h}
        dividerAfter={dividerAfter.value[current]}
        focusSeq={focusSeq.value?.convId === current ? focusSeq.value.seq : null}
        onFocused={() => focusSeq.value = null}
      />
      <TypingLine t={t} convId={current} userName={(u) => userName(u, current)} />
      <WordWarning t={t} convId={current} />
      <ChatFiles t={t} convId={current} />
      <PaneComposer
        t={t}
        convId={current}
        myId={myId}
        manager={manager}
        reply={reply}
        onClearReply={() => replying.value = null}
      />
    </>
  );
}

/** The conversation's team (for @team, @oncall) and its own quick replies, once loaded. */
function useTeamInfo(convId: string): { teamId: string | null; items: string[] } | null {
  const teamInfo = useSignal<{ convId: string; teamId: string | null; items: string[] } | null>(
    null,
  );
  useEffect(() => {
    loadQuickReplies(convId).then((r) => {
      if (openId.value === convId) teamInfo.value = { convId, ...r };
    }, () => {});
  }, [convId]);
  return teamInfo.value?.convId === convId ? teamInfo.value : null;
}

/**
 * The composer of the open conversation: the reply it answers, whom "@" offers, the team's quick
 * replies (or the defaults), and a local hint about the last slash command.
 */
function PaneComposer(props: {
  t: Translate;
  convId: string;
  myId: string;
  manager: boolean;
  reply: Message | null;
  onClearReply: () => void;
}) {
  const { t, convId: current, reply } = props;
  /** A local note under the messages about the last thing typed (never sent). */
  const hint = useSignal<{ convId: string; text: string } | null>(null);
  const team = useTeamInfo(current);
  return (
    <Composer
      t={t}
      hint={hint.value?.convId === current ? hint.value.text : null}
      onSend={(text, extras) => {
        const replyTo = reply?.seq;
        props.onClearReply();
        return compose(
          t,
          current,
          text,
          (s) => hint.value = s === null ? null : { convId: current, text: s },
          replyTo,
          extras,
        );
      }}
      candidates={mentionCandidates(t, current, props.myId, props.manager, !!team?.teamId)}
      onMentionStart={() => ensureMembers(current)}
      allowBurn
      replying={reply
        ? { name: userName(reply.senderId, current), excerpt: reply.text.slice(0, 80) }
        : null}
      onCancelReply={props.onClearReply}
      quickReplies={team?.items.length
        ? team.items
        : [t("ch_qr_on_it"), t("ch_qr_looking"), t("ch_qr_done")]}
    />
  );
}

/** How long after sending a message its sender may edit and recall it (from the server's config). */
export interface ChatWindows {
  editMs: number;
  recallMs: number;
}

/** The message actions of one conversation, bound to the store. */
function messageHandlers(
  convId: string,
  windows: ChatWindows,
  now: number,
  setReply: (m: Message | null) => void,
): MessageHandlers {
  return {
    onReply: setReply,
    avatarOf: (u) => (members.value[convId] ?? []).find((m) => m.userId === u)?.user?.avatar,
    onJump: (seq) => jumpTo(convId, seq),
    onReact: (seq, emoji) => toggleReaction(convId, seq, emoji),
    onEdit: (seq, text) => editMessage(convId, seq, text, editedMentions(convId, seq, text)),
    onOpenBurn: (seq) => openBurn(convId, seq),
    onRecall: (seq) => recallMessage(convId, seq),
    onForward: (seq, to) => forwardMessage(convId, seq, to),
    forwardTargets: convList.value.filter((c) => c.id !== convId).map((c) => ({
      id: c.id,
      title: c.title || c.peer?.name || c.id,
    })),
    editMs: windows.editMs,
    recallMs: windows.recallMs,
    now,
  };
}

/**
 * Who "@" offers: the other members, then @all (group owners and admins), and @team and
 * @oncall in a team's conversation.
 */
function mentionCandidates(
  t: Translate,
  convId: string,
  myId: string,
  manager: boolean,
  isTeam: boolean,
): MentionCandidate[] {
  const people = (members.value[convId] ?? []).flatMap((m) =>
    m.user && m.userId !== myId ? [{ id: m.userId, label: m.user.name, detail: m.user.email }] : []
  );
  const specials: MentionCandidate[] = [];
  if (manager) specials.push({ id: "all", label: "all", detail: t("mn_all") });
  if (isTeam) {
    specials.push({ id: "team", label: "team", detail: t("mn_team") });
    specials.push({ id: "oncall", label: "oncall", detail: t("mn_oncall") });
  }
  return [...people, ...specials];
}

/**
 * The mentions of an edited text: the members whose "@name" it holds, and the special targets
 * the message had and still names.
 */
function editedMentions(convId: string, seq: number, text: string): string[] | undefined {
  // Without the members loaded nothing can be told: the message keeps its mentions.
  if (!members.value[convId]) return undefined;
  const ids = (members.value[convId] ?? []).flatMap((m) =>
    m.user && text.includes("@" + m.user.name) ? [m.userId] : []
  );
  const before = (messages.value[convId] ?? []).find((x) => x.seq === seq)?.mentions;
  if (before?.all && text.includes("@all")) ids.push("all");
  if (before?.team && text.includes("@team")) ids.push("team");
  if (before?.oncall && text.includes("@oncall")) ids.push("oncall");
  return ids;
}

/** Loads a group's members when they are not loaded yet. */
export function ensureMembers(convId: string): void {
  if (!members.value[convId]) loadMembers(convId);
}

/** The conversation's title, who is on call for it, its members, and the connection's state. */
function PaneHeader(
  props: { t: Translate; lang: Lang; convId: string; myId: string; onInfo: () => void },
) {
  const { t, lang, convId: current } = props;
  const conv = convs.value[current];
  const onCall = useSignal<OnCallNowItem[]>([]);
  useEffect(() => {
    onCall.value = [];
    if (conv?.kind === "group") {
      onCallForConversation(current).then((items) => {
        if (openId.value === current) onCall.value = items;
      }, () => {});
    }
  }, [current, conv?.kind]);
  return (
    <header class="chat-head">
      <a
        href="/"
        class="back"
        onClick={(e) => {
          e.preventDefault();
          history.pushState({}, "", "/");
          open(null);
        }}
      >
        ‹ {t("back")}
      </a>
      <h1 class="chat-title">{conv?.title ?? ""}</h1>
      {conv?.alertId && <span class="war-room-badge">{t("wr_badge")}</span>}
      {conv?.peer?.status && (
        <span class="chat-peer-status muted">{conv.peer.status.emoji} {conv.peer.status.text}</span>
      )}
      <PresenceBadge
        t={t}
        ids={conv?.peer ? [conv.peer.id] : (members.value[current] ?? []).map((m) => m.userId)}
        peerId={conv?.peer?.id ?? null}
        onCall={onCall.value.some((o) => o.userId && o.userId === conv?.peer?.id)}
      />
      <OnCallNow t={t} lang={lang} items={onCall.value} compact />
      <DingButton
        t={t}
        conversationId={current}
        myId={props.myId}
        messages={messages.value[current] ?? []}
        members={members.value[current] ?? []}
        userName={(u) => userName(u, current)}
        onNeedMembers={() => ensureMembers(current)}
      />
      <a
        class="chat-search"
        href={`/search?conversationId=${encodeURIComponent(current)}`}
        title={t("sr_inConversation")}
        aria-label={t("sr_inConversation")}
      >
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
          <circle cx="7" cy="7" r="5" fill="none" stroke="currentColor" stroke-width="2" />
          <path d="M11 11l4 4" stroke="currentColor" stroke-width="2" />
        </svg>
      </a>
      {conv?.kind === "group" && (
        <button type="button" class="linkish" onClick={props.onInfo}>
          {t("info")} · {conv.memberCount}
        </button>
      )}
      <span class={`dot ${status.value}`} title={`${status.value} (${transport.value})`} />
    </header>
  );
}
