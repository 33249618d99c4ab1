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

/** ISO timestamp → "2025-03-04 14:05" (local time); the input as is if unparseable. */
export function formatTimestamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (x: number) => String(x).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
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
