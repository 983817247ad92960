/**
 * Integration test with the real Prometheus Alertmanager (Debian package
 * prometheus-alertmanager), started on loopback with a generated config that
 * points its webhook receiver at a real Tocsin server.
 */
import assert from "node:assert/strict";
import { adminClient, sleep, startServer } from "./_helpers.ts";
import { freePort } from "./_process.ts";

const BINARY = "/usr/bin/prometheus-alertmanager";

async function waitFor<T>(what: string, fn: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== null) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test({
  name:
    "alertmanager (real) - groups arrive as one card each, resolve when they end, no duplicates",
  // Outside CI a machine without the package skips this; in CI (.ci/run installs it) it must run.
  ignore: !Deno.env.get("CI") && !(await Deno.stat(BINARY).then(() => true, () => false)),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using srv = await startServer();
    const { client: admin, user } = await adminClient(srv);
    const team =
      (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json.team;
    const created = await admin.post("/api/v1/integrations", {
      name: "prod alertmanager",
      type: "alertmanager",
      teamId: team.id,
    });
    const { integration, token } = created.json;

    const dir = await Deno.makeTempDir({ prefix: "tocsin-am-" });
    const amPort = freePort();
    await Deno.writeTextFile(
      `${dir}/alertmanager.yml`,
      `route:
  receiver: tocsin
  group_by: [alertname, cluster]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: tocsin
    webhook_configs:
      - url: ${srv.url}/hooks/${integration.id}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${token}
`,
    );
    const am = new Deno.Command(BINARY, {
      args: [
        `--config.file=${dir}/alertmanager.yml`,
        `--storage.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        "--cluster.listen-address=",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const amUrl = `http://127.0.0.1:${amPort}`;
      await waitFor("alertmanager to start", async () => {
        try {
          const r = await fetch(`${amUrl}/-/ready`);
          await r.body?.cancel();
          return r.ok ? true : null;
        } catch {
          return null;
        }
      });
      const startsAt = new Date().toISOString();
      const alerts = [
        {
          labels: {
            alertname: "HighErrorRate",
            cluster: "prod-sh",
            instance: "a",
            severity: "critical",
          },
        },
        {
          labels: {
            alertname: "HighErrorRate",
            cluster: "prod-sh",
            instance: "b",
            severity: "critical",
          },
        },
        {
          labels: {
            alertname: "DiskFull",
            cluster: "prod-bj",
            instance: "db-2",
            severity: "warning",
          },
        },
      ].map((a) => ({
        ...a,
        annotations: { summary: `${a.labels.alertname} on ${a.labels.instance}` },
        startsAt,
      }));
      const post = async (body: unknown) => {
        const r = await fetch(`${amUrl}/api/v2/alerts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        assert.equal(r.status, 200, await r.text());
      };
      await post(alerts);

      const list = async () =>
        (await admin.get("/api/v1/alerts")).json.items as {
          title: string;
          status: string;
          items: { status: string }[];
          priority: string;
        }[];
      const firing = await waitFor("two cards", async () => {
        const items = await list();
        return items.length === 2 && items.every((a) => a.items.length > 0) ? items : null;
      });
      const errorRate = firing.find((a) => a.title.startsWith("HighErrorRate"))!;
      assert.equal(errorRate.items.length, 2, "both instances on one card");
      assert.equal(errorRate.priority, "urgent");

      // End them: Alertmanager sends the resolved notifications.
      const endsAt = new Date().toISOString();
      await post(alerts.map((a) => ({ ...a, endsAt })));
      const resolved = await waitFor("both cards resolved", async () => {
        const items = await list();
        return items.every((a) => a.status === "resolved") ? items : null;
      });
      assert.equal(resolved.length, 2, "still two alerts: nothing duplicated");
      const conv = (await admin.get(`/api/v1/teams/${team.id}`)).json.team.conversationId;
      const history =
        (await admin.get(`/api/v1/conversations/${conv}/messages?after=0`)).json.items;
      assert.equal(
        history.filter((m: { kind: string }) => m.kind === "alert").length,
        2,
        "two cards",
      );
    } finally {
      am.kill("SIGTERM");
      await am.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
