// The JSON API (docs/api.md): the session cookie travels by itself; every
// request that changes something carries the session's CSRF token.
// How the Dashboard is shown to the person, kept with the account
// (docs/api.md, "Accounts"); null follows the browser.
export type Preferences = {
  language: string | null;
  theme: "system" | "light" | "dark";
  time_zone: string | null;
};

export type Profile = {
  id: number;
  email: string;
  api_key: string;
  created: number;
  preferences: Preferences;
  csrf_token: string;
};

export type Device = {
  devid: string;
  name: string;
  devtype: string;
  firmware: string;
  phases: number;
  timezone: string;
  online: boolean;
  first_seen: number;
  last_seen: number;
  newest_minute: number;
  output_on: boolean;
  last: Record<string, number>;
};

// A board (docs/api.md, "Boards"; schema cloud/boards/.../board_schema.hpp).
export type Layout = "pc" | "mobile";
export const LAYOUTS: readonly Layout[] = ["pc", "mobile"];
export type Phase = 1 | 2 | 3 | "total";
export type WidgetType = "tiles" | "line" | "bars" | "phases" | "totals" | "output" | "table";
export type BoardPeriod = "live" | "hour" | "day" | "week" | "month" | "year";
export type Widget = {
  id: string;
  type: WidgetType;
  x: number;
  y: number;
  w: number;
  h: number;
  title?: string;
  quantities?: string[];
  phases?: Phase[];
  period?: BoardPeriod;
};
export type Board = { version: number; name: string; columns: number; widgets: Widget[] };
export type Boards = Partial<Record<Layout, Board>>;

export type Output = { on: boolean; online: boolean; pending: { id: number; on: boolean; created: number }[] };

// Columns for uPlot: a time per point and a list of values per key.
export type Series = {
  period: string;
  from: number;
  to: number;
  time: number[];
  status: number[];
  values: Record<string, (number | null)[]>;
};

export type PhaseTotals = {
  phase: number;
  wh: number;
  rwh: number;
  peak_w: number | null;
  peak_rw: number | null;
  min_v: number | null;
  max_v: number | null;
};
export type Totals = { from: number; to: number; minutes: number; wh: number; rwh: number; phases: PhaseTotals[] };

// A row of /api (smart-MAIC compatible): TIME, STAT and the catalogue's keys.
export type ApiRow = Record<string, number | string>;

// A refusal: the status and the API's message ({"error": "..."}).
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

let csrfToken = "";

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(0, "network");
  }
  if (response.status === 204) return undefined as T;
  const data: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = (data as { error?: unknown }).error;
    throw new ApiError(response.status, typeof message === "string" ? message : "");
  }
  return data as T;
}

// GETs started before the app has rendered (boot.ts: a device page's device
// and boards while the profile and the catalogue load). The first call for
// the same path within EARLY_MS takes that answer instead of asking again;
// only once, so the next poll asks anew. A refused one is forgotten.
const EARLY_MS = 10_000;
const early = new Map<string, { at: number; answer: Promise<unknown> }>();

function startEarly(path: string): void {
  const entry = { at: Date.now(), answer: call<unknown>("GET", path) };
  entry.answer.catch(() => {
    if (early.get(path) === entry) early.delete(path);
  });
  early.set(path, entry);
}

function get<T>(path: string): Promise<T> {
  const entry = early.get(path);
  if (entry) {
    early.delete(path);
    if (Date.now() - entry.at < EARLY_MS) return entry.answer as Promise<T>;
  }
  return call<T>("GET", path);
}

async function withToken(p: Promise<Profile>): Promise<Profile> {
  const profile = await p;
  setCsrfToken(profile.csrf_token);
  return profile;
}

export const api = {
  register: (email: string, password: string) =>
    withToken(call<Profile>("POST", "/api/v1/register", { email, password })),
  login: (email: string, password: string) =>
    withToken(call<Profile>("POST", "/api/v1/login", { email, password })),
  logout: () => call<void>("POST", "/api/v1/logout"),
  profile: () => withToken(call<Profile>("GET", "/api/v1/profile")),
  changePassword: (current: string, next: string) =>
    withToken(call<Profile>("POST", "/api/v1/password", { current, new: next })),
  regenerateKey: () => withToken(call<Profile>("POST", "/api/v1/apikey")),
  setPreferences: (p: Partial<Preferences>) => withToken(call<Profile>("PATCH", "/api/v1/profile", p)),
  devices: () => call<Device[]>("GET", "/api/v1/devices"),
  device: (devid: string) => get<Device>(dev(devid)),
  addDevice: (name: string, devid: string, pin: string) =>
    call<Device>("POST", "/api/v1/devices", { name, devid, pin }),
  boards: (devid: string) => get<Boards>(`${dev(devid)}/boards`),
  // Starts what a device's page (its overview or a board) asks for first.
  startDevicePage: (devid: string) => {
    startEarly(dev(devid));
    startEarly(`${dev(devid)}/boards`);
  },
  preset: (devid: string, layout: Layout) => call<Board>("POST", `${dev(devid)}/boards/${layout}/preset`),
  saveBoard: (devid: string, layout: Layout, board: Board) =>
    call<Board>("PUT", `${dev(devid)}/boards/${layout}`, board),
  output: (devid: string) => call<Output>("GET", `${dev(devid)}/output`),
  switchOutput: (devid: string, on: boolean) => call<unknown>("POST", `${dev(devid)}/output`, { on }),
  series: (devid: string, keys: string[], period: string, from: number, to: number, points: number) =>
    call<Series>("GET", `${dev(devid)}/series?${query({ q: keys.join(","), period, from, to, points })}`),
  totals: (devid: string, from: number, to: number) =>
    call<Totals>("GET", `${dev(devid)}/totals?${query({ from, to })}`),
  // The smart-MAIC rows, as scripts read them: the API key, not the session.
  rows: (devid: string, apikey: string, period: string, date1: number, date2: number) =>
    call<ApiRow[]>("GET", `/api?${query({ devid, apikey, period, date1, date2 })}`),
};

function dev(devid: string): string {
  return `/api/v1/devices/${encodeURIComponent(devid)}`;
}

function query(params: Record<string, string | number>): string {
  return new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
}
