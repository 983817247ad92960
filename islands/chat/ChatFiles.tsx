import { type Signal, useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { Translate } from "../../client/i18n.ts";
import { errorText } from "../../client/api_errors.ts";
import { dismissUpload, uploadFiles, uploads } from "../../client/chat_files.ts";

/** Paste and drop anywhere on the chat attach files; `dragging` is set while files hover. */
function useFileDrop(convId: string, dragging: Signal<boolean>): void {
  useEffect(() => {
    const inChat = (e: Event) => (e.target as Element | null)?.closest?.(".chat") != null;
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes("Files") ?? false;
    const onPaste = (e: ClipboardEvent) => {
      const files = [...(e.clipboardData?.files ?? [])];
      if (!files.length || !inChat(e)) return;
      e.preventDefault();
      uploadFiles(convId, files);
    };
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e) || !inChat(e)) return;
      e.preventDefault();
      dragging.value = true;
    };
    const onLeave = (e: DragEvent) => {
      if (!e.relatedTarget) dragging.value = false;
    };
    const onDrop = (e: DragEvent) => {
      dragging.value = false;
      if (!hasFiles(e) || !inChat(e)) return;
      e.preventDefault();
      uploadFiles(convId, [...(e.dataTransfer?.files ?? [])]);
    };
    document.addEventListener("paste", onPaste);
    document.addEventListener("dragover", onOver);
    document.addEventListener("dragleave", onLeave);
    document.addEventListener("drop", onDrop);
    return () => {
      document.removeEventListener("paste", onPaste);
      document.removeEventListener("dragover", onOver);
      document.removeEventListener("dragleave", onLeave);
      document.removeEventListener("drop", onDrop);
    };
  }, [convId]);
}

/**
 * Attaching files to the open conversation: the attach button, pasting (an image from the
 * clipboard) and dropping files anywhere on the chat. Shows each upload's progress or error.
 */
export function ChatFiles(props: { t: Translate; convId: string }) {
  const { t, convId } = props;
  const input = useRef<HTMLInputElement>(null);
  const dragging = useSignal(false);
  useFileDrop(convId, dragging);
  const mine = uploads.value.filter((u) => u.convId === convId);
  return (
    <div class="file-bar">
      <button
        type="button"
        class="linkish attach"
        title={t("ca_attach")}
        onClick={() => input.current?.click()}
      >
        📎 {t("ca_attach")}
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="attach-input"
        onChange={(e) => {
          const el = e.currentTarget;
          const files = [...(el.files ?? [])];
          el.value = "";
          uploadFiles(convId, files);
        }}
      />
      {mine.map((u) => (
        <span key={u.key} class={`upload ${u.error ? "error" : ""}`} role="status">
          {u.error
            ? t("ca_upload_failed", { name: u.name, error: errorText(t, u.error) })
            : t("ca_uploading", { name: u.name, pct: u.pct })}
          {u.error && (
            <button
              type="button"
              class="icon"
              aria-label={t("close")}
              onClick={() => dismissUpload(u.key)}
            >
              ×
            </button>
          )}
        </span>
      ))}
      {dragging.value && <div class="drop-overlay" aria-hidden="true">{t("ca_drop_here")}</div>}
    </div>
  );
}
