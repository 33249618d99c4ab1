/**
 * Rejection reason codes (DESIGN.md §2): a kind as registries word their findings, optionally
 * with a sub-code after a slash ("CAR/outside_boundary"). The backend checks them again.
 */
import { checkLabel } from "../../lib/flags";

export interface ReasonKind {
  code: "CAR" | "CL" | "FAR";
  /** "Corrective action". */
  label: string;
  /** What it asks for, in plain words. */
  description: string;
}

export const REASON_KINDS: readonly ReasonKind[] = [
  { code: "CAR", label: "Corrective action", description: "the data is wrong" },
  { code: "CL", label: "Clarification", description: "evidence is missing or unclear" },
  { code: "FAR", label: "Forward action", description: "fix it in the next period" },
];

/** The sub-codes the backend accepts, in the order a form offers them. */
export const SUB_CODES: readonly string[] = [
  "outside_boundary",
  "land_cover_mismatch",
  "loss_after_baseline",
  "implausible_value",
  "duplicate_plot",
  "robust_outlier",
  "nodata",
  "missing_evidence",
  "other",
];

const SUB_LABELS: Record<string, string> = {
  outside_boundary: "Outside the project boundary",
  robust_outlier: "Outlier among the batch's values",
  missing_evidence: "Missing evidence",
  other: "Other",
};

/** Plain words for a sub-code; the checks' own names where the sub-code is a check. */
export function subCodeLabel(sub: string): string {
  return SUB_LABELS[sub] ?? checkLabel(sub);
}

/** "CAR" + "outside_boundary" → "CAR/outside_boundary"; no sub-code → "CAR". */
export function composeReasonCode(kind: string, sub: string): string {
  return sub ? `${kind}/${sub}` : kind;
}

/** "CAR/outside_boundary" → "Corrective action · Outside the project boundary"; unknown parts as written. */
export function describeReasonCode(code: string): string {
  const [kindCode = "", sub] = code.trim().split("/", 2);
  const kind = REASON_KINDS.find((k) => k.code === kindCode);
  const head = kind ? kind.label : kindCode;
  return sub ? `${head} · ${subCodeLabel(sub)}` : head;
}

export interface RejectForm {
  /** "" until chosen. */
  kind: string;
  /** "" for none. */
  sub: string;
  reason: string;
}

/** What is wrong with the rejection form in plain words, or null when it can be sent. */
export function rejectProblem(form: RejectForm): string | null {
  if (!REASON_KINDS.some((k) => k.code === form.kind)) return "Choose the finding: CAR, CL or FAR.";
  if (form.sub && !SUB_CODES.includes(form.sub)) return `“${form.sub}” is not one of the issues the registry codes know.`;
  if (!form.reason.trim()) return "Write the reason: what is wrong and what the analyst should do about it.";
  return null;
}
