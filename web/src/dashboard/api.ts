// The JSON API (docs/api.md): the session cookie travels by itself; every
// request that changes something carries the session's CSRF token.
export type Profile = {
  id: number;
  email: string;
  api_key: string;
  created: number;
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
  devices: () => call<Device[]>("GET", "/api/v1/devices"),
  device: (devid: string) => call<Device>("GET", `/api/v1/devices/${encodeURIComponent(devid)}`),
  addDevice: (name: string, devid: string, pin: string) =>
    call<Device>("POST", "/api/v1/devices", { name, devid, pin }),
};
