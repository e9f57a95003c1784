// The shell: the header (device, theme, log out), the factory-PIN warning
// on every section (manual §4), the sections' navigation, and the section
// the address's hash names (#status, #mqtt, ...). It polls the status every
// 5 s, the device's own refresh (manual §11), for every section.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import { type Translator, loadTranslator } from "../common/i18n";
import { api, type Session } from "./api";
import { SiteContext, type Site } from "./context";
import { applyTheme, chooseLanguage, loadTheme, manualOfTag, type Theme } from "./prefs";
import { SECTIONS, sectionOf } from "./sections";
import type { DeviceStatus, Settings } from "./types";

const STATUS_POLL_MS = 5000;

type Props = { tr: Translator; session: Session; status: DeviceStatus; settings: Settings };

export function App(props: Props) {
  const [tr, setTr] = useState(props.tr);
  const session = props.session; // a PIN change ends it: the page goes back to log in
  const [status, setStatus] = useState<DeviceStatus | null>(props.status);
  const [settings, setSettings] = useState<Settings | null>(props.settings);
  const [section, setSection] = useState(() => sectionOf(location.hash));
  const [theme, setTheme] = useState<Theme>(loadTheme);
  const heading = useRef<HTMLHeadingElement>(null);

  const refreshStatus = useCallback(() => {
    api
      .get<DeviceStatus>("api/v1/status")
      .then(setStatus)
      .catch(() => setStatus(null));
  }, []);

  useEffect(() => {
    const timer = setInterval(refreshStatus, STATUS_POLL_MS);
    return () => clearInterval(timer);
  }, [refreshStatus]);

  useEffect(() => {
    const onHash = () => {
      setSection(sectionOf(location.hash));
      heading.current?.focus(); // a screen reader hears where it is
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  useEffect(() => {
    document.documentElement.lang = tr.tag;
    document.title = `${tr.t(section.title)} · smart-MAIC ${session.devid}`;
  }, [tr, section, session.devid]);

  const site: Site = {
    tr,
    session,
    status,
    settings,
    refreshStatus,
    saveSettings: async (patch) => {
      const saved = await api.patch<Settings>("api/v1/settings", patch);
      setSettings(saved);
    },
    setLanguage: async (tag) => {
      await site.saveSettings({ language: manualOfTag(tag) });
      chooseLanguage(tag);
      setTr(await loadTranslator(tag, "i18n/", true));
    },
  };

  const logOut = async () => {
    await api.post("api/v1/logout").catch(() => undefined);
    location.replace("./");
  };

  const Current = section.component;
  return (
    <SiteContext.Provider value={site}>
      <a class="skip" href="#content">
        {tr.t("shell.skip")}
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true" />
          <span>smart-MAIC</span>
          <span class="devid">{session.devid}</span>
        </div>
        <div class="topbar-tools">
          <label class="visually-hidden" for="theme">
            {tr.t("shell.theme")}
          </label>
          <select
            id="theme"
            value={theme}
            onChange={(e) => {
              const next = e.currentTarget.value as Theme;
              applyTheme(next);
              setTheme(next);
            }}
          >
            <option value="system">{tr.t("shell.theme_system")}</option>
            <option value="light">{tr.t("shell.theme_light")}</option>
            <option value="dark">{tr.t("shell.theme_dark")}</option>
          </select>
          <button type="button" class="quiet" onClick={logOut}>
            {tr.t("shell.logout")}
          </button>
        </div>
      </header>
      {session.factory_pin && (
        <div class="banner warning" role="note">
          <strong>{tr.t("shell.factory_pin_title")}</strong> {tr.t("shell.factory_pin")}{" "}
          <a href="#configuration">{tr.t("shell.factory_pin_link")}</a>
        </div>
      )}
      <div class="layout">
        <nav class="sections" aria-label={tr.t("shell.sections")}>
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.id}>
                <a href={`#${s.id}`} aria-current={s.id === section.id ? "page" : undefined}>
                  {tr.t(s.title)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="content" tabIndex={-1}>
          <h1 ref={heading} tabIndex={-1}>
            {tr.t(section.title)}
          </h1>
          {status === null && (
            <p class="banner error" role="alert">
              {tr.t("shell.offline")}
            </p>
          )}
          <Current key={section.id} />
        </main>
      </div>
    </SiteContext.Provider>
  );
}
