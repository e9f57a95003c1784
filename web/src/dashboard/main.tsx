// The Dashboard: loads the person's language and theme, then the app.
import { render } from "preact";

import { App } from "./App";
import { browserLanguage, isLanguage, loadTranslator } from "./i18n";
import { applyTheme, loadPrefs } from "./prefs";

async function start(): Promise<void> {
  const prefs = loadPrefs();
  applyTheme(prefs.theme);
  const tag = isLanguage(prefs.language) ? prefs.language : browserLanguage(navigator.languages);
  const tr = await loadTranslator(tag).catch(() => loadTranslator("en"));
  const root = document.getElementById("app");
  if (root) render(<App initialTr={tr} initialPrefs={prefs} />, root);
}

void start();
