// The app's shell: session, language and theme state, and the page the URL names.
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";

import { api, ApiError, type Profile } from "./api";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Status";
import { AppContext, type App as AppState } from "./context";
import { browserLanguage, isLanguage, loadTranslator, type Translator } from "../common/i18n";
import { DevicePage } from "./pages/DevicePage";
import { DevicesPage } from "./pages/DevicesPage";
import { MissingPage } from "./pages/MissingPage";
import { ProfilePage } from "./pages/ProfilePage";
import { SignInPage } from "./pages/SignInPage";
import { SignUpPage } from "./pages/SignUpPage";
import { applyTheme, fromProfile, samePrefs, savePrefs, toProfile, type Prefs } from "./prefs";
import { navigate, useRoute, type Route } from "./router";

const PUBLIC = new Set<Route["page"]>(["signin", "signup", "missing"]);

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case "signin":
      return <SignInPage />;
    case "signup":
      return <SignUpPage />;
    case "profile":
      return <ProfilePage />;
    case "devices":
      return <DevicesPage />;
    case "device":
      return <DevicePage devid={route.devid} layout={route.layout} query={route.query} />;
    case "home":
    case "missing":
      return <MissingPage />;
  }
}

// `profileRequest`: GET /api/v1/profile, started with the catalogue (boot.ts).
export function App({
  initialTr,
  initialPrefs,
  profileRequest,
}: {
  initialTr: Translator;
  initialPrefs: Prefs;
  profileRequest: Promise<Profile>;
}) {
  const [tr, setTr] = useState(initialTr);
  const [prefs, setPrefsState] = useState(initialPrefs);
  // undefined: not yet known whether a session exists.
  const [profile, setProfile] = useState<Profile | null | undefined>(undefined);
  const route = useRoute();

  useEffect(() => {
    profileRequest.then(setProfile, (e: unknown) => {
      if (!(e instanceof ApiError) || e.status !== 401) console.warn(e);
      setProfile(null);
    });
  }, []);

  useEffect(() => {
    document.documentElement.lang = tr.tag;
  }, [tr]);

  // Signed in or not decides where "/" and the private pages lead.
  useEffect(() => {
    if (profile === undefined) return;
    if (route.page === "home") navigate(profile ? "/devices" : "/signin", true);
    else if (!profile && !PUBLIC.has(route.page)) navigate("/signin", true);
    else if (profile && (route.page === "signin" || route.page === "signup")) navigate("/devices", true);
  }, [profile, route]);

  // Shows `next` in this browser and remembers it here.
  const applyPrefs = useCallback(
    async (next: Prefs) => {
      savePrefs(next);
      applyTheme(next.theme);
      const tag = isLanguage(next.language) ? next.language : browserLanguage(navigator.languages);
      if (tag !== tr.tag) setTr(await loadTranslator(tag));
      setPrefsState(next);
    },
    [tr],
  );

  // The profile's preferences win over this browser's copy: signing in
  // elsewhere, or on another browser, brings the person's own.
  useEffect(() => {
    if (!profile) return;
    const theirs = fromProfile(profile.preferences);
    if (!samePrefs(theirs, prefs)) void applyPrefs(theirs);
    // Only a new profile decides: a local change is saved to it first.
  }, [profile]);

  // A change is stored in the profile first (when signed in), then shown.
  const setPrefs = useCallback(
    async (next: Prefs) => {
      if (profile) setProfile(await api.setPreferences(toProfile(next)));
      await applyPrefs(next);
    },
    [profile, applyPrefs],
  );

  const app = useMemo<AppState | null>(
    () => (profile === undefined ? null : { tr, profile, setProfile, prefs, setPrefs }),
    [tr, profile, prefs, setPrefs],
  );

  if (!app) return <Loading label={tr.t("status.loading")} />;
  return (
    <AppContext.Provider value={app}>
      <Layout route={route}>
        <Page route={route} />
      </Layout>
    </AppContext.Provider>
  );
}
