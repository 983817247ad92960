/** Getting a person's attention: the sound and the system notification for new messages. */
import type { Message } from "../../lib/protocol.ts";
import { notifyMuted } from "../group_admin.ts";
import { t } from "../i18n.ts";
import { userName } from "./conversations.ts";
import { navigate } from "./messages.ts";
import { convs, notifyPermission, soundOn } from "./state.ts";

export function setSound(on: boolean): void {
  soundOn.value = on;
  try {
    localStorage.setItem("tocsin.sound", on ? "on" : "off");
  } catch {
    // storage blocked
  }
}

export async function enableNotifications(): Promise<void> {
  if (!("Notification" in globalThis)) return;
  notifyPermission.value = await Notification.requestPermission();
}

let audio: AudioContext | null = null;
function beep(): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // audio unavailable
  }
}

export function alertNewMessage(m: Message, paging = false, mention = false): void {
  if (!paging && document.visibilityState === "visible" && document.hasFocus()) return;
  // A conversation whose notifications I muted stays quiet (paging and mentions still ring).
  if (!paging && !mention && notifyMuted(m.conversationId)) return;
  if (soundOn.value) beep();
  if (notifyPermission.value !== "granted") return;
  const conv = convs.value[m.conversationId];
  const sender = userName(m.senderId, m.conversationId);
  try {
    const title = mention ? t("mn_marker") : t("newMessage", { name: sender });
    const n = new Notification(paging ? m.text : title, {
      body: paging
        ? (conv?.title ?? "")
        : (conv && conv.kind === "group" ? conv.title + ": " : "") + m.text.slice(0, 140),
      requireInteraction: paging,
      tag: m.conversationId,
    });
    n.onclick = () => {
      focus();
      navigate(m.conversationId);
      n.close();
    };
  } catch {
    // notifications unavailable
  }
}
