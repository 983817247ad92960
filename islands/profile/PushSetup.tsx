import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";
import {
  deviceLabel,
  installPrompt,
  isIos,
  pushSupported,
  standalone,
  subscribeThisDevice,
} from "../../client/pwa.ts";
import type { PushDeviceView } from "../../lib/protocol.ts";

/**
 * The profile's section for the installable app and Web Push: install the app, turn on
 * notifications on this device (the browser asks only after the click), and the person's
 * devices, each removable.
 */
export function PushSetup(props: { t: Translate }) {
  const { t } = props;
  const devices = useSignal<PushDeviceView[] | null>(null);
  const error = useSignal("");
  const status = useSignal("");
  const busy = useSignal(false);
  // Decided in the browser after hydration (the server cannot know).
  const supported = useSignal<boolean | null>(null);

  const load = async () => {
    try {
      devices.value =
        (await api<{ items: PushDeviceView[] }>("GET", "/api/v1/me/push-devices")).items;
    } catch (e) {
      devices.value = [];
      error.value = errorText(t, e);
    }
  };
  useEffect(() => {
    supported.value = pushSupported();
    load();
  }, []);

  const enable = async () => {
    error.value = "";
    status.value = "";
    busy.value = true;
    try {
      const { publicKey } = await api<{ publicKey: string }>("GET", "/api/v1/push/key");
      const sub = await subscribeThisDevice(publicKey);
      if (sub === "denied") {
        error.value = t("push_denied");
        return;
      }
      await api("POST", "/api/v1/me/push-devices", { ...sub, label: deviceLabel() });
      status.value = t("push_enabled");
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    } finally {
      busy.value = false;
    }
  };

  const remove = async (id: string) => {
    error.value = "";
    status.value = "";
    try {
      await api("DELETE", `/api/v1/me/push-devices/${encodeURIComponent(id)}`);
      status.value = t("push_removed");
      await load();
    } catch (e) {
      error.value = errorText(t, e);
    }
  };

  return (
    <section class="pp-section push-setup" aria-labelledby="pp-push">
      <h2 id="pp-push">{t("push_title")}</h2>
      <p class="muted">{t("push_help")}</p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {status.value && <p class="ok" role="status">{status.value}</p>}
      <InstallOffer t={t} />
      {supported.value === false
        ? <p class="muted" data-push="unsupported">{t("push_unsupported")}</p>
        : (
          <p>
            <button type="button" class="primary" disabled={busy.value} onClick={enable}>
              {busy.value ? t("push_working") : t("push_enable")}
            </button>
          </p>
        )}
      <h3>{t("push_devices")}</h3>
      <DeviceList t={t} devices={devices.value} onRemove={remove} />
    </section>
  );
}

/** The browser's install prompt as a button, or the home-screen hint on iOS. */
function InstallOffer(props: { t: Translate }) {
  const { t } = props;
  const prompt = installPrompt.value;
  if (prompt) {
    return (
      <p class="push-install">
        <button
          type="button"
          onClick={async () => {
            await prompt.prompt();
            await prompt.userChoice.catch(() => null);
            installPrompt.value = null;
          }}
        >
          {t("push_install")}
        </button>{" "}
        <span class="muted">{t("push_install_help")}</span>
      </p>
    );
  }
  if (typeof navigator !== "undefined" && isIos() && !standalone()) {
    return <p class="muted push-install">{t("push_ios_hint")}</p>;
  }
  return null;
}

/** The person's devices, each with how its last notification went, and a remove button. */
function DeviceList(
  props: { t: Translate; devices: PushDeviceView[] | null; onRemove: (id: string) => void },
) {
  const { t, devices } = props;
  const when = (ms: number | null) => ms === null ? t("push_never") : new Date(ms).toLocaleString();
  if (!devices) return null;
  if (devices.length === 0) return <p class="muted empty">{t("push_none")}</p>;
  return (
    <ul class="push-devices">
      {devices.map((d) => (
        <li key={d.id} data-device={d.id}>
          <div class="grow">
            <strong>{d.label}</strong> <span class="muted">{d.service}</span>
            <div class="muted small">
              {t("push_added")} {when(d.createdAt)} · {t("push_last_ok")}: {when(d.lastOkAt)}
              {d.lastError && <>· {t("push_last_error")}: {d.lastError}</>}
            </div>
          </div>
          <button type="button" onClick={() => props.onRemove(d.id)}>{t("push_remove")}</button>
        </li>
      ))}
    </ul>
  );
}
