/**
 * The service worker (served at /sw.js, scope /). It keeps the app shell (the offline page and
 * the build's immutable static files) for when the network is gone, and never caches anything
 * private: API answers, pages and sockets always go to the network. It shows Web Push
 * notifications and acts on their clicks: open the alert, or acknowledge it through the signed
 * single-use link the notification carries (no session needed, so it works with the app closed).
 */

// The worker's global scope, typed by hand: the DOM library the rest of the client is checked
// with has no service worker types, and the two cannot be mixed in one program.
interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(r: Promise<Response> | Response): void;
}
interface PushEvent extends ExtendableEvent {
  data: { json(): unknown } | null;
}
interface SwNotification {
  data: unknown;
  close(): void;
}
interface NotificationClickEvent extends ExtendableEvent {
  notification: SwNotification;
  action: string;
}
interface WindowClient {
  url: string;
  focus(): Promise<unknown>;
  navigate(url: string): Promise<unknown>;
}
interface Scope {
  location: Location;
  registration: {
    showNotification(title: string, opts: Record<string, unknown>): Promise<void>;
  };
  clients: {
    claim(): Promise<void>;
    matchAll(o: { type: "window"; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<unknown>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: string, fn: (e: never) => void): void;
}
const sw = globalThis as unknown as Scope;

/** The build this worker came with (the server writes it in front of the bundle). */
const BUILD = (globalThis as { TOCSIN_BUILD?: string }).TOCSIN_BUILD ?? "dev";
const CACHE = `tocsin-shell-${BUILD}`;
const SHELL = ["/offline", `/static/build/${BUILD}/app.css`, `/static/build/${BUILD}/favicon.svg`];

sw.addEventListener("install", (e: ExtendableEvent) => {
  e.waitUntil(
    caches.open(CACHE)
      .then((c) =>
        Promise.all(SHELL.map(async (u) => {
          const res = await fetch(u, { credentials: "omit" });
          if (res.ok) await c.put(u, res);
        }))
      )
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (e: ExtendableEvent) => {
  e.waitUntil(
    caches.keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith("tocsin-shell-") && n !== CACHE).map((n) =>
            caches.delete(n)
          ),
        )
      )
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener("fetch", (e: FetchEvent) => {
  const req = e.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  if (url.pathname.startsWith("/static/build/")) {
    // Immutable, public files: from the cache when there, else the network (and kept).
    e.respondWith(
      caches.match(req).then((hit) =>
        hit ?? fetch(req).then((res) => {
          if (res.ok) {
            const copy = res.clone();
            caches.open(CACHE).then((c) => c.put(req, copy));
          }
          return res;
        })
      ),
    );
    return;
  }
  if (req.mode === "navigate") {
    // Pages carry private data: never cached; the offline page stands in when there is no network.
    e.respondWith(
      fetch(req).catch(async () =>
        (await caches.match("/offline")) ?? new Response("offline", { status: 503 })
      ),
    );
  }
  // Everything else (API, sockets, events) goes to the network untouched.
});

/** What the server pushes (lib/notify/push.ts PushPayload). */
interface Payload {
  title?: string;
  body?: string;
  url?: string;
  ackUrl?: string;
  action?: "ack" | "confirm";
  tag?: string;
  priority?: string;
  requireInteraction?: boolean;
}

sw.addEventListener("push", (e: PushEvent) => {
  let p: Payload = {};
  try {
    p = (e.data?.json() ?? {}) as Payload;
  } catch {
    p = {};
  }
  const zh = (navigator.language || "").toLowerCase().startsWith("zh");
  e.waitUntil(sw.registration.showNotification(p.title || "Tocsin", {
    body: p.body ?? "",
    tag: p.tag,
    renotify: Boolean(p.tag),
    requireInteraction: Boolean(p.requireInteraction),
    icon: `/static/build/${BUILD}/icon-192.png`,
    badge: `/static/build/${BUILD}/icon-192.png`,
    data: { url: p.url ?? "/", ackUrl: p.ackUrl ?? "" },
    actions: p.ackUrl
      ? [{
        action: "ack",
        title: p.action === "confirm"
          ? (zh ? "确认收到" : "Confirm")
          : (zh ? "确认" : "Acknowledge"),
      }]
      : [],
  }));
});

/**
 * Shows `path` in a window of this app: the one already on it, else an open one taken there
 * (navigating a window needs no click; focusing one may be refused, which is harmless), else a
 * new one.
 */
async function openOn(path: string): Promise<void> {
  const target = new URL(path, sw.location.origin).href;
  const wins = await sw.clients.matchAll({ type: "window", includeUncontrolled: false });
  const exact = wins.find((w) => w.url === target);
  if (exact) {
    await exact.focus().catch(() => {});
    return;
  }
  for (const w of wins) {
    const moved = await w.navigate(target).then(() => true, () => false);
    if (moved) {
      await w.focus().catch(() => {});
      return;
    }
  }
  await sw.clients.openWindow(target);
}

sw.addEventListener("notificationclick", (e: NotificationClickEvent) => {
  const data = (e.notification.data ?? {}) as { url?: string; ackUrl?: string };
  e.notification.close();
  const path = data.url && data.url.startsWith("/") ? data.url : "/";
  if (e.action === "ack" && data.ackUrl) {
    const zh = (navigator.language || "").toLowerCase().startsWith("zh");
    // The link's path on this origin (the link may name another spelling of the same server).
    const ack = new URL(data.ackUrl, sw.location.origin).pathname;
    e.waitUntil(
      fetch(ack, { method: "POST", credentials: "omit" }).then((res) =>
        sw.registration.showNotification(
          res.ok
            ? (zh ? "已确认" : "Done")
            : (zh ? "未能确认，打开告警" : "Not acknowledged: open the alert"),
          { tag: "ack-result", data: { url: path }, body: "" },
        )
      ).catch(() => openOn(path)),
    );
    return;
  }
  e.waitUntil(openOn(path));
});
