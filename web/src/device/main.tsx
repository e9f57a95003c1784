// The device's site (docs/device.md): the session, the device's status and
// settings and the catalogue are asked for at once; the shell renders once
// all are in. Without a session the page goes back to "/", the log-in page.
import { render } from "preact";

import { loadTranslator } from "../common/i18n";
import { api } from "./api";
import { App } from "./App";
import { applyTheme, displayLanguage, loadTheme } from "./prefs";
import type { DeviceStatus, Settings } from "./types";

applyTheme(loadTheme());

async function boot(): Promise<void> {
  const session = api.session();
  const status = api.get<DeviceStatus>("api/v1/status");
  const settings = api.get<Settings>("api/v1/settings");
  const s = await session;
  const tag = displayLanguage(s.language);
  const tr = await loadTranslator(tag, "i18n/", true).catch(() => loadTranslator("en", "i18n/", true));
  const root = document.getElementById("app");
  if (!root) throw new Error("index.html lacks #app");
  root.textContent = "";
  render(<App tr={tr} session={s} status={await status} settings={await settings} />, root);
}

boot().catch((e: unknown) => {
  const root = document.getElementById("app");
  if (root) root.textContent = `The site could not start: ${e instanceof Error ? e.message : String(e)}`;
});
