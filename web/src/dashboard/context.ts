// What every page needs: the translator, the signed-in person, the
// browser's preferences, and ways to change them.
import { createContext } from "preact";
import { useContext } from "preact/hooks";

import type { Profile } from "./api";
import type { Translator } from "../common/i18n";
import type { Prefs } from "./prefs";

export type App = {
  tr: Translator;
  profile: Profile | null;
  setProfile: (p: Profile | null) => void;
  prefs: Prefs;
  setPrefs: (p: Prefs) => Promise<void>;
};

export const AppContext = createContext<App | null>(null);

export function useApp(): App {
  const app = useContext(AppContext);
  if (!app) throw new Error("useApp outside AppContext");
  return app;
}
