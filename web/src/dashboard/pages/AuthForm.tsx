// Sign in and sign up: the same form, two endpoints, their own refusals.
import { useState } from "preact/hooks";

import { api, ApiError } from "../api";
import { Field } from "../../common/Field";
import { Link } from "../components/Link";
import { PageTitle } from "../components/PageTitle";
import { Notice, type Message } from "../components/Status";
import { useApp } from "../context";
import type { Translator } from "../../common/i18n";
import { BROWSER_PREFS, samePrefs, toProfile } from "../prefs";
import { navigate } from "../router";

type Mode = "signin" | "signup";

function refusal(tr: Translator, mode: Mode, e: unknown): string {
  if (!(e instanceof ApiError) || e.status === 0) return tr.t("error.network");
  switch (e.status) {
    case 400:
      return e.message.startsWith("email:") ? tr.t("auth.badEmail") : tr.t("auth.shortPassword");
    case 401:
      return tr.t("auth.wrong");
    case 409:
      return tr.t("auth.exists");
    case 429:
      return tr.t("error.tooMany");
    default:
      return mode === "signin" ? tr.t("auth.failed") : tr.t("error.generic");
  }
}

export function AuthForm({ mode }: { mode: Mode }) {
  const { tr, setProfile, prefs } = useApp();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (mode === "signup" && password.length < 8) {
      setMessage({ kind: "error", text: tr.t("auth.shortPassword") });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      let profile = mode === "signin" ? await api.login(email, password) : await api.register(email, password);
      // A new account takes what was chosen in this browser; an existing
      // one brings its own (App).
      if (mode === "signup" && !samePrefs(prefs, BROWSER_PREFS))
        profile = await api.setPreferences(toProfile(prefs));
      setProfile(profile);
      navigate("/devices");
    } catch (err) {
      setMessage({ kind: "error", text: refusal(tr, mode, err) });
      setBusy(false);
    }
  };

  const title = mode === "signin" ? tr.t("signin.title") : tr.t("signup.title");
  return (
    <section class="auth card">
      <PageTitle title={title} />
      <p class="lead">{mode === "signin" ? tr.t("signin.lead") : tr.t("signup.lead")}</p>
      <form onSubmit={submit} noValidate={false}>
        <Field
          id="email"
          label={tr.t("field.email")}
          type="email"
          autoComplete="email"
          required
          value={email}
          onValue={(v) => setEmail(v)}
        />
        <Field
          id="password"
          label={tr.t("field.password")}
          type="password"
          autoComplete={mode === "signin" ? "current-password" : "new-password"}
          required
          minLength={mode === "signup" ? 8 : undefined}
          hint={mode === "signup" ? tr.t("field.passwordHint") : undefined}
          value={password}
          onValue={(v) => setPassword(v)}
        />
        <Notice message={message} id="auth-message" />
        <button type="submit" class="button-primary" disabled={busy}>
          {busy ? tr.t("status.working") : mode === "signin" ? tr.t("signin.submit") : tr.t("signup.submit")}
        </button>
      </form>
      <p class="switch">
        {mode === "signin" ? tr.t("signin.noAccount") : tr.t("signup.haveAccount")}{" "}
        <Link href={mode === "signin" ? "/signup" : "/signin"}>
          {mode === "signin" ? tr.t("signup.title") : tr.t("signin.title")}
        </Link>
      </p>
    </section>
  );
}
