/**
 * "Send a test alert" from the integrations page: a real alert through the same ingest path a
 * sender's webhook takes (routing, paging, the card), marked as a test in its title and by the
 * label `tocsin_test=true`, with a key of its own so that it never updates a real alert.
 */
import type { AlertEvent } from "./model.ts";
import type { Deps } from "../core/deps.ts";
import { ApiError, notFound } from "../core/errors.ts";
import { ulid } from "../core/ids.ts";
import type { User } from "../accounts/model.ts";
import { requireTeamManager } from "../accounts/teams.ts";
import { getIntegration } from "./integrations.ts";
import { applyEvent, type IngestResult } from "./ingest.ts";

/** The label that marks a test alert. */
export const TEST_LABEL = "tocsin_test";

export async function sendTestAlert(deps: Deps, actor: User, id: string): Promise<IngestResult> {
  const integration = await getIntegration(deps.kv, id);
  if (!integration) throw notFound("integration");
  await requireTeamManager(deps.kv, actor, integration.teamId);
  if (integration.disabled) {
    throw new ApiError("conflict", "the integration is disabled; enable it to send a test alert");
  }
  const now = deps.clock.now();
  const event: AlertEvent = {
    key: "tocsin-test:" + ulid(now),
    action: "trigger",
    title: `[TEST] Test alert from ${integration.name}`,
    summary: `A test alert sent by ${actor.name} from the integrations page. ` +
      "Nothing is wrong; acknowledge or resolve it.",
    source: "tocsin",
    severity: "info",
    labels: { [TEST_LABEL]: "true", integration: integration.name },
    annotations: {},
    links: [],
    images: [],
  };
  const raw = JSON.stringify({ test: true, integrationId: id, sentBy: actor.id, at: now });
  return await applyEvent(deps, integration, event, raw);
}
