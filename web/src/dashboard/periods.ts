// Pure: a board's calendar periods in the device's time zone (docs/api.md,
// "/api": local days, ISO weeks from Monday, months and years from local
// midnight; DST days have 23 or 25 hours), and what a board shows of each.
export type Period = "day" | "week" | "month" | "year";
export const PERIODS: readonly Period[] = ["day", "week", "month", "year"];

// The finer period a board shows within its period: a day's bars are hours.
export const STEP: Record<Period, "hour" | "day" | "month"> = {
  day: "hour",
  week: "day",
  month: "day",
  year: "month",
};

export type Day = { y: number; m: number; d: number }; // m 1..12

export function isPeriod(p: string | null | undefined): p is Period {
  return PERIODS.includes(p as Period);
}

export function parseDay(text: string | null | undefined): Day | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  if (!m) return null;
  const day = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  const check = new Date(Date.UTC(day.y, day.m - 1, day.d));
  return check.getUTCMonth() === day.m - 1 && check.getUTCDate() === day.d ? day : null;
}

export function formatDay({ y, m, d }: Day): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${String(y).padStart(4, "0")}-${two(m)}-${two(d)}`;
}

const parts = new Map<string, Intl.DateTimeFormat>();

// The wall-clock date and time in `zone` of the instant `ms`.
function wall(zone: string, ms: number): { y: number; m: number; d: number; h: number; min: number; s: number } {
  let f = parts.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric",
    });
    parts.set(zone, f);
  }
  const get = (type: string) => Number(f.formatToParts(ms).find((p) => p.type === type)?.value ?? 0);
  return { y: get("year"), m: get("month"), d: get("day"), h: get("hour"), min: get("minute"), s: get("second") };
}

// Milliseconds `zone` is ahead of UTC at the instant `ms`.
function offset(zone: string, ms: number): number {
  const w = wall(zone, ms);
  return Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s) - Math.floor(ms / 1000) * 1000;
}

// Unix seconds of local midnight starting `day` in `zone` (the first instant
// of the day, should midnight itself not exist in a DST change).
export function midnight(zone: string, day: Day): number {
  const local = Date.UTC(day.y, day.m - 1, day.d);
  let guess = local - offset(zone, local);
  guess = local - offset(zone, guess);
  // A skipped midnight: the day starts at the first instant after the gap.
  const w = wall(zone, guess);
  if (w.d !== day.d) guess = local - offset(zone, guess + 3_600_000);
  return Math.round(guess / 1000);
}

export function today(zone: string, nowMs: number): Day {
  const w = wall(zone, nowMs);
  return { y: w.y, m: w.m, d: w.d };
}

function addDays({ y, m, d }: Day, n: number): Day {
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

// The first day of the period holding `day`.
export function periodStart(period: Period, day: Day): Day {
  switch (period) {
    case "day":
      return day;
    case "week": {
      const weekday = (new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay() + 6) % 7; // Monday 0
      return addDays(day, -weekday);
    }
    case "month":
      return { y: day.y, m: day.m, d: 1 };
    case "year":
      return { y: day.y, m: 1, d: 1 };
  }
}

// The same place one period earlier (-1) or later (+1).
export function shift(period: Period, day: Day, by: number): Day {
  const start = periodStart(period, day);
  switch (period) {
    case "day":
      return addDays(day, by);
    case "week":
      return addDays(start, 7 * by);
    case "month": {
      const months = start.y * 12 + (start.m - 1) + by;
      return { y: Math.floor(months / 12), m: (months % 12) + 1, d: 1 };
    }
    case "year":
      return { y: start.y + by, m: 1, d: 1 };
  }
}

// [from, to) in unix seconds: the local calendar period holding `day`.
export function range(period: Period, day: Day, zone: string): { from: number; to: number } {
  const start = periodStart(period, day);
  return { from: midnight(zone, start), to: midnight(zone, shift(period, start, 1)) };
}

// The starts of the bars of a period: its hours, days or months, empty or not.
export function slots(period: Period, day: Day, zone: string): number[] {
  const start = periodStart(period, day);
  const end = range(period, day, zone).to;
  const out: number[] = [];
  switch (STEP[period]) {
    case "hour":
      for (let t = midnight(zone, start); t < end; t += 3600) out.push(t);
      break;
    case "day":
      for (let d = start, t = midnight(zone, d); t < end; d = addDays(d, 1), t = midnight(zone, d)) out.push(t);
      break;
    case "month":
      for (let m = 1; m <= 12; m++) out.push(midnight(zone, { y: start.y, m, d: 1 }));
      break;
  }
  return out;
}

// Quoted where needed (RFC 4180): what a spreadsheet reads back unchanged.
export function csv(rows: readonly (readonly (string | number)[])[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

// The catalogue's keys of `stems` for `phases`: W with [1, "total"] is W1 and W
// (docs/api.md, "Boards"); the total of a family without one is left out.
const TOTAL: Record<string, string | null> = {
  V: null, A: "A", W: "W", rW: "TrW", Wh: "TWh", rWh: "rTWh", PF: null, Fr: null, T: "T", OUT: "OUT",
};
const SCALAR = new Set(["T", "OUT"]);

export function keysOf(stem: string, phases: readonly (number | "total")[], devicePhases: number): string[] {
  if (SCALAR.has(stem)) return [stem];
  const out: string[] = [];
  for (const p of phases) {
    if (p === "total") {
      const total = TOTAL[stem];
      if (total) out.push(total);
    } else if (p <= Math.max(1, devicePhases)) {
      out.push(`${stem}${p}`);
    }
  }
  return out;
}

// L1–L3's largest deviation from their mean, in percent of the mean.
export function imbalance(values: readonly (number | null)[]): number | null {
  const v = values.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  if (v.length < 2) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (Math.abs(mean) < 1e-9) return null;
  return (Math.max(...v.map((x) => Math.abs(x - mean))) / Math.abs(mean)) * 100;
}
