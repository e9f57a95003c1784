// The device's live readings page: polls GET api/v1/readings and renders
// it. Plain DOM, no framework; the table is rebuilt only when the set of
// quantities changes, otherwise only cell texts are updated.
import {
  type Layout,
  type Quantity,
  type Reading,
  displayUnit,
  formatValue,
  layout,
  parseReading,
  ReadingFormatError,
} from "./readings";

const POLL_MS = 2000; // the device refreshes every 5 s (manual §11); 2 s keeps lag low
const TIMEOUT_MS = 5000; // a request slower than this counts as a lost connection
// Relative, so the site also works behind a proxy under a sub-path.
const READINGS_URL = "api/v1/readings";
const STATUS_URL = "api/v1/status";
const SERVER_POLL_MS = 10_000; // the uplink reports a change within a second or two

type State = "waiting" | "live" | "lost";

const STATUS_TEXT: Readonly<Record<State, string>> = {
  waiting: "waiting for the first reading…",
  live: "live",
  lost: "connection lost, retrying",
};

function element<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`index.html lacks #${id}`);
  return el;
}

const ui = {
  title: element("title", HTMLHeadingElement),
  time: element("time", HTMLTimeElement),
  status: element("status", HTMLParagraphElement),
  table: element("readings", HTMLTableElement),
  device: element("device", HTMLDListElement),
  server: element("server", HTMLParagraphElement),
  network: element("network", HTMLParagraphElement),
};

let shown: Layout | undefined;

function setStatus(state: State, detail = ""): void {
  ui.status.dataset["state"] = state;
  ui.status.textContent = detail ? `${STATUS_TEXT[state]} (${detail})` : STATUS_TEXT[state];
}

function valueCell(tag: "td" | "dd", q: Quantity | undefined): HTMLElement {
  const cell = document.createElement(tag);
  if (q) {
    cell.dataset["key"] = q.key;
    cell.title = q.name;
  }
  cell.textContent = q ? formatValue(q) : "–";
  return cell;
}

function build(l: Layout): void {
  const head = document.createElement("thead");
  const headRow = head.insertRow();
  const corner = document.createElement("th");
  corner.scope = "col";
  corner.textContent = "";
  headRow.append(corner);
  for (const c of l.columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = c.label;
    headRow.append(th);
  }
  const body = document.createElement("tbody");
  for (const r of l.rows) {
    const tr = body.insertRow();
    tr.dataset["family"] = r.family;
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = r.label;
    if (r.unit) {
      const unit = document.createElement("span");
      unit.className = "unit";
      unit.textContent = r.unit;
      th.append(" ", unit);
    }
    tr.append(th, ...r.cells.map((q) => valueCell("td", q)));
  }
  ui.table.replaceChildren(head, body);
  ui.table.hidden = false;

  ui.device.replaceChildren(
    ...l.device.flatMap((q) => {
      const dt = document.createElement("dt");
      dt.textContent = q.name;
      const dd = valueCell("dd", q);
      const unit = displayUnit(q);
      if (unit) dd.dataset["unit"] = unit;
      return [dt, dd];
    }),
  );
  ui.device.hidden = l.device.length === 0;
}

function update(l: Layout): void {
  const quantities = [...l.rows.flatMap((r) => r.cells), ...l.device];
  for (const q of quantities) {
    if (!q) continue;
    const cell = document.querySelector<HTMLElement>(`[data-key="${CSS.escape(q.key)}"]`);
    if (cell) cell.textContent = formatValue(q);
  }
}

function render(reading: Reading): void {
  ui.title.textContent = `${reading.devtype} ${reading.devid}`;
  document.title = `${reading.devtype} ${reading.devid} – maic`;
  const when = new Date(reading.time * 1000);
  ui.time.dateTime = when.toISOString();
  ui.time.textContent = when.toLocaleString();
  const next = layout(reading);
  if (next.signature !== shown?.signature) build(next);
  else update(next);
  shown = next;
}

