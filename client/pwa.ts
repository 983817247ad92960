/**
 * The installable app in the browser: registers the service worker (/sw.js), keeps the
 * browser's install prompt for a button to show, and subscribes this device to Web Push.
 */
import { signal } from "@preact/signals";

/** Chromium's install prompt event (not in the DOM types). */
export interface InstallPromptEvent extends Event {
  prompt(): Promise<void>;
  userChoice: Promise<{ outcome: "accepted" | "dismissed" }>;
}

/** The install prompt, once the browser offers one (null after it was used or when installed). */
export const installPrompt = signal<InstallPromptEvent | null>(null);

/** Registers the service worker and listens for the install prompt (once per page). */
export function startPwa(): void {
  if (typeof window === "undefined") return;
  globalThis.addEventListener("beforeinstallprompt", (e) => {
    e.preventDefault();
    installPrompt.value = e as InstallPromptEvent;
  });
  globalThis.addEventListener("appinstalled", () => installPrompt.value = null);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
  }
}

/** Whether this browser can take push subscriptions at all. */
export function pushSupported(): boolean {
  return typeof window !== "undefined" && "serviceWorker" in navigator &&
    "PushManager" in globalThis && "Notification" in globalThis;
}

/** Running as an installed app (home screen or app window). */
export function standalone(): boolean {
  return typeof window !== "undefined" &&
    (globalThis.matchMedia?.("(display-mode: standalone)").matches ||
      (navigator as { standalone?: boolean }).standalone === true);
}

/** An iPhone or iPad, where push needs the app on the home screen first. */
export function isIos(): boolean {
  return typeof navigator !== "undefined" && /iPad|iPhone|iPod/.test(navigator.userAgent);
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/**
 * Asks for permission (call it from a click) and subscribes this device with the server's
 * VAPID key. Returns the subscription to send to the server, or "denied".
 */
export async function subscribeThisDevice(
  publicKey: string,
): Promise<PushSubscriptionJSON | "denied"> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "denied";
  const reg = await navigator.serviceWorker.ready;
  const existing = await reg.pushManager.getSubscription();
  const sub = existing ?? await reg.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(publicKey),
  });
  return sub.toJSON();
}

/** A short name for this device, from the browser's own description of itself. */
export function deviceLabel(): string {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad|iPod/.test(ua)
    ? "iOS"
    : /Mac OS X/.test(ua)
    ? "macOS"
    : /Windows/.test(ua)
    ? "Windows"
    : /Linux/.test(ua)
    ? "Linux"
    : "";
  const browser = /Edg\//.test(ua)
    ? "Edge"
    : /Firefox\//.test(ua)
    ? "Firefox"
    : /Chrome\/|Chromium\//.test(ua)
    ? "Chrome"
    : /Safari\//.test(ua)
    ? "Safari"
    : "Browser";
  return os ? `${browser} on ${os}` : browser;
}
