import { dateTime, duration } from "../client/format.ts";
import type { Key, Lang, Translate } from "../client/i18n.ts";
import type { SystemStatus } from "../lib/protocol.ts";

const KINDS = new Set([
  "reminder",
  "escalation",
  "automation",
  "webhook",
  "personal",
  "personal_batch",
  "robot",
]);

/** A timer kind in words. */
export function kindLabel(t: Translate, kind: string | null): string {
  return t((kind && KINDS.has(kind) ? `sys_kind_${kind}` : "sys_kind_unknown") as Key);
}

interface Props {
  t: Translate;
  lang: Lang;
  s: SystemStatus;
}

/** Version, data store, uptime and connections. */
export function SystemOverview({ t, lang, s }: Props) {
  return (
    <section aria-labelledby="sys-overview">
      <h2 id="sys-overview">{t("sys_overview")}</h2>
      <dl class="sys-facts">
        <dt>{t("sys_version")}</dt>
        <dd data-testid="sys-version">{s.version}</dd>
        <dt>{t("sys_kv")}</dt>
        <dd class="sys-code">{s.kv}</dd>
        <dt>{t("sys_uptime")}</dt>
        <dd>{duration(s.uptimeMs, lang)}</dd>
        <dt>{t("sys_sockets")}</dt>
        <dd data-testid="sys-sockets">
          {s.connections.websocket + s.connections.sse + s.connections.poll}{" "}
          <span class="muted">
            ({t("sys_socketsDetail", {
              ws: s.connections.websocket,
              sse: s.connections.sse,
              poll: s.connections.poll,
            })})
          </span>
        </dd>
      </dl>
    </section>
  );
}

/** Pending and overdue timers, and the oldest late one. */
export function SystemTimers({ t, lang, s }: Props) {
  return (
    <section aria-labelledby="sys-timers">
      <h2 id="sys-timers">{t("sys_timers")}</h2>
      <dl class="sys-facts">
        <dt>{t("sys_pending")}</dt>
        <dd data-testid="sys-pending">
          {s.timers.capped ? t("sys_pendingCapped", { n: s.timers.pending }) : s.timers.pending}
        </dd>
        <dt>{t("sys_overdue")}</dt>
        <dd>{s.timers.overdue}</dd>
        <dt>{t("sys_oldestLate")}</dt>
        <dd>
          {s.timers.oldestLate
            ? t("sys_oldestLateValue", {
              kind: kindLabel(t, s.timers.oldestLate.kind),
              when: dateTime(s.timers.oldestLate.dueAt, lang),
              late: duration(s.timers.oldestLate.lateMs, lang),
            })
            : t("sys_noneLate")}
        </dd>
      </dl>
    </section>
  );
}

/** The dead letters, each with Retry and Discard. */
export function DeadLetters({ t, lang, s, busy, onRetry, onDiscard }: Props & {
  busy: boolean;
  onRetry: (id: string) => void;
  onDiscard: (id: string) => void;
}) {
  return (
    <section aria-labelledby="sys-dead">
      <h2 id="sys-dead">{t("sys_dead")} ({s.timers.deadLetters})</h2>
      <p class="muted">{t("sys_deadHelp")}</p>
      {s.deadLetters.length === 0 && <p class="empty">{t("sys_deadNone")}</p>}
      <ul class="card-list" aria-label={t("sys_dead")}>
        {s.deadLetters.map((d) => (
          <li key={d.id} class="rule-card sys-dead" data-testid="dead-letter">
            <div>
              {t("sys_deadItem", {
                kind: kindLabel(t, d.kind),
                alert: d.alertId,
                n: d.failures,
                when: dateTime(d.failedAt, lang),
              })}
            </div>
            <code class="sys-line">{d.error}</code>
            <div class="row-actions">
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  onRetry(d.id)}
              >
                {t("sys_retry")}
              </button>
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() =>
                  onDiscard(d.id)}
              >
                {t("sys_discard")}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Each provider's last success and failure. */
export function ProviderHealth({ t, lang, s }: Props) {
  return (
    <section aria-labelledby="sys-providers">
      <h2 id="sys-providers">{t("sys_providers")}</h2>
      <p class="muted">{t("sys_providersHelp")}</p>
      {s.providers.length === 0 && <p class="empty">{t("sys_providersNone")}</p>}
      <ul class="card-list" aria-label={t("sys_providers")}>
        {s.providers.map((p) => (
          <li key={p.name} class="rule-card" data-testid="provider-health">
            <strong>{p.name}</strong>
            <div>
              {t("sys_lastOk")}: {p.lastOkAt ? dateTime(p.lastOkAt, lang) : t("sys_never")}
            </div>
            <div>
              {t("sys_lastFail")}: {p.lastFailAt ? dateTime(p.lastFailAt, lang) : t("sys_never")}
              {p.lastFailure && <code class="sys-line">{p.lastFailure}</code>}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The recent error lines. */
export function RecentErrors({ t, lang, s }: Props) {
  return (
    <section aria-labelledby="sys-errors">
      <h2 id="sys-errors">{t("sys_errors")}</h2>
      <p class="muted">{t("sys_errorsHelp")}</p>
      {s.errors.length === 0 && <p class="empty">{t("sys_errorsNone")}</p>}
      <ul class="sys-errors" aria-label={t("sys_errors")}>
        {s.errors.map((e, i) => (
          <li key={i}>
            <span class="muted">{dateTime(e.at, lang)}</span>
            <code class="sys-line">{e.line}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}
