// The account's API key for scripts: hidden until asked, copied, regenerated.
import { useState } from "preact/hooks";

import { api } from "../api";
import { useApp } from "../context";
import { Notice, type Message } from "./Status";

export function ApiKeyCard() {
  const { tr, profile, setProfile } = useApp();
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  if (!profile) return null;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(profile.api_key);
      setMessage({ kind: "success", text: tr.t("key.copied") });
    } catch {
      setShown(true);
      setMessage({ kind: "error", text: tr.t("key.copyFailed") });
    }
  };
  const regenerate = async () => {
    if (!window.confirm(tr.t("key.confirm"))) return;
    setBusy(true);
    try {
      setProfile(await api.regenerateKey());
      setShown(true);
      setMessage({ kind: "success", text: tr.t("key.regenerated") });
    } catch {
      setMessage({ kind: "error", text: tr.t("error.generic") });
    }
    setBusy(false);
  };

  return (
    <section class="card" aria-labelledby="key-title">
      <h2 id="key-title">{tr.t("key.title")}</h2>
      <p class="muted">{tr.t("key.lead")}</p>
      <p class="key" id="api-key">
        <code>{shown ? profile.api_key : "•".repeat(24)}</code>
      </p>
      <div class="actions">
        <button type="button" class="button" aria-pressed={shown} onClick={() => setShown(!shown)}>
          {shown ? tr.t("key.hide") : tr.t("key.show")}
        </button>
        <button type="button" class="button" onClick={copy}>
          {tr.t("key.copy")}
        </button>
        <button type="button" class="button button-danger" onClick={regenerate} disabled={busy}>
          {tr.t("key.regenerate")}
        </button>
      </div>
      <Notice message={message} id="key-message" />
    </section>
  );
}
