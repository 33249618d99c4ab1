// Access management (SOP-006) in words: what the desk shows whom, the state of a request, a
// grant's last use, the 24-hour revocation clock counting down, and the checks of the forms
// before they are sent (the backend checks again and decides). The UI keeps no copy of the role
// table: what a user may do comes from the session's `allowed_actions`.
import type { ClockDto, AccessRequestDto_Serialize, AccessReviewItemDto_Serialize, ActionDto } from "../../lib/bindings";
import { formatTimestamp } from "../../lib/format";
import { roleLabel } from "../../lib/roles";

/** The role names a form offers (the backend validates them; what a role allows is its own). */
export const ROLE_CHOICES = ["analyst", "verifier", "methodology_owner", "ops_admin", "tenant_admin", "manager"] as const;

/** Which parts of the access desk the signed-in user sees, from their allowed actions. */
export function deskSections(allowed: readonly ActionDto[]): { users: boolean; decide: boolean; request: boolean } {
  return {
    users: allowed.includes("manage_users"),
    decide: allowed.includes("decide_access_request"),
    request: allowed.includes("request_access"),
  };
}

/** What is wrong with a role request before it is sent, naming the field; null when fine. */
export function requestProblem(input: { role: string; reason: string }, held: readonly string[] = []): string | null {
  if (!input.role) return "Role: choose the role you need.";
  if (held.includes(input.role)) return `Role: you already hold the role ${roleLabel(input.role)}.`;
  if (!input.reason.trim()) return "Reason: say why you need the role; your manager reads it.";
  return null;
}

/** What is wrong with a new user before it is sent, naming the field; null when fine. */
export function addUserProblem(input: { name: string; roles: readonly string[]; password: string }): string | null {
  const name = input.name.trim();
  if (!name) return "Name: give the user a name.";
  if (/\s/.test(name)) return "Name: one word without spaces.";
  if (input.roles.length === 0) return "Roles: choose at least one role.";
  if (!input.password) return "Initial password: give one; the user signs in with it.";
  return null;
}

/** The roles to add and remove to go from `current` to `wanted`. */
export function roleChanges(current: readonly string[], wanted: readonly string[]): { add: string[]; remove: string[] } {
  return {
    add: wanted.filter((r) => !current.includes(r)),
    remove: current.filter((r) => !wanted.includes(r)),
  };
}

/** A request's state in words, with who it waits for or who decided it. */
export function requestStateWords(r: Pick<AccessRequestDto_Serialize, "state" | "manager" | "decided_by" | "decision_reason" | "granted_by">): string {
  switch (r.state) {
    case "requested":
      return r.manager ? `Waiting for ${r.manager} (manager) to decide.` : "Waiting for a manager to decide.";
    case "approved":
      return `Approved by ${r.decided_by ?? "the manager"}; waiting for a tenant admin to grant it.`;
    case "declined":
      return `Declined by ${r.decided_by ?? "the manager"}${r.decision_reason ? `: ${r.decision_reason}` : "."}`;
    case "granted":
      return `Granted by ${r.granted_by ?? "a tenant admin"}.`;
    default:
      return r.state;
  }
}

/** When a grant was last used, and how that is known. */
export function lastUseWords(item: Pick<AccessReviewItemDto_Serialize, "last_used_at" | "last_used_from">): string {
  if (!item.last_used_at) return "Never used";
  const when = formatTimestamp(item.last_used_at);
  return item.last_used_from === "sign_in" ? `Last sign-in ${when} (nothing journaled)` : `${when} (journal)`;
}

/**
 * The seconds a clock has left at `nowMs`, counting down from what the backend computed at
 * `loadedAtMs`; null once met (or without a count).
 */
export function remainingNow(clock: Pick<ClockDto, "state" | "remaining_seconds">, loadedAtMs: number, nowMs: number): number | null {
  if (clock.state === "met" || clock.remaining_seconds == null) return null;
  return clock.remaining_seconds - Math.floor((nowMs - loadedAtMs) / 1000);
}

function duration(seconds: number): string {
  const s = Math.abs(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m > 0) return `${m} min ${String(sec).padStart(2, "0")} s`;
  return `${sec} s`;
}

/** A revocation clock in words: time left (through its due second), overdue, or met. */
export function clockWords(remaining: number | null, met: boolean): string {
  if (met || remaining === null) return "Role removed";
  if (remaining >= 0) return `${duration(remaining)} left to remove the role`;
  return `Overdue by ${duration(remaining)}: remove the role now`;
}

/** The clock's tone: overdue one second after its due time (as the backend decides). */
export function clockTone(remaining: number | null, met: boolean): "ok" | "warn" | "bad" {
  if (met || remaining === null) return "ok";
  return remaining < 0 ? "bad" : "warn";
}

/** The question before offboarding: sessions end and the key is disabled at once. */
export function offboardQuestion(name: string, sessions: number): string {
  const live = sessions === 1 ? "their 1 live session ends" : `their ${sessions} live sessions end`;
  return `Offboard ${name}? ${sessions === 0 ? "They can no longer sign in" : `${live[0]!.toUpperCase()}${live.slice(1)}`} at once and their signing key is disabled; anything they have under way cannot be saved. This cannot be undone.`;
}

/** One line about the quarterly review: due, running, or done. */
export function reviewLine(status: { due: boolean; next_due_at: string | null; review: { finished_at: string | null; pending: number } | null }): string {
  const review = status.review;
  if (review && review.finished_at === null) return `Review in progress: ${review.pending} ${review.pending === 1 ? "grant" : "grants"} still to decide.`;
  if (status.due) return "A quarterly access review is due: no review finished in the last three months.";
  return status.next_due_at ? `Next quarterly review due ${formatTimestamp(status.next_due_at)}.` : "No review due.";
}
