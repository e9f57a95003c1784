// The Dashboard: loads the person's language and theme, then the app.
// boot.ts (first, so its requests leave before the other modules run)
// has started the catalogue and the profile.
import { prefs, profile, translator } from "./boot";

import { render } from "preact";

import { App } from "./App";

async function start(): Promise<void> {
  const tr = await translator;
  const root = document.getElementById("app");
  if (root) render(<App initialTr={tr} initialPrefs={prefs} profileRequest={profile} />, root);
}

void start();
