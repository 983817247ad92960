/**
 * Reports count the calendar days of TOCSIN_REPORT_TIME_ZONE, and a change of it re-files the
 * stored counters at the next start: alerts opened at 18:00 and 04:00 Shanghai time on two
 * Shanghai days fall on one UTC day.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { adminClient, Client, startServer } from "./_helpers.ts";

const HOUR = 3_600_000;

Deno.test({
  name: "report zone - days are the zone's; a change of zone re-files the counters, and back",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tocsin-report-zone-" });
    const kvPath = `${dir}/tocsin.kv`;
    // 2026-11-30 10:00 UTC is 18:00 in Shanghai; ten hours later it is 04:00 on 1 December there.
    const clock = new ManualClock(Date.UTC(2026, 10, 30, 10));
    const report = async (c: Client, q: string) => {
      const r = await c.get(`/api/v1/reports?${q}`);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json.report;
    };
    try {
      let cookie: string;
      let teamId: string;
      let hook: { id: string; token: string };
      const fire = async (url: string, title: string) => {
        const r = await fetch(`${url}/hooks/${hook.id}`, {
          method: "POST",
          headers: { authorization: `Bearer ${hook.token}`, title, "dedup-key": title },
          body: title,
        });
        assert.equal(r.status, 202);
        return (await r.json()).alerts[0].alertId as string;
      };
      {
        await using srv = await startServer({ kvPath, clock });
        const { client: admin, user } = await adminClient(srv);
        cookie = admin.cookie;
        teamId = (await admin.post("/api/v1/teams", { name: "DBA", adminIds: [user.id] })).json
          .team.id;
        const r = await admin.post("/api/v1/integrations", { name: "t", type: "text", teamId });
        hook = { id: r.json.integration.id, token: r.json.token };
        await fire(srv.url, "evening");
        clock.advance(10 * HOUR);
        const late = await fire(srv.url, "small hours");
        assert.equal((await admin.post(`/api/v1/alerts/${late}/ack`, {})).status, 200);
        const utc = await report(admin, `team=${teamId}&from=2026-11-30&to=2026-11-30`);
        assert.equal(utc.timeZone, "UTC");
        assert.equal(utc.totals.alerts, 2, "one UTC day holds both");
        assert.equal(utc.from, Date.UTC(2026, 10, 30));
      }
      {
        await using srv = await startServer({
          kvPath,
          clock,
          config: { reportTimeZone: "Asia/Shanghai" },
        });
        const admin = new Client(srv.url);
        admin.cookie = cookie;
        const nov30 = await report(admin, `team=${teamId}&from=2026-11-30&to=2026-11-30`);
        assert.equal(nov30.timeZone, "Asia/Shanghai");
        assert.equal(nov30.from, Date.UTC(2026, 10, 29, 16), "midnight in Shanghai");
        assert.equal(nov30.to, Date.UTC(2026, 10, 30, 16));
        assert.equal(nov30.totals.alerts, 1, "re-filed: the evening alert only");
        assert.equal(nov30.totals.acknowledged, 0);
        // Today (by the server's clock) is 1 December in Shanghai: the default range ends there.
        const week = await report(admin, `team=${teamId}`);
        assert.equal(week.to, Date.UTC(2026, 11, 1, 16), "the end of 1 December in Shanghai");
        assert.equal(week.from, Date.UTC(2026, 10, 24, 16));
        const dec1Before = await report(admin, `team=${teamId}&from=2026-12-01&to=2026-12-01`);
        assert.equal(dec1Before.totals.alerts, 1);
        assert.equal(dec1Before.totals.acknowledged, 1, "the 04:00 alert, acknowledged");
        // A new alert is filed under the zone's day from its own commit.
        clock.advance(HOUR);
        await fire(srv.url, "later still");
        const dec1 = await report(admin, `team=${teamId}&from=2026-12-01&to=2026-12-01`);
        assert.equal(dec1.totals.alerts, 2);
        const days = dec1.tables.find((t: { id: string }) => t.id === "days").rows;
        assert.deepEqual(days.map((d: { day: string; total: number }) => [d.day, d.total]), [[
          "2026-12-01",
          2,
        ]]);
      }
      {
        // Back to UTC: re-filed again (the earlier UTC run's record was forgotten).
        await using srv = await startServer({ kvPath, clock });
        const admin = new Client(srv.url);
        admin.cookie = cookie;
        const utc = await report(admin, `team=${teamId}&from=2026-11-30&to=2026-11-30`);
        assert.equal(utc.timeZone, "UTC");
        assert.equal(utc.totals.alerts, 3);
        assert.equal(utc.totals.acknowledged, 1);
        const records: string[] = [];
        for await (const e of srv.core.kv.list({ prefix: ["migrations"] })) {
          records.push(String(e.key[1]));
        }
        assert.deepEqual(records.filter((n) => n.startsWith("report_zone:")), ["report_zone:UTC"]);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
