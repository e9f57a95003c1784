// Translation for both sites: one catalogue per language and site
// (web/i18n/<tag>.json for the Dashboard, web/i18n/device/<tag>.json for
// the device's site), fetched when chosen. A catalogue maps a key
// to a string with {placeholders}, or, for counts, to ICU-like plural forms
// chosen by Intl.PluralRules: {"one": "{count} device", "other": "{count} devices"}.
// Numbers, dates and relative times are Intl's, in the same language.
import languages from "../../i18n/languages.json";

export type Language = { tag: string; name: string; manual: string };
export const LANGUAGES: readonly Language[] = languages;

type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Catalogue = Record<string, string | Forms>;
export type Params = Record<string, string | number>;

export function isLanguage(tag: string | null | undefined): tag is string {
  return LANGUAGES.some((l) => l.tag === tag);
}

// The first of the browser's languages we have (by primary subtag), else English.
export function browserLanguage(preferred: readonly string[]): string {
  for (const wanted of preferred) {
    const primary = wanted.toLowerCase().split("-")[0];
    // The manual's codes are not BCP 47, but a browser never sends them.
    if (isLanguage(primary)) return primary;
  }
  return "en";
}

function fill(text: string, params: Params, format: (n: number) => string): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? format(value) : value;
  });
}

export class Translator {
  readonly tag: string;
  private readonly catalogue: Catalogue;
  private readonly plurals: Intl.PluralRules;
  private readonly numbers = new Map<string, Intl.NumberFormat>();
  private readonly relative: Intl.RelativeTimeFormat;
  private readonly dates = new Map<string, Intl.DateTimeFormat>();

  constructor(tag: string, catalogue: Catalogue) {
    this.tag = tag;
    this.catalogue = catalogue;
    this.plurals = new Intl.PluralRules(tag);
    this.relative = new Intl.RelativeTimeFormat(tag, { numeric: "auto" });
  }

  // The key itself when missing, so a gap is visible (and the tests see it).
  t(key: string, params: Params = {}): string {
    const entry = this.catalogue[key];
    if (entry === undefined) return key;
    if (typeof entry === "string") return fill(entry, params, (n) => this.number(n));
    const count = typeof params.count === "number" ? params.count : 0;
    const text = entry[this.plurals.select(count)] ?? entry.other;
    return fill(text, params, (n) => this.number(n));
  }

  number(value: number, digits?: number): string {
    const id = String(digits);
    let format = this.numbers.get(id);
    if (!format) {
      format = new Intl.NumberFormat(
        this.tag,
        digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits },
      );
      this.numbers.set(id, format);
    }
    return format.format(value);
  }

  // "2 minutes ago", "in 3 hours", "now": the largest unit that fits.
  ago(seconds: number): string {
    const steps: [Intl.RelativeTimeFormatUnit, number][] = [
      ["day", 86_400],
      ["hour", 3_600],
      ["minute", 60],
    ];
    for (const [unit, size] of steps) {
      if (Math.abs(seconds) >= size) return this.relative.format(-Math.round(seconds / size), unit);
    }
    return this.relative.format(0, "second");
  }

  format(unixSeconds: number, options: Intl.DateTimeFormatOptions, timeZone: string | undefined): string {
    return this.dateFormat(options, timeZone).format(new Date(unixSeconds * 1000));
  }

  // "30 Nov 2026", "30 Nov – 6 Dec 2026": a period's first and last day.
  dateRange(fromUnix: number, toUnix: number, timeZone: string): string {
    const f = this.dateFormat({ dateStyle: "medium" }, timeZone) as Intl.DateTimeFormat & {
      formatRange?: (a: Date, b: Date) => string;
    };
    const [a, b] = [new Date(fromUnix * 1000), new Date(toUnix * 1000)];
    return f.formatRange ? f.formatRange(a, b) : `${f.format(a)} – ${f.format(b)}`;
  }

  // A chart's legend asks for this on every cursor move.
  dateTime(unixSeconds: number, timeZone: string | undefined): string {
    return this.format(unixSeconds, { dateStyle: "medium", timeStyle: "short" }, timeZone);
  }

  // A span of time as words: "45 seconds", "5 minutes" (rounded up).
  duration(seconds: number): string {
    const [value, unit] = seconds >= 60 ? [Math.ceil(seconds / 60), "minute"] : [Math.ceil(seconds), "second"];
    return new Intl.NumberFormat(this.tag, { style: "unit", unit, unitDisplay: "long" }).format(value);
  }

  // Made once per options and zone: a new Intl.DateTimeFormat costs far
  // more than a call to one (docs/performance.md, "Dashboard").
  private dateFormat(options: Intl.DateTimeFormatOptions, timeZone: string | undefined): Intl.DateTimeFormat {
    const id = JSON.stringify([options, timeZone]);
    let format = this.dates.get(id);
    if (!format) {
      format = new Intl.DateTimeFormat(this.tag, { ...options, ...(timeZone ? { timeZone } : {}) });
      this.dates.set(id, format);
    }
    return format;
  }
}

// `base`: where the site serves its catalogues ("/i18n/" on the server; the
// device's site asks relative to its page, so that it works behind a proxy).
// A catalogue is an object, or (build.mjs, compactI18n) an array of texts
// in the order of `${base}keys.json`.
export async function loadTranslator(tag: string, base = "/i18n/", compact = false): Promise<Translator> {
  const [body, keys] = await Promise.all([fetchJson(`${base}${tag}.json`), compact ? keysOf(base) : null]);
  if (!Array.isArray(body) || !keys) return new Translator(tag, body as Catalogue);
  const catalogue: Catalogue = {};
  (await keys).forEach((key, i) => {
    const text = (body as unknown[])[i];
    if (text !== null && text !== undefined) catalogue[key] = text as string | Forms;
  });
  return new Translator(tag, catalogue);
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

// Asked for once per base, with the first catalogue.
const keyLists = new Map<string, Promise<string[]>>();
function keysOf(base: string): Promise<string[]> {
  let keys = keyLists.get(base);
  if (!keys) {
    keys = fetchJson(`${base}keys.json`).then((k) => k as string[]);
    keys.catch(() => undefined);
    keyLists.set(base, keys);
  }
  return keys;
}
