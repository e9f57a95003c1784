// The device's JSON API as the site uses it (docs/device.md). Every change
// carries the session's CSRF token; a 401 means the session ended (a PIN
// change, a factory reset, a reboot of the daemon): the page goes back to
// "/", which is then the log-in page.

export type Session = { devid: string; csrf_token: string; factory_pin: boolean; language: string };

// A refusal: the device's message, and the settings field it names (the
// text before ": " when that is a path such as "mqtt.port"), if any.
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
}

// A settings path ("mqtt.port", "automation.conditions[2].value") or a
// catalogue key ("Wh1", which POST api/v1/meters names).
const FIELD = /^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?)*): (.*)$/s;

export function fieldOf(message: string): { field: string | null; text: string } {
  const m = FIELD.exec(message);
  return m ? { field: m[1] ?? null, text: m[2] ?? message } : { field: null, text: message };
}

let csrf = "";

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status === 401) {
    location.replace("./");
    throw new ApiError(401, "the session ended", null);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const message =
      typeof parsed === "object" && parsed !== null && "error" in parsed ? String(parsed.error) : `HTTP ${response.status}`;
    const { field } = fieldOf(message);
    throw new ApiError(response.status, message, field);
  }
  return parsed as T;
}

export const api = {
  async session(): Promise<Session> {
    const s = await call<Session>("GET", "api/v1/session");
    csrf = s.csrf_token;
    return s;
  },
  get: <T>(path: string) => call<T>("GET", path),
  post: <T>(path: string, body?: unknown) => call<T>("POST", path, body),
  patch: <T>(path: string, body: unknown) => call<T>("PATCH", path, body),
};
