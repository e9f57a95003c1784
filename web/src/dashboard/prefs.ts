// What the browser remembers for the person: language, theme and display
// time zone. Kept in localStorage until the profile API stores them (the
// store has no columns for them yet).
export type Theme = "system" | "light" | "dark";

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
