import type { BatchDto } from "./bindings";

const grouped = new Intl.NumberFormat("en-US");
const twoDecimals = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1234567 → "1,234,567". */
export function formatCount(n: number): string {
  return grouped.format(n);
}

/** Integer without separators, for machine-read fields: 1234567 → "1234567". */
export function plainCount(n: number): string {
  return String(Math.trunc(n));
}

/** Tonnes CO2e with two decimals; "—" when unknown. */
export function formatTonnes(t: number | null | undefined): string {
  return t === null || t === undefined || !Number.isFinite(t) ? "—" : twoDecimals.format(t);
}

const valueFormats = [0, 1, 2, 3].map((digits) => new Intl.NumberFormat("en-US", { maximumFractionDigits: digits }));

/**
 * A measured or sampled value with as many decimals as its size deserves: 0.7234 → "0.723",
 * 12.5 → "12.5", 1234.56 → "1,234.6", 2012 → "2,012"; "—" when absent or not finite.
 */
export function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  const digits = Number.isInteger(v) ? 0 : a >= 1000 ? 1 : a >= 1 ? 2 : 3;
  const text = valueFormats[digits]!.format(v);
  return text === "-0" ? "0" : text;
}

/** Coordinate with six decimals; "—" when absent. */
export function formatCoord(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(6);
}

/** First and last characters of a hash: "ab12cd34…9f0e". */
export function shortHash(hash: string, head = 8, tail = 4): string {
  return hash.length <= head + tail + 1 ? hash : `${hash.slice(0, head)}…${hash.slice(-tail)}`;
}

/** "Batch v1 · tree-plots-2025.csv" */
export function batchLabel(b: Pick<BatchDto, "version" | "source_name">): string {
  return `Batch v${b.version} · ${b.source_name}`;
}

/** Bytes as "12.3 MB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

// Dates and times. Every date the UI shows goes through these functions: the user's locale
// (navigator.language) decides the order and the month names, timestamps are shown in the
// computer's time zone with the zone named, and plain dates (YYYY-MM-DD, no time) are shown as
// the same calendar day everywhere (formatted in UTC, so no zone can shift them a day).

/** Options of the date functions; the defaults are the user's locale and this computer's zone. */
export interface DateOptions {
  /** A BCP 47 tag such as "de-DE"; default: navigator.language (or "en-US" without a navigator). */
  locale?: string;
  /** An IANA zone such as "Europe/Berlin"; default: this computer's zone. */
  timeZone?: string;
  /** Whether a timestamp shows its seconds (default false). */
  seconds?: boolean;
}

