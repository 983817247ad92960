/**
 * Reports count the calendar days of TOCSIN_REPORT_TIME_ZONE, and a change of it moves the stored
 * counters at the next start: alerts opened at 18:00 and 04:00 Shanghai time, on two Shanghai
 * days, fall on one UTC day.
 */
import assert from "node:assert/strict";
import { ManualClock } from "../lib/core/clock.ts";
import { keys } from "../lib/core/keys.ts";
import { refileRollups } from "../lib/reports/report_zone.ts";
import { adminClient, Client, startServer } from "./_helpers.ts";

const HOUR = 3_600_000;
const NIGHT = { reportNightFromHour: 22, reportNightToHour: 7 };

Deno.test({
  name: "report zone - days are the zone's; a change moves the counters once, even if cut short",
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
        clock.advance(HOUR);
        const gone = await fire(srv.url, "gone");
        clock.advance(HOUR);
        await fire(srv.url, "dawn");
        const utc = await report(admin, `team=${teamId}&from=2026-11-30&to=2026-11-30`);
        assert.equal(utc.timeZone, "UTC");
        assert.equal(utc.totals.alerts, 4, "one UTC day holds them all");
        assert.equal(utc.from, Date.UTC(2026, 10, 30));
        // Retention deleted one alert: its counters stay (reports outlive alerts).
        await srv.core.kv.delete(keys.alert(gone));
      }
      {
        // A move to Shanghai cut short after its first batch (two alerts), as a kill would.
        const kv = await Deno.openKv(kvPath);
        const moved = await refileRollups(kv, { ...NIGHT, reportTimeZone: "Asia/Shanghai" }, {
          batchAlerts: 2,
          maxBatches: 1,
        });
        assert.equal(moved, 2);
        assert.ok((await kv.get(keys.rollupRefileCursor())).value, "the cursor is left");
        kv.close();
      }
      {
        await using srv = await startServer({
          kvPath,
          clock,
          config: { reportTimeZone: "Asia/Shanghai" },
        });
        const admin = new Client(srv.url);
        admin.cookie = cookie;
        assert.equal((await srv.core.kv.get(keys.rollupRefileCursor())).value, null);
        const nov30 = await report(admin, `team=${teamId}&from=2026-11-30&to=2026-11-30`);
        assert.equal(nov30.timeZone, "Asia/Shanghai");
        assert.equal(nov30.from, Date.UTC(2026, 10, 29, 16), "midnight in Shanghai");
        assert.equal(nov30.to, Date.UTC(2026, 10, 30, 16));
        // The evening alert, and the deleted one, which could not be recounted and stays put.
        assert.equal(nov30.totals.alerts, 2);
        assert.equal(nov30.totals.acknowledged, 0);
        const dec1 = await report(admin, `team=${teamId}&from=2026-12-01&to=2026-12-01`);
        assert.equal(dec1.totals.alerts, 2, "04:00 and 06:00, each moved once");
        assert.equal(dec1.totals.acknowledged, 1, "the 04:00 alert, acknowledged");
        // Today (by the server's clock) is 1 December in Shanghai: the default range ends there.
        const week = await report(admin, `team=${teamId}`);
        assert.equal(week.to, Date.UTC(2026, 11, 1, 16), "the end of 1 December in Shanghai");
        assert.equal(week.from, Date.UTC(2026, 10, 24, 16));
        assert.equal(week.totals.alerts, 4);
        // A new alert is filed under the zone's day from its own commit.
        clock.advance(HOUR);
        await fire(srv.url, "later still");
        const after = await report(admin, `team=${teamId}&from=2026-12-01&to=2026-12-01`);
        assert.equal(after.totals.alerts, 3);
        const days = after.tables.find((t: { id: string }) => t.id === "days").rows;
        assert.deepEqual(
          days.map((d: { day: string; total: number }) => [d.day, d.total]),
          [["2026-12-01", 3]],
        );
      }
      {
        // Back to UTC: moved again (the earlier UTC run's record was forgotten).
        await using srv = await startServer({ kvPath, clock });
        const admin = new Client(srv.url);
        admin.cookie = cookie;
        const utc = await report(admin, `team=${teamId}&from=2026-11-30&to=2026-11-30`);
        assert.equal(utc.timeZone, "UTC");
        assert.equal(utc.totals.alerts, 5);
        assert.equal(utc.totals.acknowledged, 1);
        const dec1 = await report(admin, `team=${teamId}&from=2026-12-01&to=2026-12-01`);
        assert.equal(dec1.totals.alerts, 0);
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
