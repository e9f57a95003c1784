// What every opening waits for, asked as the script starts to run: main.tsx
// imports this module first, so these requests are on their way while the
// rest of the app's modules (uPlot's among them) are evaluated, rather than
// one after the other (docs/performance.md, "Dashboard").
//
// - the saved theme, applied at once;
// - the language's catalogue;
// - the profile (signed in or not), which used to wait for the catalogue;
// - on a device's page or board, its device and boards, which used to wait
//   for the profile (api.ts hands them to the page's first requests).
import { api, type Profile } from "./api";
import { browserLanguage, isLanguage, loadTranslator, type Translator } from "../common/i18n";
import { applyTheme, loadPrefs, type Prefs } from "./prefs";
import { parseRoute } from "./router";

export const prefs: Prefs = loadPrefs();
applyTheme(prefs.theme);

const tag = isLanguage(prefs.language) ? prefs.language : browserLanguage(navigator.languages);
export const translator: Promise<Translator> = loadTranslator(tag).catch(() => loadTranslator("en"));

// App takes its outcome; until it does, a refusal (no session) is not an
// unhandled rejection.
export const profile: Promise<Profile> = api.profile();
profile.catch(() => {});

const route = parseRoute(location.pathname, location.search);
if (route.page === "device") api.startDevicePage(route.devid);
