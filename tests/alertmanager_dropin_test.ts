/**
 * The real Alertmanager delivering to Tocsin the ways teams already have it configured:
 * `pagerduty_configs` with `url:` at Tocsin's /v2/enqueue, and a webhook with `basic_auth`.
 */
import assert from "node:assert/strict";
import { adminClient, startServer } from "./_helpers.ts";
import { noAlertmanager, startAlertmanager, waitFor } from "./_alertmanager.ts";

Deno.test({
  name: "alertmanager (real) - pagerduty_configs at /v2/enqueue and a basic_auth webhook deliver",
  ignore: noAlertmanager,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using srv = await startServer();
    const { client: admin, user } = await adminClient(srv);
    const team =
      (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json.team;
    const create = async (type: string, extra: Record<string, unknown> = {}) => {
      const r = await admin.post("/api/v1/integrations", {
        name: type,
        type,
        teamId: team.id,
        ...extra,
      });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      return r.json as { integration: { id: string; enqueueUrl?: string }; token: string };
    };
    const pd = await create("events", { keyFormat: "pagerduty" });
    const am = await create("alertmanager");
    const manager = await startAlertmanager(`route:
  receiver: tocsin
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: tocsin
    pagerduty_configs:
      - routing_key: ${pd.token}
        url: ${pd.integration.enqueueUrl}
        send_resolved: true
    webhook_configs:
      - url: ${srv.url}/hooks/${am.integration.id}
        send_resolved: true
        http_config:
          basic_auth:
            username: alertmanager
            password: ${am.token}
`);
    try {
      const alert = {
        labels: { alertname: "DiskFull", instance: "db-2", severity: "critical" },
        annotations: { summary: "Disk 95% on db-2" },
        startsAt: new Date().toISOString(),
      };
      await manager.post([alert]);
      type Item = { integrationId: string; integrationType: string; status: string };
      const list = async () => (await admin.get("/api/v1/alerts")).json.items as Item[];
      const both = await waitFor("an alert through each integration", async () => {
        const items = await list();
        return items.length === 2 ? items : null;
      });
      assert.deepEqual(
        both.map((a) => a.integrationId).sort(),
        [pd.integration.id, am.integration.id].sort(),
      );
      await manager.post([{ ...alert, endsAt: new Date().toISOString() }]);
      const resolved = await waitFor("both resolved", async () => {
        const items = await list();
        return items.every((a) => a.status === "resolved") ? items : null;
      });
      assert.equal(resolved.length, 2, "resolved in place: nothing duplicated");
    } finally {
      await manager.stop();
    }
  },
});
