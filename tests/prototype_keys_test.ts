/**
 * Labels, severities, priorities and keys are outside input: a value that
 * happens to name an Object.prototype member (`constructor`, `toString`...)
 * must be an ordinary string, never a reason to refuse or lose an alert.
 */
import assert from "node:assert/strict";
import { adminClient, type Client, startServer, type TestServer } from "./_helpers.ts";

const WORDS = ["constructor", "__proto__", "toString", "hasOwnProperty", "prototype"];
const PRIORITIES = ["urgent", "high", "medium", "low"];

async function setup(srv: TestServer, type: string, extra: Record<string, unknown> = {}) {
  const { client: admin, user } = await adminClient(srv);
  const team = (await admin.post("/api/v1/teams", { name: "SRE", adminIds: [user.id] })).json.team;
  const r = await admin.post("/api/v1/integrations", {
    name: type,
    type,
    teamId: team.id,
    ...extra,
  });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const id = r.json.integration.id as string;
  const token = r.json.token as string;
  const hook = async (body: string, headers: Record<string, string> = {}, query = "") => {
    const res = await fetch(`${srv.url}/hooks/${id}${query}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
      body,
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  return { admin, team, token, hook };
}

interface StoredAlert {
  title: string;
  priority: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

async function alertsOf(c: Client): Promise<StoredAlert[]> {
  return (await c.get("/api/v1/alerts")).json.items;
}

function assertStored(all: StoredAlert[], title: string, priority?: string) {
  const a = all.find((x) => x.title === title);
  assert.ok(a, `alert ${title} is stored`);
  assert.ok(PRIORITIES.includes(a.priority), `${title}: a sane priority, got ${a.priority}`);
  if (priority) assert.equal(a.priority, priority, title);
  return a;
}

/** Labels and annotations with every word as a key and as a value. */
function hostileMap(word: string, extra: Record<string, string>): Record<string, string> {
  return { ...extra, [word]: word, tag: word };
}

function amPayload(word: string, title: string) {
  const labels = hostileMap(word, { alertname: title, severity: word });
  return JSON.stringify({
    receiver: word,
    status: "firing",
    alerts: [{
      status: "firing",
      labels,
      annotations: hostileMap(word, { summary: word }),
      startsAt: "2026-11-03T15:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "",
      fingerprint: word,
    }],
    groupLabels: { alertname: title },
    commonLabels: labels,
    commonAnnotations: hostileMap(word, {}),
    externalURL: "",
    version: "4",
    groupKey: word,
  });
}

for (const type of ["alertmanager", "grafana"]) {
  Deno.test(`prototype keys - ${type}: labels, annotations, severity and group key named like Object members are stored`, async () => {
    await using srv = await startServer();
    const t = await setup(srv, type);
    for (const word of WORDS) {
      const r = await t.hook(amPayload(word, `am-${word}`));
      assert.equal(r.status, 202, `${word}: ${JSON.stringify(r.json)}`);
    }
    const all = await alertsOf(t.admin);
    for (const word of WORDS) {
      const a = assertStored(all, `am-${word}`, "medium");
      assert.equal(a.labels.tag, word);
      assert.equal(a.annotations.tag, word);
      if (word !== "__proto__") assert.equal(a.labels[word], word);
    }
  });
}

Deno.test("prototype keys - an integration's own severity map still applies; inherited names do not", async () => {
  {
    await using srv = await startServer();
    const t = await setup(srv, "alertmanager", { severityMap: { Constructor: "high" } });
    assert.equal((await t.hook(amPayload("constructor", "mapped"))).status, 202);
    assertStored(await alertsOf(t.admin), "mapped", "high");
  }
  await using srv = await startServer();
  const t = await setup(srv, "alertmanager", { severityMap: { critical: "low" } });
  const r = await t.hook(amPayload("constructor", "unmapped"));
  assert.equal(r.status, 202, JSON.stringify(r.json));
  assertStored(await alertsOf(t.admin), "unmapped", "medium");
});

Deno.test("prototype keys - zabbix: tags, severity and event id named like Object members are stored", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "zabbix");
  for (const word of WORDS) {
    const r = await t.hook(JSON.stringify({
      event_id: word,
      event_value: "1",
      // A number in Zabbix (at most 8 characters here): "toString" fits.
      event_nseverity: word.slice(0, 8),
      event_name: `zabbix-${word}`,
      event_tags: JSON.stringify([{ tag: word, value: word }, { tag: "tag", value: word }]),
      host_name: word,
      event_ack_status: word,
      update_action: word,
    }));
    assert.equal(r.status, 202, `${word}: ${JSON.stringify(r.json)}`);
  }
  const all = await alertsOf(t.admin);
  for (const word of WORDS) {
    const a = assertStored(all, `zabbix-${word}`, "medium");
    assert.equal(a.labels.tag, word);
  }
});

Deno.test("prototype keys - events: custom_details keys, dedup key and component named like Object members are stored", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "events");
  for (const word of WORDS) {
    const r = await t.hook(
      JSON.stringify({
        routing_key: t.token,
        event_action: "trigger",
        dedup_key: word,
        payload: {
          summary: `events-${word}`,
          source: word,
          severity: "warning",
          component: word,
          group: word,
          class: word,
          custom_details: { [word]: word, tag: word },
        },
      }),
      { authorization: "" },
    );
    assert.equal(r.status, 202, `${word}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.dedup_key, word);
  }
  const all = await alertsOf(t.admin);
  for (const word of WORDS) {
    const a = assertStored(all, `events-${word}`, "medium");
    assert.equal(a.labels.component, word);
    assert.equal(a.annotations.tag, word);
  }
});

Deno.test("prototype keys - text: a Priority, Title or Dedup-Key named like an Object member is no priority", async () => {
  await using srv = await startServer();
  const t = await setup(srv, "text");
  for (const word of WORDS) {
    // Not a priority: refused once with 400 (the sender does not retry), never 503 forever.
    const header = await t.hook(`body ${word}`, { "content-type": "text/plain", priority: word });
    assert.equal(header.status, 400, `${word}: ${JSON.stringify(header.json)}`);
    assert.equal(header.json.error.code, "invalid_input");
    const query = await t.hook(
      `body ${word}`,
      { "content-type": "text/plain" },
      `?priority=${word}`,
    );
    assert.equal(query.status, 400, `${word}: ${JSON.stringify(query.json)}`);
    // As a title, a dedup key and a body, the word is just text.
    const ok = await t.hook(word, {
      "content-type": "text/plain",
      title: `text-${word}`,
      "dedup-key": word,
    });
    assert.equal(ok.status, 202, `${word}: ${JSON.stringify(ok.json)}`);
  }
  const all = await alertsOf(t.admin);
  for (const word of WORDS) assertStored(all, `text-${word}`, "medium");
});
