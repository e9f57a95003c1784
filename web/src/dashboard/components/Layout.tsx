// The frame of every page: skip link, header with navigation, main.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

import { api } from "../api";
import { useApp } from "../context";
import { navigate, type Route } from "../router";
import { Link } from "./Link";

export function Layout({ route, children }: { route: Route; children: ComponentChildren }) {
  const { tr, profile, setProfile } = useApp();
  const [leaving, setLeaving] = useState(false);

  const signOut = async () => {
    setLeaving(true);
    try {
      await api.logout();
    } catch {
      // the session may be gone already: signed out either way
    }
    setLeaving(false);
    setProfile(null);
    navigate("/signin");
  };

  const page = route.page;
  return (
    <>
      <a class="skip" href="#main">
        {tr.t("nav.skip")}
      </a>
      <header class="top">
        <div class="top-inner">
          <Link href={profile ? "/devices" : "/signin"} class="brand">
            <svg class="logo" viewBox="0 0 24 24" aria-hidden="true">
              <path d="M13 2 4 14h7l-1 8 9-12h-7z" />
            </svg>
            <span>maic</span>
          </Link>
          {profile && (
            <nav aria-label={tr.t("nav.label")}>
              <Link href="/devices" class="nav-link" current={page === "devices" || page === "device"}>
                {tr.t("nav.devices")}
              </Link>
              <Link href="/profile" class="nav-link" current={page === "profile"}>
                {tr.t("nav.profile")}
              </Link>
              <button type="button" class="nav-link button-plain" onClick={signOut} disabled={leaving}>
                {tr.t("nav.signOut")}
              </button>
            </nav>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