// A short reason for the status line; "" where the browser says nothing
// useful (a network error is a TypeError "Failed to fetch").
function failure(e: unknown): string {
  if (!(e instanceof Error)) return "";
  if (e.name === "AbortError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  if (e.name === "SyntaxError") return "invalid JSON";
  if (e instanceof ReadingFormatError) return e.message;
  return "";
}

async function fetchReading(): Promise<{ state: State; detail?: string }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(READINGS_URL, { cache: "no-store", signal: abort.signal });
    if (response.status === 503) return { state: "waiting" }; // {"error": "no reading yet"}
    if (!response.ok) return { state: "lost", detail: `HTTP ${response.status}` };
    render(parseReading(await response.json()));
    return { state: "live" };
  } catch (e) {
    return { state: "lost", detail: failure(e) };
  } finally {
    clearTimeout(timer);
  }
}

// One request at a time: the next poll is scheduled when this one ends, so
// a slow device never has requests piling up.
async function poll(): Promise<void> {
  const { state, detail } = await fetchReading();
  setStatus(state, detail);
  ui.table.classList.toggle("stale", state !== "live"); // old values stay, dimmed
  setTimeout(() => void poll(), POLL_MS);
}

// The manual's "Data Server" section: is the device connected to its data
// server, and how much of its journal is still to be uploaded.
interface ServerStatus {
  state: string; // "disabled", "connecting", "connected", "error"
  last_success: number; // unix seconds, 0: never
  backlog: number; // minute records not yet acknowledged
  error: string;
}

function describeServer(s: ServerStatus): string {
  const parts = [`Data server: ${s.state}`];
  if (s.last_success > 0) {
    parts.push(`last upload ${new Date(s.last_success * 1000).toLocaleString()}`);
  }
  parts.push(`${s.backlog} minute${s.backlog === 1 ? "" : "s"} waiting`);
  if (s.error) parts.push(s.error);
  return parts.join(" · ");
}

// The manual's status bar and its LED (§1, §2): the Wi-Fi link, the
// access point while it is open, and what the LED shows.
interface NetworkStatus {
  state: string; // "disconnected", "connecting", "connected"
  ssid: string | null;
  address: string | null;
  signal_dbm: number | null;
  access_point: string | null; // its name while open
  error: string;
}

const LED_TEXT: Readonly<Record<string, string>> = {
  off: "off",
  fast: "flashing quickly",
  slow: "flashing slowly",
  steady: "on",
};

function describeNetwork(n: NetworkStatus, led: string | undefined): string {
  let link = `Wi-Fi: ${n.state}`;
  if (n.ssid) link += ` ${n.state === "connected" ? "to" : "with"} ${n.ssid}`;
  const details = [n.address, n.signal_dbm === null ? null : `${n.signal_dbm} dBm`].filter(
    (d): d is string => d !== null,
  );
  if (details.length > 0) link += ` (${details.join(", ")})`;
  const parts = [link];
  if (n.access_point) parts.push(`access point ${n.access_point} open`);
  if (led) parts.push(`LED ${LED_TEXT[led] ?? led}`);
  if (n.error) parts.push(n.error);
  return parts.join(" · ");
}

async function pollServer(): Promise<void> {
  try {
    const response = await fetch(STATUS_URL, { cache: "no-store" });
    if (response.ok) {
      const body = (await response.json()) as {
        server?: ServerStatus;
        network?: NetworkStatus;
        led_pattern?: string;
      };
      const s = body.server;
      if (s && typeof s.state === "string") {
        ui.server.dataset["state"] = s.state;
        ui.server.hidden = s.state === "disabled";
        ui.server.textContent = describeServer(s);
      }
      const n = body.network;
      if (n && typeof n.state === "string") {
        ui.network.dataset["state"] = n.state;
        ui.network.dataset["led"] = body.led_pattern ?? "";
        ui.network.hidden = false;
        ui.network.textContent = describeNetwork(n, body.led_pattern);
      }
    }
  } catch {
    // The readings' status line already says when the device is unreachable.
  }
  setTimeout(() => void pollServer(), SERVER_POLL_MS);
}

setStatus("waiting");
void poll();
void pollServer();
