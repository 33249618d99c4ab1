// Pure helpers of the backups desk (SOP-007): words for ages, sizes and durations, and the tone
// of the last backup. Whether a backup is stale or a drill due is decided by the backend
// (`BackupStatusDto`); these only put it into words.
import type { ActionDto, BackupStatusDto, DrillCheckDto, SnapshotDto } from "../../lib/bindings";
import { formatBytes, formatCount } from "../../lib/format";

/** Whether the user's roles allow managing backups (the desk is shown only then). */
export function managesBackups(allowed: readonly ActionDto[]): boolean {
  return allowed.includes("manage_backups");
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

/** Seconds since something happened, in words: "just now", "12 minutes ago", "3 hours ago",
 * "2 days ago"; "never" when it never happened. */
export function ageWords(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "never";
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return "just now";
  if (s < 3600) return `${plural(Math.floor(s / 60), "minute")} ago`;
  if (s < 86400) return `${plural(Math.floor(s / 3600), "hour")} ago`;
  return `${plural(Math.floor(s / 86400), "day")} ago`;
}

/** A backup's size in words: "12.3 MB", or "12.3 MB in 5 files" with a file count. */
export function sizeWords(bytes: number | null | undefined, files?: number | null): string {
  const size = formatBytes(bytes);
  if (files === null || files === undefined) return size;
  return `${size} in ${formatCount(files)} ${files === 1 ? "file" : "files"}`;
}

/** A drill's duration: "850 ms", "2.3 s", "1 min 5 s". */
export function durationWords(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}

/** The tone of the last-backup callout: bad when the last run failed, warn when the last good
 * backup is older than a day (or none was made), ok otherwise; info without a target. */
export function backupTone(s: Pick<BackupStatusDto, "target" | "last_run_failed" | "backup_stale">): "ok" | "warn" | "bad" | "info" {
  if (s.target == null) return "info";
  if (s.last_run_failed) return "bad";
  if (s.backup_stale) return "warn";
  return "ok";
}

/** "nightly" / "monthly" as shown; the newest snapshot is kept until a newer one is made. */
export function keptWords(s: SnapshotDto, newest: boolean): string {
  const until = s.kept_until ? `until ${s.kept_until}` : "by the retention rule";
  return newest ? `${until} (kept while it is the newest)` : until;
}

const CHECKS: Record<string, string> = {
  restore: "Restore, every byte against the manifest",
  integrity_check: "SQLite integrity_check",
  stored_files: "Stored files against their SHA-256",
  journal_and_stamps: "Journal and the state it covers",
  stamp_evidence: "Stamps against their source files and anchor receipts",
};

/** A drill check's name in words. */
export function checkLabel(c: Pick<DrillCheckDto, "check">): string {
  return CHECKS[c.check] ?? c.check.replaceAll("_", " ");
}
