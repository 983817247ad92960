import { type Signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, HttpError } from "../../client/api.ts";
import { errorText } from "../../client/api_errors.ts";
import type { Translate } from "../../client/i18n.ts";
import { viewerZone } from "../../client/zoned.ts";
import { Avatar } from "../../components/Avatar.tsx";
import type { PublicUser } from "../../lib/protocol.ts";

interface ContactRow {
  id: string;
  kind: string;
  address: string;
  verified: boolean;
  showInDirectory?: boolean;
}

/** Side of the square an uploaded picture is scaled to before it is sent. */
const AVATAR_PX = 256;

/** The picture, cropped to a centred square and scaled down, as WebP (JPEG where WebP is missing). */
async function squareImage(file: File): Promise<Blob> {
  const img = await createImageBitmap(file);
  const side = Math.min(img.width, img.height);
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = Math.min(AVATAR_PX, side);
  canvas.getContext("2d")!.drawImage(
    img,
    (img.width - side) / 2,
    (img.height - side) / 2,
    side,
    side,
    0,
    0,
    canvas.width,
    canvas.height,
  );
  const as = (type: string) =>
    new Promise<Blob | null>((r) => canvas.toBlob((b) => r(b), type, 0.85));
  const webp = await as("image/webp");
  if (webp && webp.type === "image/webp") return webp;
  return (await as("image/jpeg"))!;
}

async function uploadAvatar(blob: Blob): Promise<PublicUser> {
  let res: Response;
  try {
    res = await fetch("/api/v1/me/avatar", {
      method: "PUT",
      credentials: "same-origin",
      headers: { "content-type": blob.type },
      body: blob,
    });
  } catch {
    throw new HttpError(0, "network", "network error");
  }
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    throw new HttpError(res.status, json?.error?.code ?? "internal", json?.error?.message ?? "");
  }
  return json.user;
}

type Act = (f: () => Promise<void>) => void;

/** The picture: upload (scaled in the browser first) or remove. */
function AvatarPicker(props: { t: Translate; me: Signal<PublicUser>; act: Act }) {
  const { t, me, act } = props;
  const u = me.value;
  const onFile = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    act(async () => {
      me.value = await uploadAvatar(await squareImage(file));
      input.value = "";
    });
  };
  return (
    <>
      <div class="dir-avatar-row">
        <Avatar id={u.id} name={u.name} avatar={u.avatar} size="l" />
        <label class="dir-upload">
          {t("dir_avatar_upload")}
          <input
            type="file"
            accept="image/png,image/jpeg,image/gif,image/webp"
            onChange={onFile}
          />
        </label>
        {u.avatar && (
          <button
            type="button"
            class="linkish"
            onClick={() =>
              act(async () => {
                me.value = (await api<{ user: PublicUser }>("DELETE", "/api/v1/me/avatar")).user;
              })}
          >
            {t("dir_avatar_remove")}
          </button>
        )}
      </div>
      <p class="muted">{t("dir_avatar_help")}</p>
    </>
  );
}

/** Status (emoji and text) and time zone. */
function CardForm(props: { t: Translate; me: Signal<PublicUser>; act: Act }) {
  const { t, me, act } = props;
  const zones = useSignal<string[]>([]);
  useEffect(() => {
    try {
      zones.value = Intl.supportedValuesOf("timeZone");
    } catch {
      zones.value = [];
    }
  }, []);
  const saveCard = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const text = String(f.get("status")).trim();
    const emoji = String(f.get("emoji")).trim();
    const tz = String(f.get("tz")).trim();
    act(async () => {
      me.value = (await api<{ user: PublicUser }>("PATCH", "/api/v1/me/card", {
        status: text || emoji ? { text, emoji } : null,
        timeZone: tz || null,
      })).user;
    });
  };
  const u = me.value;
  return (
    <form class="pp-form" aria-label={t("dir_me_section")} onSubmit={saveCard}>
      <div class="dir-status-fields">
        <label class="dir-emoji">
          {t("dir_status_emoji")}
          <input name="emoji" maxLength={16} defaultValue={u.status?.emoji ?? ""} />
        </label>
        <label class="grow">
          {t("dir_status")}
          <input
            name="status"
            maxLength={80}
            placeholder={t("dir_status_ph")}
            defaultValue={u.status?.text ?? ""}
          />
        </label>
      </div>
      <label>
        {t("dir_timezone")}
        <input
          name="tz"
          list="dir-zones"
          maxLength={64}
          defaultValue={u.timeZone ?? ""}
          placeholder={viewerZone()}
        />
        <datalist id="dir-zones">
          {zones.value.map((z) => <option key={z} value={z} />)}
        </datalist>
      </label>
      <p class="muted">{t("dir_timezone_help")}</p>
      <button type="submit" class="primary">{t("dir_save")}</button>
    </form>
  );
}

/** Which verified contacts the card shows (none by default). */
function ContactVisibility(props: { t: Translate; act: Act; onError: (e: unknown) => void }) {
  const { t, act } = props;
  const contacts = useSignal<ContactRow[] | null>(null);
  useEffect(() => {
    api<{ items: ContactRow[] }>("GET", "/api/v1/me/contacts").then(
      (r) => contacts.value = r.items.filter((c) => c.verified && c.kind !== "webhook"),
      props.onError,
    );
  }, []);
  return (
    <fieldset class="dir-contacts-set">
      <legend>{t("dir_show_contacts")}</legend>
      <p class="muted">{t("dir_show_contacts_help")}</p>
      {contacts.value?.length === 0 && <p class="muted">{t("dir_no_contacts")}</p>}
      {contacts.value?.map((c) => (
        <label key={c.id} class="check">
          <input
            type="checkbox"
            checked={c.showInDirectory === true}
            onChange={(e) => {
              const shown = (e.target as HTMLInputElement).checked;
              act(async () => {
                await api("PUT", `/api/v1/me/contacts/${c.id}/directory`, { shown });
                contacts.value = contacts.value!.map((x) =>
                  x.id === c.id ? { ...x, showInDirectory: shown } : x
                );
              });
            }}
          />
          {c.address}
        </label>
      ))}
    </fieldset>
  );
}

/** My card in the directory: avatar, status, time zone, which contacts it shows. */
export function DirectoryCardSetup(props: { t: Translate; me: Signal<PublicUser> }) {
  const { t, me } = props;
  const error = useSignal("");
  const saved = useSignal("");
  const act = async (f: () => Promise<void>) => {
    error.value = "";
    saved.value = "";
    try {
      await f();
      saved.value = t("dir_saved");
    } catch (e) {
      error.value = errorText(t, e);
    }
  };
  return (
    <section class="pp-section" aria-labelledby="dir-me">
      <h2 id="dir-me">{t("dir_me_section")}</h2>
      <p class="muted">{t("dir_me_help")}</p>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <AvatarPicker t={t} me={me} act={act} />
      <CardForm t={t} me={me} act={act} />
      {saved.value && <p class="pp-status" role="status">{saved.value}</p>}
      <ContactVisibility t={t} act={act} onError={(e) => error.value = errorText(t, e)} />
    </section>
  );
}
