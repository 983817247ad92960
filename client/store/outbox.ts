/** My messages on their way: queued while offline, sent in order, retried when asked. */
import type { Message } from "../../lib/protocol.ts";
import { api, type HttpError, newClientId } from "../api.ts";
import { addMessages } from "./messages.ts";
import { live, outbox, type Pending, status } from "./state.ts";
import { errorText } from "../api_errors.ts";
import { t } from "../i18n.ts";
import { noteWordWarnings } from "../word_warning.ts";

/** Queues a message; it is sent now if connected, else as soon as the connection is back. */
export function send(
  conversationId: string,
  text: string,
  replyTo?: number,
  extras: { mentions?: string[]; burn?: boolean } = {},
): void {
  const p: Pending = {
    clientId: newClientId(),
    conversationId,
    text,
    createdAt: Date.now(),
    state: "queued",
    ...(replyTo ? { replyTo } : {}),
    ...(extras.mentions?.length ? { mentions: extras.mentions } : {}),
    ...(extras.burn ? { burn: true } : {}),
  };
  outbox.value = [...outbox.value, p];
  flushOutbox();
}

export function retry(clientId: string): void {
  outbox.value = outbox.value.map((p) => p.clientId === clientId ? { ...p, state: "queued" } : p);
  flushOutbox();
}

function setPending(clientId: string, patch: Partial<Pending>): void {
  outbox.value = outbox.value.map((p) => p.clientId === clientId ? { ...p, ...patch } : p);
}

/** The server stored a message of mine: it leaves the outbox and joins the list. */
export function applySent(clientId: string, message: Message): void {
  outbox.value = outbox.value.filter((p) => p.clientId !== clientId);
  addMessages(message.conversationId, [message]);
}

export function onSendError(clientId: string, code: string, message: string): void {
  if (code === "unavailable" || code === "rate_limited") {
    setPending(clientId, { state: "queued" });
    setTimeout(flushOutbox, 1000 + Math.random() * 1000);
  } else setPending(clientId, { state: "failed", error: errorText(t, { code, message }) });
}

/** Sends in flight on a dead socket go back to the queue; their clientId makes the resend safe. */
export function requeueSending(): void {
  outbox.value = outbox.value.map((p) => p.state === "sending" ? { ...p, state: "queued" } : p);
}

let flushing = false;
export async function flushOutbox(): Promise<void> {
  if (status.value !== "online" || flushing) return;
  flushing = true;
  try {
    for (const p of outbox.value.filter((x) => x.state === "queued")) {
      if (status.value !== "online") break;
      setPending(p.clientId, { state: "sending" });
      const extra = {
        ...(p.replyTo ? { replyTo: p.replyTo } : {}),
        ...(p.mentions ? { mentions: p.mentions } : {}),
        ...(p.burn ? { burn: true } : {}),
      };
      const frame = {
        type: "send",
        conversationId: p.conversationId,
        clientId: p.clientId,
        text: p.text,
        ...extra,
      };
      if (live.rt?.send(frame)) continue;
      try {
        const r = await api<{ message: Message; warnings?: string[] }>(
          "POST",
          `/api/v1/conversations/${p.conversationId}/messages`,
          { clientId: p.clientId, text: p.text, ...extra },
        );
        noteWordWarnings(p.conversationId, r.warnings);
        applySent(p.clientId, r.message);
      } catch (e) {
        const err = e as HttpError;
        if (err.retryable) onSendError(p.clientId, "unavailable", err.message);
        else setPending(p.clientId, { state: "failed", error: errorText(t, err) });
      }
    }
  } finally {
    flushing = false;
  }
}

/** Tells the conversation's other members that I am typing (socket, else HTTP). */
export function sendTyping(conversationId: string): void {
  if (live.rt?.send({ type: "typing", conversationId })) return;
  api("POST", `/api/v1/conversations/${conversationId}/typing`).catch(() => {});
}
