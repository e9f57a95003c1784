// What this browser remembers for the device's site: a language chosen on
// the log-in page and a theme. The device's own language (settings, the
// manual's codes) is the default; a choice here wins in this browser only.
import { LANGUAGES, browserLanguage, isLanguage } from "../common/i18n";

export type Theme = "system" | "light" | "dark";

const LANGUAGE_KEY = "maic.device.language";
const THEME_KEY = "maic.device.theme";

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // disabled storage: nothing is remembered
  }
}

// The BCP 47 tag of a manual code ("ua" -> "uk"); undefined when unknown.
export function tagOfManual(code: string | undefined): string | undefined {
  return LANGUAGES.find((l) => l.manual === code)?.tag;
}

// The manual code the device's settings take for a tag ("uk" -> "ua").
export function manualOfTag(tag: string): string {
  return LANGUAGES.find((l) => l.tag === tag)?.manual ?? "en";
}

export function chosenLanguage(): string | null {
  const saved = storage()?.getItem(LANGUAGE_KEY) ?? null;
  return isLanguage(saved) ? saved : null;
}

export function chooseLanguage(tag: string | null): void {
  if (tag === null) storage()?.removeItem(LANGUAGE_KEY);
  else storage()?.setItem(LANGUAGE_KEY, tag);
}

// This browser's choice, else the device's setting, else the browser's.
export function displayLanguage(deviceManualCode: string | undefined): string {
  return chosenLanguage() ?? tagOfManual(deviceManualCode) ?? browserLanguage(navigator.languages);
}

export function loadTheme(): Theme {
  const saved = storage()?.getItem(THEME_KEY);
  return saved === "light" || saved === "dark" ? saved : "system";
}

// The theme is an attribute on <html>; style.css follows the system when
// it is absent.
export function applyTheme(theme: Theme): void {
  if (theme === "system") {
    delete document.documentElement.dataset["theme"];
    storage()?.removeItem(THEME_KEY);
  } else {
    document.documentElement.dataset["theme"] = theme;
    storage()?.setItem(THEME_KEY, theme);
  }
}
