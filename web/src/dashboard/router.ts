// Routing on the History API: real URLs, back and forward work, and the
// server answers the app's index.html for every one of them.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "home" }
  | { page: "signin" }
  | { page: "signup" }
  | { page: "profile" }
  | { page: "devices" }
  | { page: "device"; devid: string; layout: string | null; query: URLSearchParams }
  | { page: "missing" };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const [first, devid, boards, layout, ...rest] = parts;
  if (first === undefined) return { page: "home" };
  if (parts.length === 1 && (first === "signin" || first === "signup" || first === "profile" || first === "devices"))
    return { page: first };
  if (first === "devices" && devid !== undefined && rest.length === 0) {
    if (boards === undefined) return { page: "device", devid, layout: null, query: new URLSearchParams(search) };
    if (boards === "boards" && layout !== undefined)
      return { page: "device", devid, layout, query: new URLSearchParams(search) };
  }
  return { page: "missing" };
}

const listeners = new Set<() => void>();

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  listeners.forEach((l) => l());
}

function current(): Route {
  return parseRoute(location.pathname, location.search);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return route;
}

// A same-site link handled by the router; modified clicks (new tab) are the browser's.
export function onLinkClick(e: MouseEvent): void {
  const anchor = e.currentTarget as HTMLAnchorElement;
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(anchor.getAttribute("href") ?? "/");
}
