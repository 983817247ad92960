/**
 * The authorization matrix (fault suite T14). The route list is read from the Hono router:
 * a route without a row in POLICY fails the test. Every route is then called as anonymous, as
 * an outsider, as a removed member, with an integration token, and (for admin routes) as a
 * member; statuses are asserted and answers may never contain the other team's content.
 */
import assert from "node:assert/strict";
import { adminClient, Client, startServer, userClient } from "./_helpers.ts";
import { upload } from "./_files.ts";

type Policy =
  | "public" // no login: setup, login, health, static files
  | "token" // its own credential: webhooks, acknowledge links, the iCal feed
  | "page" // server-rendered pages (redirect to login)
  | "user" // any logged-in user, no resource
  | "admin" // admins only
  | "conv" // a conversation: members only, others 404
  | "team" // a team: its members (and admins), others 404
  | "alert" // an alert: its team's members, others 404
  | "own"; // the caller's own records

const POLICY: Record<string, Policy> = {
  "GET /healthz": "public",
  "GET /readyz": "public",
  // Its own token or an address list (loopback here): tests/metrics_test.ts.
  "GET /metrics": "public",
  "GET /api/v1/system": "admin",
  "GET /api/v1/setup": "public",
  "POST /api/v1/setup": "public",
  "POST /api/v1/session": "public",
  "DELETE /api/v1/session": "public",
  // Single sign-on: what the login page offers, LDAP sign-in and the OpenID Connect round trip.
  "GET /api/v1/sso": "public",
  "POST /api/v1/sso/ldap/session": "public",
  "GET /auth/oidc/start": "public",
  "GET /auth/oidc/callback": "public",
  "GET /api/v1/sso/settings": "admin",
  "PUT /api/v1/sso/settings": "admin",
  "POST /api/v1/sso/ldap/sync": "admin",
  "PATCH /api/v1/me": "user",
  "GET /api/v1/me": "user",
  "POST /api/v1/me/password": "user",
  "GET /api/v1/users": "user",
  "POST /api/v1/users": "admin",
  "GET /api/v1/users/:id": "user",
  "PATCH /api/v1/users/:id": "admin",
  "GET /api/v1/users/:id/tokens": "admin",
  "GET /api/v1/users/:id/avatar": "user",
  "GET /api/v1/departments": "user",
  "POST /api/v1/departments": "admin",
  "PATCH /api/v1/departments/:id": "admin",
  "DELETE /api/v1/departments/:id": "admin",
  "GET /api/v1/directory": "user",
  "GET /api/v1/directory/:id": "user",
  "PUT /api/v1/directory/:id": "admin",
  "PATCH /api/v1/me/card": "user",
  "PUT /api/v1/me/contacts/:id/directory": "own",
  "PUT /api/v1/me/avatar": "user",
  "DELETE /api/v1/me/avatar": "user",
  "GET /api/v1/announcements/active": "user",
  "POST /api/v1/announcements/:id/ack": "user",
  "GET /api/v1/announcements": "admin",
  "POST /api/v1/announcements": "admin",
  "PUT /api/v1/announcements/:id": "admin",
  "DELETE /api/v1/announcements/:id": "admin",
  "GET /api/v1/announcements/:id/confirmations": "admin",
  "DELETE /api/v1/users/:id/tokens/:tokenId": "admin",
  "GET /api/v1/invitations": "admin",
  "POST /api/v1/invitations": "admin",
  "POST /api/v1/invitations/:id/resend": "admin",
  "DELETE /api/v1/invitations/:id": "admin",
  // The link is the credential (tests/account_links_test.ts).
  "POST /api/v1/invitations/peek": "public",
  "POST /api/v1/invitations/accept": "public",
  "POST /api/v1/password-reset": "public",
  "POST /api/v1/password-reset/confirm": "public",
  "GET /api/v1/signup": "public",
  "POST /api/v1/signup": "public",
  "POST /api/v1/signup/complete": "public",
  "GET /api/v1/signup-settings": "admin",
  "PUT /api/v1/signup-settings": "admin",
  "GET /api/v1/scim-tokens": "admin",
  "POST /api/v1/scim-tokens": "admin",
  "DELETE /api/v1/scim-tokens/:id": "admin",
  "POST /api/v1/user-import": "admin",
  // SCIM: its own bearer token only (tests/scim_test.ts).
  "GET /scim/v2/ServiceProviderConfig": "token",
  "GET /scim/v2/ResourceTypes": "token",
  "GET /scim/v2/ResourceTypes/:name": "token",
  "GET /scim/v2/Schemas": "token",
  "GET /scim/v2/Schemas/:id": "token",
  "GET /scim/v2/Users": "token",
  "GET /scim/v2/Users/:id": "token",
  "POST /scim/v2/Users": "token",
  "PUT /scim/v2/Users/:id": "token",
  "PATCH /scim/v2/Users/:id": "token",
  "DELETE /scim/v2/Users/:id": "token",
  "GET /scim/v2/Groups": "token",
  "GET /scim/v2/Groups/:id": "token",
  "POST /scim/v2/Groups": "token",
  "PUT /scim/v2/Groups/:id": "token",
  "PATCH /scim/v2/Groups/:id": "token",
  "DELETE /scim/v2/Groups/:id": "token",
  "GET /api/v1/tokens": "user",
  "POST /api/v1/tokens": "user",
  "DELETE /api/v1/tokens/:id": "own",
  "GET /api/v1/teams": "user",
  "POST /api/v1/teams": "admin",
  "GET /api/v1/teams/:id": "team",
  "PATCH /api/v1/teams/:id": "team",
  "POST /api/v1/teams/:id/archive": "admin",
  "POST /api/v1/teams/:id/unarchive": "admin",
  "POST /api/v1/teams/:id/members": "team",
  "PATCH /api/v1/teams/:id/members/:userId": "team",
  "DELETE /api/v1/teams/:id/members/:userId": "team",
  "GET /api/v1/conversations": "user",
  "POST /api/v1/conversations": "user",
  "GET /api/v1/conversations/:id": "conv",
  "PATCH /api/v1/conversations/:id": "conv",
  "GET /api/v1/conversations/:id/members": "conv",
  "POST /api/v1/conversations/:id/members": "conv",
  "PATCH /api/v1/conversations/:id/members/:userId": "conv",
  "DELETE /api/v1/conversations/:id/members/:userId": "conv",
  "POST /api/v1/conversations/:id/leave": "conv",
  "GET /api/v1/conversations/:id/messages": "conv",
  "POST /api/v1/conversations/:id/messages": "conv",
  "PATCH /api/v1/conversations/:id/messages/:seq": "conv",
  "DELETE /api/v1/conversations/:id/messages/:seq": "conv",
  "POST /api/v1/conversations/:id/messages/:seq/reactions": "conv",
  "POST /api/v1/conversations/:id/messages/:seq/forward": "conv",
  "GET /api/v1/conversations/:id/messages/:seq/versions": "conv",
  "POST /api/v1/conversations/:id/read": "conv",
  "GET /api/v1/conversations/:id/receipts": "conv",
  "ALL /api/v1/conversations/:id/*": "conv",
  "POST /api/v1/conversations/:id/uploads": "conv",
  "PUT /api/v1/uploads/:id/chunks/:n": "own",
  "POST /api/v1/uploads/:id/commit": "own",
  "DELETE /api/v1/uploads/:id": "own",
  "GET /api/v1/files/:id": "conv",
  "GET /api/v1/conversations/:id/admin": "conv",
  "PUT /api/v1/conversations/:id/mute": "conv",
  "PUT /api/v1/conversations/:id/members/:userId/mute": "conv",
  "POST /api/v1/conversations/:id/pins": "conv",
  "DELETE /api/v1/conversations/:id/pins/:seq": "conv",
  "PUT /api/v1/conversations/:id/announcement": "conv",
  "DELETE /api/v1/conversations/:id/announcement": "conv",
  "PUT /api/v1/conversations/:id/notify-mute": "conv",
  "GET /api/v1/me/notify-mutes": "user",
  "GET /api/v1/me/mentions": "user",
  "POST /api/v1/conversations/:id/messages/:seq/open": "conv",
  "GET /api/v1/conversations/:id/quick-replies": "conv",
  "GET /api/v1/teams/:id/quick-replies": "team",
  "PUT /api/v1/teams/:id/quick-replies": "team",
  "POST /api/v1/conversations/:id/typing": "conv",
  "GET /api/v1/presence": "user",
  "GET /api/v1/sensitive-words": "admin",
  "POST /api/v1/sensitive-words": "admin",
  "DELETE /api/v1/sensitive-words/:id": "admin",
  "GET /api/v1/ws": "user",
  "POST /api/v1/integrations": "team",
  "GET /api/v1/integrations": "team",
  "GET /api/v1/integrations/:id": "team",
  "POST /api/v1/integrations/:id/token": "team",
  "DELETE /api/v1/integrations/:id": "team",
  "PATCH /api/v1/integrations/:id": "team",
  "POST /api/v1/integrations/:id/test": "team",
  "GET /api/v1/alerts/:id/raw": "alert",
  "POST /api/v1/alerts/bulk": "user",
  "GET /api/v1/alerts": "user",
  "GET /api/v1/alerts/:id": "alert",
  "POST /api/v1/alerts/:id/ack": "alert",
  "POST /api/v1/alerts/:id/resolve": "alert",
  "POST /api/v1/alerts/:id/reopen": "alert",
  "POST /api/v1/alerts/:id/notes": "alert",
  "POST /api/v1/alerts/:id/assign": "alert",
  "POST /api/v1/alerts/:id/priority": "alert",
  "POST /api/v1/alerts/:id/escalate": "alert",
  "POST /api/v1/alerts/:id/war-room": "alert",
  "GET /api/v1/alerts/:id/deliveries": "alert",
  "GET /api/v1/alerts/export": "user",
  "GET /api/v1/alerts/:id/timeline/export": "alert",
  "GET /api/v1/alerts/:id/deliveries/export": "alert",
  "GET /api/v1/audit": "admin",
  "GET /api/v1/audit/verify": "admin",
  "GET /api/v1/audit/export": "admin",
  "GET /api/v1/me/sessions": "user",
  "DELETE /api/v1/me/sessions/:id": "own",
  "GET /api/v1/schedules/:id/ical": "token",
  "POST /api/v1/schedules": "team",
  "GET /api/v1/schedules": "team",
  "GET /api/v1/schedules/:id": "team",
  "GET /api/v1/schedules/:id/oncall": "team",
  "GET /api/v1/schedules/:id/shifts": "team",
  "POST /api/v1/schedules/:id/overrides": "team",
  "PUT /api/v1/schedules/:id": "team",
  "DELETE /api/v1/schedules/:id": "team",
  "DELETE /api/v1/schedules/:id/overrides/:overrideId": "team",
  "POST /api/v1/escalation-policies": "team",
  "GET /api/v1/escalation-policies": "team",
  "GET /api/v1/escalation-policies/:id": "team",
  "PUT /api/v1/escalation-policies/:id": "team",
  "DELETE /api/v1/escalation-policies/:id": "team",
  "GET /api/v1/escalation-policies/:id/preview": "team",
  "GET /api/v1/teams/:id/oncall": "team",
  "POST /api/v1/automation-rules": "team",
  "GET /api/v1/automation-rules": "team",
  "GET /api/v1/automation-rules/:id": "team",
  "PUT /api/v1/automation-rules/:id": "team",
  "PUT /api/v1/automation-rules/:id/enabled": "team",
  "DELETE /api/v1/automation-rules/:id": "team",
  "PUT /api/v1/teams/:id/escalation-policy": "team",
  "GET /api/v1/teams/:id/routing": "team",
  "PUT /api/v1/teams/:id/routing": "team",
  "POST /api/v1/teams/:id/routing/dry-run": "team",
  "GET /api/v1/settings/reminders": "user",
  "GET /api/v1/admin/dead-letters": "admin",
  "POST /api/v1/admin/dead-letters/:id/retry": "admin",
  "DELETE /api/v1/admin/dead-letters/:id": "admin",
  "PUT /api/v1/settings/reminders": "admin",
  "GET /api/v1/me/contacts": "user",
  "POST /api/v1/me/contacts": "user",
  "POST /api/v1/me/contacts/:id/verify": "own",
  "DELETE /api/v1/me/contacts/:id": "own",
  "GET /api/v1/push/key": "user",
  "GET /api/v1/me/push-devices": "user",
  "POST /api/v1/me/push-devices": "user",
  "DELETE /api/v1/me/push-devices/:id": "own",
  "POST /api/v1/conversations/:id/dings": "conv",
  "GET /api/v1/conversations/:id/dings": "conv",
  "GET /api/v1/me/dings": "user",
  "GET /api/v1/dings/:id": "own",
  "POST /api/v1/dings/:id/confirm": "own",
  "POST /api/v1/dings/:id/again": "own",
  "GET /ding/:token": "token",
  "POST /ding/:token": "token",
  "GET /api/v1/me/notification-rules": "user",
  "PUT /api/v1/me/notification-rules": "user",
  "GET /api/v1/me/deliveries": "user",
  "POST /api/v1/robots": "team",
  "GET /api/v1/robots": "team",
  "PUT /api/v1/robots/:id": "team",
  "POST /api/v1/robots/:id/test": "team",
  "DELETE /api/v1/robots/:id": "team",
  "GET /api/v1/event-webhooks": "team",
  "POST /api/v1/event-webhooks": "team",
  "GET /api/v1/event-webhooks/:id": "team",
  "PATCH /api/v1/event-webhooks/:id": "team",
  "DELETE /api/v1/event-webhooks/:id": "team",
  "POST /api/v1/event-webhooks/:id/secret": "team",
  "POST /api/v1/event-webhooks/:id/test": "team",
  "GET /api/v1/event-webhooks/:id/deliveries": "team",
  "GET /api/v1/openapi.json": "public",
  "GET /api/v1/templates": "admin",
  "PUT /api/v1/templates/:channel/:lang": "admin",
  "DELETE /api/v1/templates/:channel/:lang": "admin",
  "POST /api/v1/templates/preview": "admin",
  "GET /api/v1/providers": "admin",
  "POST /api/v1/providers": "admin",
  "POST /api/v1/providers/reorder": "admin",
  "PUT /api/v1/providers/:id": "admin",
  "POST /api/v1/providers/:id/test": "admin",
  "DELETE /api/v1/providers/:id": "admin",
  "POST /api/v1/silences": "team",
  "GET /api/v1/silences": "team",
  "GET /api/v1/silences/:id": "team",
  "PUT /api/v1/silences/:id": "team",
  "POST /api/v1/silences/:id/expire": "team",
  "DELETE /api/v1/silences/:id": "team",
  "GET /api/v1/search": "user",
  // The same hits as the search (tests/export_more_test.ts: an outsider's export holds none).
  "GET /api/v1/search/export": "user",
  "POST /api/v1/heartbeats": "team",
  "GET /api/v1/heartbeats": "team",
  "GET /api/v1/heartbeats/:id": "team",
  "PATCH /api/v1/heartbeats/:id": "team",
  "POST /api/v1/heartbeats/:id/token": "team",
  "DELETE /api/v1/heartbeats/:id": "team",
  // With ?team= (a member of another team gets 404); without it, admins only (tests/reports_test.ts).
  "GET /api/v1/reports": "team",
  "GET /api/v1/reports/export": "team",
  "GET /ping/:id": "token",
  "POST /ping/:id": "token",
  "GET /ack/:token": "token",
  "POST /ack/:token": "token",
  "GET /api/v1/events": "user",
  "GET /api/v1/poll": "user",
  "POST /hooks/:id": "token",
  "PUT /hooks/:id": "token",
  "POST /v2/enqueue": "token",
  "GET /static/build/:id/:file": "public",
  "GET /favicon.ico": "public",
  "GET /manifest.webmanifest": "public",
  "GET /sw.js": "public",
  "GET /offline": "public",
  "GET /": "page",
  "GET /c/:id": "page",
  "GET /login": "public",
  "GET /setup": "public",
  "GET /admin/users": "page",
  "GET /invite": "public",
  "GET /reset": "public",
  "GET /forgot": "public",
  "GET /register": "public",
  "GET /admin/teams": "page",
  "GET /oncall": "page",
  "GET /admin/notifications": "page",
  "GET /admin/system": "page",
  "GET /integrations": "page",
  "GET /alerts": "page",
  "GET /alerts/:id": "page",
  "GET /rules": "page",
  "GET /silences": "page",
  "GET /reports": "page",
  "GET /profile": "page",
  "GET /directory": "page",
  "GET /admin/announcements": "page",
  "GET /webhooks": "page",
  "GET /api-docs": "page",
  "GET /search": "page",
  "GET /admin/words": "page",
  "GET /admin/sso": "page",
  "GET /admin/audit": "page",
};

