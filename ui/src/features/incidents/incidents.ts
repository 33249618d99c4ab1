/** Incident desk wording and small rules (SOP-003). The clocks, severities and who may do what
 * come from the backend; this only counts the backend's due times down and words them. */
import type { ActionDto, ClockDto, IncidentSummaryDto } from "../../lib/bindings";
import { formatTimestamp } from "../../lib/format";

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


/** An ISO instant in UTC, in the user's locale: "Dec 2, 2026, 10:05:00 AM UTC"; the input as is if unparseable. */
export function utcText(iso: string): string {
  return formatTimestamp(iso, { timeZone: "UTC", seconds: true });
}

/**
 * An ISO instant in a time zone (default: this computer's), in the user's locale with the zone
 * named: "Dec 2, 2026, 11:05:00 AM GMT+1"; the input as is if unparseable.
 */
export function localText(iso: string, timeZone?: string): string {
  return formatTimestamp(iso, { timeZone, seconds: true });
}

/** "due Dec 2, 2026, 10:05:00 AM UTC · Dec 2, 2026, 11:05:00 AM GMT+1". */
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
