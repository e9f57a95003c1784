// The person's language, theme and display time zone. They live in the
// profile (api.ts Preferences), so every browser shows the Dashboard the
// same way; this browser keeps a copy of the last ones known, for the
// first paint and the pages before signing in.
import type { Preferences } from "./api";

export type Theme = Preferences["theme"];

export type Prefs = {
  language: string | null; // null: follow the browser
  theme: Theme;
  timeZone: string | null; // null: the browser's zone
};

const KEY = "maic.prefs";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // disabled storage: nothing is remembered
  }
}

export function loadPrefs(): Prefs {
  const prefs: Prefs = { language: null, theme: "system", timeZone: null };
  try {
    const saved = JSON.parse(storage()?.getItem(KEY) ?? "{}") as Record<string, unknown>;
    if (typeof saved.language === "string") prefs.language = saved.language;
    if (saved.theme === "light" || saved.theme === "dark") prefs.theme = saved.theme;
    if (typeof saved.timeZone === "string") prefs.timeZone = saved.timeZone;
  } catch {
    // a damaged entry: the defaults
  }
  return prefs;
}

export function savePrefs(prefs: Prefs): void {
  storage()?.setItem(KEY, JSON.stringify(prefs));
}

export function fromProfile(p: Preferences): Prefs {
  return { language: p.language, theme: p.theme, timeZone: p.time_zone };
}

export function toProfile(p: Prefs): Preferences {
  return { language: p.language, theme: p.theme, time_zone: p.timeZone };
}

export function samePrefs(a: Prefs, b: Prefs): boolean {
  return a.language === b.language && a.theme === b.theme && a.timeZone === b.timeZone;
}

// What a new account starts with: everything as the browser has it.
export const BROWSER_PREFS: Prefs = { language: null, theme: "system", timeZone: null };

// The theme is an attribute on <html>; style.css follows the system when
// it is absent.
export function applyTheme(theme: Theme): void {
  const root = document.documentElement;
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (what: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? ["UTC"];
}
