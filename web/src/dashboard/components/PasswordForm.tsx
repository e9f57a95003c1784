// Changing the password: every other session ends and the API key is replaced (docs/api.md).
import { useState } from "preact/hooks";

import { api, ApiError } from "../api";
import { useApp } from "../context";
import { Field } from "../../common/Field";
import { Notice, type Message } from "./Status";

export function PasswordForm() {
  const { tr, setProfile } = useApp();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (next.length < 8) {
      setMessage({ kind: "error", text: tr.t("auth.shortPassword") });
      return;
    }
    setBusy(true);
    try {
      setProfile(await api.changePassword(current, next));
      setCurrent("");
      setNext("");
      setMessage({ kind: "success", text: tr.t("password.changed") });
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      const key =
        status === 403 ? "password.wrong" : status === 400 ? "auth.shortPassword"
        : status === 429 ? "error.tooMany" : status === 0 ? "error.network" : "error.generic";
      setMessage({ kind: "error", text: tr.t(key) });
    }
    setBusy(false);
  };

  return (
    <section class="card" aria-labelledby="password-title">
      <h2 id="password-title">{tr.t("password.title")}</h2>
      <p class="muted">{tr.t("password.lead")}</p>
      <form onSubmit={submit}>
        <Field id="current-password" label={tr.t("password.current")} type="password"
          autoComplete="current-password" required value={current}
          onValue={(v) => setCurrent(v)} />
        <Field id="new-password" label={tr.t("password.new")} type="password" autoComplete="new-password"
          required minLength={8} hint={tr.t("field.passwordHint")} value={next}
          onValue={(v) => setNext(v)} />
        <Notice message={message} id="password-message" />
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? tr.t("status.working") : tr.t("password.submit")}
        </button>
      </form>
    </section>
  );
}
