/** Incident desk wording and small rules (SOP-003). The clocks, severities and who may do what
 * come from the backend; this only counts the backend's due times down and words them. */
import type { ActionDto, ClockDto, IncidentSummaryDto } from "../../lib/bindings";

/** Seconds as "4:12" or, from an hour on, "1:04:12". Negative values are taken as their size. */
export function durationWords(seconds: number): string {
  const s = Math.abs(Math.trunc(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const pad = (x: number) => String(x).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(rest)}` : `${m}:${pad(rest)}`;
}

/** A countdown in words: "4:12 left" (at the due second too, "0:00 left"), "overdue by 1:05". */
export function countdownWords(remainingSeconds: number): string {
  return remainingSeconds >= 0 ? `${durationWords(remainingSeconds)} left` : `overdue by ${durationWords(remainingSeconds)}`;
}

/** Whole seconds from `nowMs` (ms since the epoch) to an ISO instant; NaN if unparseable. */
export function secondsUntil(iso: string, nowMs: number): number {
  const due = Date.parse(iso);
  if (Number.isNaN(due)) return Number.NaN;
  return Math.floor(due / 1000) - Math.floor(nowMs / 1000);
}

export type LiveClock = { state: "met" | "running" | "overdue"; words: string };

/**
 * A clock at `nowMs`, as the core decides it: met once met; running up to and including its due
 * second; overdue from the second after.
 */
export function liveClock(clock: Pick<ClockDto, "due_at" | "met_at" | "met_late">, nowMs: number): LiveClock {
  if (clock.met_at !== null) return { state: "met", words: clock.met_late ? "met late" : "met" };
  const left = secondsUntil(clock.due_at, nowMs);
  if (Number.isNaN(left)) return { state: "running", words: "" };
  return { state: left >= 0 ? "running" : "overdue", words: countdownWords(left) };
}

const pad = (x: number) => String(x).padStart(2, "0");

/** An ISO instant in UTC: "2026-12-02 10:05:00 UTC"; the input as is if unparseable. */
export function utcText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/**
 * An ISO instant in a time zone (default: this computer's), with the zone's name:
 * "2026-12-02 11:05:00 Europe/Berlin"; the input as is if unparseable.
 */
export function localText(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const f = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  const part = (type: Intl.DateTimeFormatPartTypes) => f.formatToParts(d).find((p) => p.type === type)?.value ?? "";
  const zone = f.resolvedOptions().timeZone;
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")}:${part("second")} ${zone}`;
}

/** "due 2026-12-02 10:05:00 UTC · 2026-12-02 11:05:00 Europe/Berlin". */
export function dueText(iso: string, timeZone?: string): string {
  return `due ${utcText(iso)} · ${localText(iso, timeZone)}`;
}

/** Whether the signed-in user may declare incidents / manage them (from the backend's list). */
export function mayDeclare(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("declare_incident");
}

export function mayManage(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("manage_incidents");
}

/** Incidents not closed, most severe first, then newest first. */
export function activeIncidents<T extends Pick<IncidentSummaryDto, "state" | "severity" | "id">>(list: readonly T[]): T[] {
  return list.filter((i) => i.state !== "closed").sort((a, b) => a.severity.localeCompare(b.severity) || b.id - a.id);
}

/** What is wrong with a declaration before it is sent, or null. */
export function declareProblem(severity: string, title: string): string | null {
  if (severity === "") return "Choose a severity.";
  if (title.trim() === "") return "Give the incident a title: what is wrong, in one line.";
  return null;
}

/** Exactly YYYY-MM-DD and a real date. */
export function isStrictDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** What is wrong with a new action item before it is sent, or null. */
export function actionItemProblem(owner: string, due: string, text: string): string | null {
  if (owner === "") return "Choose the action item's owner.";
  if (!isStrictDate(due.trim())) return "The due date must be a date YYYY-MM-DD.";
  if (text.trim() === "") return "Say what is to be done.";
  return null;
}

/** "Internal note" / "Customer update". */
export function updateKindWords(kind: string): string {
  return kind === "customer" ? "Customer update" : "Internal note";
}

/** What a clock waits for, short: from its stable name. */
export function clockTitle(name: string): string {
  switch (name) {
    case "commander_assigned":
      return "Commander";
    case "customer_update":
      return "Customer update";
    case "postmortem":
      return "Postmortem";
    default:
      return name;
  }
}