/** Middleware mounts (Hono lists them as routes too). */
const MIDDLEWARE = new Set(["ALL /*", "ALL /api/*", "ALL /api/v1/*", "ALL /hooks/:id"]);
const isMiddleware = (k: string) => MIDDLEWARE.has(k) || /^ALL .*\/\*$/.test(k) && !(k in POLICY);

Deno.test("authz - every route has a policy; anonymous, outsiders, removed members and tokens are refused", async () => {
  await using srv = await startServer({
    config: { sendRatePerSec: 0, loginMaxAttemptsPerIp: 10_000 },
  });
  const { client: admin, user: adminUser } = await adminClient(srv);
  const member = await userClient(srv, "Member");
  const outsider = await userClient(srv, "Outsider");
  const removed = await userClient(srv, "Removed");
  // Everything the outsider probes belongs to a team they are not in, and says "secret".
  const team = (await admin.post("/api/v1/teams", {
    name: "secret-team",
    memberIds: [member.user.id, removed.user.id],
    adminIds: [adminUser.id],
  })).json.team;
  const integration = (await admin.post("/api/v1/integrations", {
    name: "secret-int",
    type: "text",
    teamId: team.id,
  }))
    .json;
  const hook = await fetch(`${srv.url}/hooks/${integration.integration.id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${integration.token}`, title: "secret-alert" },
    body: "secret-alert body",
  });
  const alertId = (await hook.json()).alerts[0].alertId;
  const conv = (await admin.post("/api/v1/conversations", {
    kind: "group",
    title: "secret-room",
    memberIds: [member.user.id, removed.user.id],
  })).json.conversation;
  await admin.post(`/api/v1/conversations/${conv.id}/messages`, {
    clientId: "s",
    text: "secret-message",
  });
  // A file in the conversation, and an upload in progress, for the file routes.
  const file = await upload(admin, conv.id, new TextEncoder().encode("secret-file"), {
    name: "secret-file.txt",
    type: "text/plain",
  });
  const pendingUpload = await upload(admin, conv.id, new Uint8Array(5), { commit: false });
  await admin.delete(`/api/v1/conversations/${conv.id}/members/${removed.user.id}`);
  await admin.delete(`/api/v1/teams/${team.id}/members/${removed.user.id}`);
  const schedule = (await admin.post("/api/v1/schedules", {
    name: "secret-schedule",
    teamId: team.id,
    timeZone: "UTC",
    layers: [{
      name: "l",
      participants: [member.user.id],
      rotation: "daily",
      startDate: "2026-11-01",
    }],
  })).json.schedule;
  const policy = (await admin.post("/api/v1/escalation-policies", {
    name: "secret-policy",
    teamId: team.id,
    levels: [{ delayMinutes: 5, targets: [{ type: "user", id: member.user.id }] }],
  })).json.policy;
  const rule = (await admin.post("/api/v1/automation-rules", {
    name: "secret-rule",
    teamId: team.id,
    when: { unacknowledgedForMinutes: 5 },
    actions: [{ type: "priority", priority: "high" }],
  })).json.rule;
  const token = (await admin.post("/api/v1/tokens", { name: "t" })).json;
  const eventWebhook = (await admin.post("/api/v1/event-webhooks", {
    name: "secret-webhook",
    teamId: team.id,
    url: "https://hooks.example.com/secret-events",
    events: ["alert.triggered"],
  })).json.webhook;
  const silence = (await admin.post("/api/v1/silences", {
    teamId: team.id,
    matchers: `{service="secret-service"}`,
    endsAt: Date.now() + 3_600_000,
    comment: "secret-silence",
  })).json.silence;
  const heartbeat = (await admin.post("/api/v1/heartbeats", {
    teamId: team.id,
    name: "secret-heartbeat",
    intervalSeconds: 3600,
    graceSeconds: 60,
  })).json.heartbeat;

  const params: Record<string, string> = {
    conversations: conv.id,
    teams: team.id,
    alerts: alertId,
    integrations: integration.integration.id,
    schedules: schedule.id,
    "escalation-policies": policy.id,
    "automation-rules": rule.id,
    silences: silence.id,
    heartbeats: heartbeat.id,
    users: member.user.id,
    tokens: token.apiToken.id,
    robots: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "event-webhooks": eventWebhook.id,
    providers: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    contacts: "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    files: file.id!,
    uploads: pendingUpload.id!,
    sessions: (await admin.get("/api/v1/me/sessions")).json.items[0].id,
  };
  const fill = (path: string) =>
    path.replace(
      /\/([\w-]+)\/:id/g,
      (_, seg) => `/${seg}/${params[seg] ?? "01ARZ3NDEKTSV4RRFFQ69G5FAV"}`,
    )
      .replace(":userId", member.user.id).replace(":overrideId", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
      .replace(":seq", "1").replace(":n", "0").replace(":channel", "sms").replace(":lang", "en")
      .replace(":token", "bad.token").replace(":file", "boot.js").replace(":id", conv.id).replace(
        "/*",
        "/x",
      );
  const query = (path: string) =>
    path.endsWith("/integrations") || path.endsWith("/schedules") ||
      path.endsWith("/escalation-policies") ||
      path.endsWith("/automation-rules") || path.endsWith("/robots") ||
      path.endsWith("/event-webhooks") || path.endsWith("/silences") ||
      path.endsWith("/heartbeats")
      ? `?teamId=${team.id}`
      : path.endsWith("/reports")
      ? `?team=${team.id}`
      : path.endsWith("/reports/export")
      ? `?team=${team.id}&table=titles`
      : "";
  /** A valid body per route, so that authorization (not validation) decides the answer. */
  const valid: Record<string, unknown> = {
    "PATCH /api/v1/teams/:id": { name: "renamed" },
    "POST /api/v1/conversations/:id/dings": { seq: 2, userIds: [member.user.id], mode: "app" },
    "POST /api/v1/teams/:id/members": { userIds: [member.user.id] },
    "PATCH /api/v1/teams/:id/members/:userId": { role: "member" },
    "PATCH /api/v1/conversations/:id": { title: "renamed" },
    "POST /api/v1/conversations/:id/members": { userIds: [member.user.id] },
    "PATCH /api/v1/conversations/:id/members/:userId": { role: "member" },
    "POST /api/v1/conversations/:id/messages": { clientId: "x1", text: "hello" },
    "POST /api/v1/conversations/:id/read": { seq: 1 },
    "PATCH /api/v1/conversations/:id/messages/:seq": { text: "edited" },
    "POST /api/v1/conversations/:id/messages/:seq/reactions": { emoji: "👍" },
    "POST /api/v1/conversations/:id/messages/:seq/forward": {
      conversationId: conv.id,
      clientId: "fw1",
    },
    "POST /api/v1/conversations/:id/uploads": { name: "a.png", type: "image/png", size: 5 },
    "POST /api/v1/uploads/:id/commit": { clientId: "x2" },
    "PUT /api/v1/conversations/:id/mute": { until: null },
    "PUT /api/v1/conversations/:id/members/:userId/mute": { until: null },
    "POST /api/v1/conversations/:id/pins": { seq: 2 },
    "PUT /api/v1/conversations/:id/announcement": { text: "x", until: Date.now() + 3_600_000 },
    "PUT /api/v1/conversations/:id/notify-mute": { muted: true },
    "PUT /api/v1/teams/:id/quick-replies": { items: ["On it"] },
    "POST /api/v1/sensitive-words": { pattern: "x", kind: "word", action: "warn" },
    "POST /api/v1/alerts/:id/notes": { text: "a note" },
    "POST /api/v1/alerts/:id/assign": { userId: null },
    "POST /api/v1/alerts/:id/priority": { priority: "low" },
    "POST /api/v1/schedules/:id/overrides": {
      userId: member.user.id,
      start: "2026-12-01T00:00:00Z",
      end: "2026-12-01T08:00:00Z",
    },
    "PUT /api/v1/teams/:id/escalation-policy": { policyId: null },
    "PUT /api/v1/schedules/:id": {
      name: "x",
      timeZone: "UTC",
      layers: [{
        name: "l",
        participants: [member.user.id],
        rotation: "daily",
        startDate: "2026-11-01",
      }],
    },
    "PUT /api/v1/escalation-policies/:id": {
      name: "x",
      levels: [{ delayMinutes: 1, targets: [{ type: "user", id: member.user.id }] }],
    },
    "PUT /api/v1/teams/:id/routing": { routes: [] },
    "POST /api/v1/teams/:id/routing/dry-run": {
      integrationId: integration.integration.id,
      body: "x",
    },
    "POST /api/v1/integrations": { name: "x", type: "text", teamId: team.id },
    "PATCH /api/v1/integrations/:id": { disabled: true },
    "POST /api/v1/alerts/bulk": { action: "ack", ids: [alertId] },
    "POST /api/v1/schedules": {
      name: "x",
      teamId: team.id,
      timeZone: "UTC",
      layers: [{
        name: "l",
        participants: [member.user.id],
        rotation: "daily",
        startDate: "2026-11-01",
      }],
    },
    "POST /api/v1/escalation-policies": {
      name: "x",
      teamId: team.id,
      levels: [{ delayMinutes: 1, targets: [{ type: "user", id: member.user.id }] }],
    },
    "POST /api/v1/automation-rules": {
      name: "x",
      teamId: team.id,
      when: { unacknowledgedForMinutes: 1 },
      actions: [{ type: "priority", priority: "low" }],
    },
    "PUT /api/v1/automation-rules/:id": {
      name: "x",
      teamId: team.id,
      when: { unacknowledgedForMinutes: 1 },
      actions: [{ type: "priority", priority: "low" }],
    },
    "PUT /api/v1/automation-rules/:id/enabled": { enabled: false },
    "PUT /api/v1/robots/:id": { name: "x", kind: "slack" },
    "PATCH /api/v1/event-webhooks/:id": { name: "x" },
    "POST /api/v1/event-webhooks": {
      name: "x",
      teamId: team.id,
      url: "https://hooks.example.com/x",
      events: ["alert.resolved"],
    },
    "POST /api/v1/silences": {
      teamId: team.id,
      matchers: `{a="b"}`,
      endsAt: Date.now() + 3_600_000,
      comment: "x",
    },
    "PUT /api/v1/silences/:id": {
      matchers: `{a="b"}`,
      endsAt: Date.now() + 3_600_000,
      comment: "x",
    },
    "POST /api/v1/heartbeats": {
      teamId: team.id,
      name: "x",
      intervalSeconds: 60,
      graceSeconds: 0,
    },
    "PATCH /api/v1/heartbeats/:id": { name: "y" },
    "POST /api/v1/providers/:id/test": { channel: "email", to: "a@example.com" },
    "POST /api/v1/providers/reorder": { ids: [] },
    "POST /api/v1/invitations": { email: "invitee@example.com" },
    "PUT /api/v1/signup-settings": { enabled: false, domains: [] },
    "POST /api/v1/scim-tokens": { name: "idp" },
    "POST /api/v1/user-import": { csv: "email,name\nx@example.com,X" },
    "POST /api/v1/robots": {
      name: "x",
      teamId: team.id,
      kind: "slack",
      url: "https://hooks.example.com/x",
    },
  };
  const body = (key: string): unknown => valid[key] ?? {};

  const seen = new Set<string>();
  const missing: string[] = [];
  for (const r of srv.app.routes) {
    const k = `${r.method} ${r.path}`;
    if (seen.has(k) || isMiddleware(k)) continue;
    seen.add(k);
    if (!(k in POLICY)) missing.push(k);
  }
  assert.deepEqual(missing, [], "routes without a row in the policy table");

  const anon = new Client(srv.url);
  const integrationToken = new Client(srv.url, integration.token, null);
  const problems: string[] = [];
  const call = async (who: Client, method: string, path: string) => {
    const m = method === "ALL" ? "GET" : method;
    const p = fill(path) + (m === "GET" ? query(path) : "");
    return await who.request(
      m,
      p,
      m === "GET" || m === "DELETE" ? undefined : body(`${method} ${path}`),
      {},
    );
  };
  for (const k of seen) {
    const [method, path] = k.split(" ");
    const pol = POLICY[k];
    if (pol === "public" || pol === "page" || path === "/api/v1/ws") continue;
    if (pol === "token") {
      const r = await call(anon, method, path);
      if (r.status < 400 || r.status >= 500) problems.push(`${k} anonymous: ${r.status}`);
      continue;
    }
    for (
      const [who, c] of [["anonymous", anon], ["integration token", integrationToken]] as const
    ) {
      const r = await call(c, method, path);
      if (r.status !== 401) problems.push(`${k} ${who}: ${r.status}, want 401`);
    }
    if (pol === "admin") {
      const r = await call(member.client, method, path);
      if (r.status !== 403) problems.push(`${k} member: ${r.status}, want 403`);
    }
    if (["conv", "team", "alert"].includes(pol)) {
      for (
        const [who, c] of [["outsider", outsider.client], [
          "removed member",
          removed.client,
        ]] as const
      ) {
        const r = await call(c, method, path);
        if (r.status !== 404 && r.status !== 403) {
          problems.push(`${k} ${who}: ${r.status}, want 404`);
        }
        if (JSON.stringify(r.json).includes("secret-")) {
          problems.push(`${k} ${who}: foreign content in the answer`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
  // Lists show nothing of the other team to outsiders.
  for (
    const p of [
      "/api/v1/alerts",
      "/api/v1/conversations",
      "/api/v1/teams",
      `/api/v1/alerts?teamId=${team.id}`,
      "/api/v1/search/export?q=secret",
    ]
  ) {
    const r = await outsider.client.get(p);
    assert.equal(JSON.stringify(r.json).includes("secret-"), false, p);
  }
});