/** The user's locale: navigator.language, "en-US" where there is none (tests, workers). */
export function userLocale(): string {
  const lang = typeof navigator !== "undefined" ? navigator.language : undefined;
  return lang && lang.trim() ? lang : "en-US";
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One cached Intl.DateTimeFormat per locale and options; an unknown locale falls back to the default. */
function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const tag = locale ?? userLocale();
  const key = `${tag}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(tag, options);
    } catch {
      f = new Intl.DateTimeFormat("en-US", options);
    }
    formatters.set(key, f);
  }
  return f;
}

/**
 * An instant (ISO 8601 with a zone or offset) as a local date and time with the zone named:
 * en-US "Mar 4, 2025, 2:05 PM UTC", de-DE "04.03.2025, 15:05 MEZ"; the input as is if
 * unparseable.
 */
export function formatTimestamp(iso: string, options: DateOptions = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return dateFormat(options.locale, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    second: options.seconds ? "2-digit" : undefined,
    timeZoneName: "short",
    timeZone: options.timeZone,
  }).format(d);
}

/** An instant's time of day with its zone: "2:00 PM UTC" (en-US, timeZone "UTC"). */
export function formatTime(iso: string, options: DateOptions = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return dateFormat(options.locale, { hour: "numeric", minute: "2-digit", timeZoneName: "short", timeZone: options.timeZone }).format(d);
}

/** An instant's day, short: "Mon, Dec 7" (en-US, timeZone "UTC"). */
export function formatDay(iso: string, options: DateOptions = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return dateFormat(options.locale, { weekday: "short", month: "short", day: "numeric", timeZone: options.timeZone }).format(d);
}

/** "2025-03-04" (or the date part of "2025-03-04T…") → [2025, 3, 4]; null when not a real date. */
export function parsePlainDate(text: string): [number, number, number] | null {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return null;
  return [y, mo, d];
}

/**
 * A calendar date (YYYY-MM-DD, no time of day) in the user's locale: en-US "Mar 4, 2025",
 * de-DE "04.03.2025"… always the same day whatever the time zone; the input as is if it is not
 * such a date.
 */
export function formatDate(ymd: string, options: Pick<DateOptions, "locale"> = {}): string {
  const parts = parsePlainDate(ymd);
  if (!parts) return ymd;
  const [y, mo, d] = parts;
  return dateFormat(options.locale, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, mo - 1, d)));
}

/**
 * A monitoring period as batches carry it, "2025-01-01..2025-12-31", in the user's locale:
 * "Jan 1, 2025 – Dec 31, 2025"; the input as is when it is not written so.
 */
export function formatPeriod(period: string, options: Pick<DateOptions, "locale"> = {}): string {
  const m = /^\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*$/.exec(period);
  if (!m || !parsePlainDate(m[1]!) || !parsePlainDate(m[2]!)) return period;
  return `${formatDate(m[1]!, options)} – ${formatDate(m[2]!, options)}`;
}

/**
 * How long ago (or how soon) an ISO timestamp is from `now` (ms since the epoch), in words:
 * "just now", "5 minutes ago", "3 hours ago", "2 days ago", "in 10 minutes"; "" if unparseable.
 */
export function formatRelative(iso: string, now: number): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return "";
  const seconds = Math.round((now - t) / 1000);
  const a = Math.abs(seconds);
  if (a < 45) return "just now";
  const [size, name] = a < 3600 ? [60, "minute"] : a < 86400 ? [3600, "hour"] : [86400, "day"];
  const n = Math.max(1, Math.floor(a / size));
  const phrase = `${n} ${name}${n === 1 ? "" : "s"}`;
  return seconds >= 0 ? `${phrase} ago` : `in ${phrase}`;
}

/** "Rows 1–40 of 1,000,000" (1-based, inclusive); "No rows" when empty. */
export function rowsStatus(first: number, endExclusive: number, total: number): string {
  if (total <= 0) return "No rows";
  const a = Math.min(total, first + 1);
  const b = Math.min(total, Math.max(a, endExclusive));
  return `Rows ${formatCount(a)}–${formatCount(b)} of ${formatCount(total)}`;
}

/** Progress fraction in [0,1], or null when the total is unknown. */
export function progressFraction(read: number | null, total: number | null): number | null {
  if (read === null || total === null || total <= 0) return null;
  return Math.min(1, Math.max(0, read / total));
}

/** Tone of a batch or export state badge (states from mrv-core's BatchState and ExportState). */
export function stateTone(state: string): "ok" | "warn" | "bad" | "info" | "neutral" {
  switch (state) {
    case "approved":
    case "stamped":
    case "anchored":
    case "signed_off":
    case "registry_confirmed":
    case "issued":
      return "ok";
    case "imported":
    case "enriched":
    case "draft":
    case "pushed":
      return "info";
    case "in_review":
    case "submitted":
      return "warn";
    case "rejected":
    case "returned":
    case "registry_rejected":
      return "bad";
    default:
      return "neutral";
  }
}

/**
 * A code the UI has no words for, spelled out from the code itself: "snake_case-words" →
 * "Snake case words"; `fallback` when nothing is left of it.
 */
export function codeToWords(code: string, fallback = ""): string {
  const s = code.replace(/[_-]+/g, " ").replace(/\s+/g, " ").trim();
  return s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : fallback;
}

/** "in_review" → "In review". */
export function stateLabel(state: string): string {
  return codeToWords(state, "Unknown");
}

/**
 * A phrase from the backend as a sentence: "the log signed… a fork" → "The log signed… a fork.";
 * one that already ends (".", "!", "?", "…") keeps its ending; "" when there is no text.
 */
export function asSentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}
