import { useSignal } from "@preact/signals";
import type { Translate } from "../client/i18n.ts";
import type { FileRef } from "../lib/protocol.ts";
import { isInlineType } from "../lib/protocol.ts";
import { fileSize } from "../client/file_size.ts";
import { Dialog } from "./Dialog.tsx";

/** A message's files: raster images inline (a click opens them full size), others as named links. */
export function Attachments(props: { t: Translate; files: FileRef[] }) {
  const { t } = props;
  const full = useSignal<FileRef | null>(null);
  const url = (f: FileRef) => `/api/v1/files/${f.id}`;
  return (
    <div class="attachments">
      {props.files.map((f) =>
        isInlineType(f.type)
          ? (
            <button
              key={f.id}
              type="button"
              class="att-image"
              title={t("ca_open_full")}
              onClick={() => full.value = f}
            >
              <img src={url(f)} alt={t("ca_image", { name: f.name })} loading="lazy" />
            </button>
          )
          : (
            <a key={f.id} class="att-file" href={`${url(f)}?download`} download={f.name}>
              <span class="att-icon" aria-hidden="true">📄</span>
              <span class="att-name">{f.name}</span>
              <span class="muted">{fileSize(f.size)}</span>
            </a>
          )
      )}
      {full.value && (
        <Dialog
          title={full.value.name}
          closeLabel={t("close")}
          onClose={() => full.value = null}
        >
          <img
            class="att-full"
            src={url(full.value)}
            alt={t("ca_image", { name: full.value.name })}
          />
          <div class="actions">
            <a href={`${url(full.value)}?download`} download={full.value.name}>
              {t("ca_download")}
            </a>
          </div>
        </Dialog>
      )}
    </div>
  );
}
