// Language, theme and display time zone: kept in the profile (prefs.ts).
import { useState } from "preact/hooks";

import { useApp } from "../context";
import { LANGUAGES } from "../../common/i18n";
import { timeZones, type Theme } from "../prefs";
import { Notice, type Message } from "./Status";

const THEMES: readonly Theme[] = ["system", "light", "dark"];

export function PrefsForm() {
  const { tr, prefs, setPrefs } = useApp();
  const [message, setMessage] = useState<Message>(null);

  const change = async (next: typeof prefs) => {
    try {
      await setPrefs(next);
      setMessage({ kind: "success", text: tr.t("prefs.saved") });
    } catch {
      setMessage({ kind: "error", text: tr.t("error.network") });
    }
  };

  return (
    <section class="card" aria-labelledby="prefs-title">
      <h2 id="prefs-title">{tr.t("prefs.title")}</h2>
      <p class="muted">{tr.t("prefs.lead")}</p>
      <div class="field">
        <label for="language">{tr.t("prefs.language")}</label>
        <select id="language" value={prefs.language ?? ""}
          onChange={(e) => void change({ ...prefs, language: e.currentTarget.value || null })}>
          <option value="">{tr.t("prefs.browserLanguage")}</option>
          {LANGUAGES.map((l) => (
            <option key={l.tag} value={l.tag} lang={l.tag}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset class="field">
        <legend>{tr.t("prefs.theme")}</legend>
        <div class="segmented">
          {THEMES.map((theme) => (
            <label key={theme} class="segment">
              <input type="radio" name="theme" value={theme} checked={prefs.theme === theme}
                onChange={() => void change({ ...prefs, theme })} />
              <span>{tr.t(`prefs.theme.${theme}`)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for="timezone">{tr.t("prefs.timeZone")}</label>
        <select id="timezone" value={prefs.timeZone ?? ""} aria-describedby="timezone-hint"
          onChange={(e) => void change({ ...prefs, timeZone: e.currentTarget.value || null })}>
          <option value="">{tr.t("prefs.browserZone", { zone: Intl.DateTimeFormat().resolvedOptions().timeZone })}</option>
          {timeZones().map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <p class="hint" id="timezone-hint">{tr.t("prefs.timeZoneHint")}</p>
      </div>
      <Notice message={message} id="prefs-message" />
    </section>
  );
}
