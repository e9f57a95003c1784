// What every section needs: the translator, the session, the device's
// status (polled every 5 s by the shell), its settings as last saved, and
// the one way to save a change to them.
import { createContext } from "preact";
import { useContext } from "preact/hooks";

import type { Translator } from "../common/i18n";
import type { Session } from "./api";
import type { DeviceStatus, Settings } from "./types";

export type Site = {
  tr: Translator;
  session: Session;
  status: DeviceStatus | null;
  settings: Settings | null;
  // PATCHes `patch`; the device applies all of it or none (a 400 names the
  // field). The shared settings become the device's answer.
  saveSettings: (patch: Record<string, unknown>) => Promise<void>;
  // Asks for the status now (after an action whose outcome it shows).
  refreshStatus: () => void;
  setLanguage: (tag: string) => Promise<void>;
};

export const SiteContext = createContext<Site | null>(null);

export function useSite(): Site {
  const site = useContext(SiteContext);
  if (!site) throw new Error("useSite outside SiteContext");
  return site;
}
