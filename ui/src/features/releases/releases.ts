// Pure wording and clock helpers of the releases desk (SOP-002). The rules — who may do what,
// what blocks a promotion, the slots and the rota — are the backend's: these only word what it
// says and count its clocks down between two answers.
import type { ActionDto, MonitorRunDto, ClockDto, ReleaseOfferDto } from "../../lib/bindings";
import { formatDay, formatTime } from "../../lib/format";

/** Whether the signed-in user runs the release procedure (from the backend's allowed actions). */
export function managesReleases(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("manage_releases");
}

/**
 * The seconds left on a clock at `nowMs`, counted down from what the backend computed at
 * `viewNow` (its `now`); null once the clock is met.
 */
export function liveRemaining(clock: Pick<ClockDto, "remaining_seconds">, viewNow: string, nowMs: number): number | null {
  const remaining = clock.remaining_seconds;
  if (remaining === null || remaining === undefined) return null;
  const at = Date.parse(viewNow);
  if (Number.isNaN(at)) return remaining;
  const elapsed = Math.floor((nowMs - at) / 1000);
  return remaining - Math.max(0, elapsed);
}

/**
 * Whether a clock the backend last saw running has run out by `nowMs`: the moment to ask the
 * backend again (a promotion or a watch end may have become possible).
 */
export function ranOutSinceView(clock: Pick<ClockDto, "remaining_seconds">, viewNow: string, nowMs: number): boolean {
  const seen = clock.remaining_seconds;
  if (seen === null || seen === undefined || seen < 0) return false;
  const left = liveRemaining(clock, viewNow, nowMs);
  return left !== null && left <= 0;
}

/** A clock's state for `remaining` seconds left: running through its due second, overdue after. */
export function liveState(remaining: number | null): "met" | "running" | "overdue" {
  if (remaining === null) return "met";
  return remaining < 0 ? "overdue" : "running";
}

/** "12:05 left", "0:00 left", "overdue by 3:02", "1:02:03 left"; "done" once met. */
export function countdownWords(remaining: number | null): string {
  if (remaining === null) return "done";
  const a = Math.abs(remaining);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  const p = (x: number) => String(x).padStart(2, "0");
  const text = h > 0 ? `${h}:${p(m)}:${p(s)}` : `${m}:${p(s)}`;
  return remaining < 0 ? `overdue by ${text}` : `${text} left`;
}

/** The callout tone of a clock: met ok, running info, overdue bad. */
export function clockTone(remaining: number | null): "ok" | "info" | "bad" {
  const s = liveState(remaining);
  return s === "met" ? "ok" : s === "running" ? "info" : "bad";
}

/** What a clock's overdue state means for the release, in words. */
export function clockMeaning(name: string, remaining: number | null): string {
  const s = liveState(remaining);
  if (name === "staging soak") {
    if (s === "met") return "Soak finished.";
    return s === "running" ? "Soaking on staging; promotion waits for the full 30 minutes." : "Soak over: promote (with a green monitor run) or roll back.";
  }
  if (name === "post-release watch") {
    if (s === "met") return "Watch finished.";
    return s === "running" ? "Watch the RED metrics dashboard until the clock runs out." : "Watch over: end it and close the release.";
  }
  return "";
}

const STEP_LABELS: Record<string, string> = {
  soak: "Start staging soak",
  monitor: "Run synthetic monitor",
  promote: "Promote to production",
  watch_end: "End watch",
  close: "Close into changelog",
  rollback: "Roll back…",
};

/** A step's button text. */
export function stepLabel(step: string): string {
  return STEP_LABELS[step] ?? step.replaceAll("_", " ");
}

/** The offers in the order the procedure goes (the monitor next to promotion, rollback last). */
export function orderedOffers(offers: readonly ReleaseOfferDto[]): ReleaseOfferDto[] {
  const order = ["soak", "monitor", "promote", "watch_end", "close", "rollback"];
  const rank = (s: string) => {
    const i = order.indexOf(s);
    return i < 0 ? order.length : i;
  };
  return [...offers].sort((a, b) => rank(a.step) - rank(b.step));
}

/** One monitor run in words: "Green · checkpoint size 12 · 84 ms" or "Red · what failed". */
export function runWords(run: Pick<MonitorRunDto, "green" | "checkpoint_size" | "failure" | "duration_ms">): string {
  if (run.green) {
    const size = run.checkpoint_size === null ? "" : ` · checkpoint size ${run.checkpoint_size}`;
    return `Green${size} · ${run.duration_ms} ms`;
  }
  return `Red · ${run.failure ?? "the probe failed"} · ${run.duration_ms} ms`;
}

/** A release state in words. */
export function releaseStateWords(state: string): string {
  switch (state) {
    case "planned":
      return "Planned";
    case "soaking":
      return "Soaking on staging";
    case "watching":
      return "In production, watching";
    case "watched":
      return "Watched, to close";
    case "closed":
      return "Closed";
    case "rolled_back":
      return "Rolled back";
    default:
      return state;
  }
}

/** The callout tone of a release state. */
export function releaseTone(state: string): "ok" | "info" | "warn" | "bad" {
  if (state === "closed") return "ok";
  if (state === "rolled_back") return "bad";
  if (state === "watching" || state === "soaking") return "warn";
  return "info";
}

/** An instant as its time of day in UTC (the slots are set in UTC): "2:00 PM UTC" (en-US). */
export function utcTime(iso: string): string {
  return formatTime(iso, { timeZone: "UTC" });
}

/** An instant's UTC day, short: "Mon, Dec 7" (en-US). */
export function utcDay(iso: string): string {
  return formatDay(iso, { timeZone: "UTC" });
}

/** What a rota entry form holds, checked for shape only (the backend checks the week and user). */
export function rotaProblem(week: string, captain: string): string | null {
  if (!/^\d{4}-W\d{2}$/.test(week.trim())) return "Give the week as YYYY-Www, e.g. 2026-W49.";
  if (captain.trim() === "") return "Name the captain (an active user).";
  return null;
}

/** Who the captain is, from the signed-in user's point of view. */
export function captainWords(captain: string | null | undefined, userName: string): string {
  if (captain === null || captain === undefined) return "No captain this week: an ops admin decides a rollback.";
  return captain === userName ? "You are this week's release captain: the notes and the rollback decision are yours." : `Captain: ${captain}`;
}
