/**
 * Rejection findings (docs/review-findings.md): a kind as registries word their findings,
 * optionally with a sub-code after a slash ("CAR/outside_boundary"), a text and the record ids
 * of the rows concerned. The kinds and sub-codes come from the backend (`reviewVocabulary`);
 * this module keeps no copy of them. The backend checks everything again.
 */
import type { NewFindingDto, ReviewVocabularyDto } from "../../lib/bindings";
import { checkLabel } from "../../lib/flags";

export type Vocabulary = ReviewVocabularyDto;

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

/**
 * "CAR/outside_boundary" → "Corrective action · Outside the project boundary", the kind's label
 * from the backend's vocabulary; unknown parts (or no vocabulary yet) as written.
 */
export function describeReasonCode(code: string, vocabulary: Vocabulary | null): string {
  const [kindCode = "", sub] = code.trim().split("/", 2);
  const kind = vocabulary?.kinds.find((k) => k.code === kindCode);
  const head = kind ? kind.label : kindCode;
  return sub ? `${head} · ${subCodeLabel(sub)}` : head;
}

/** One finding as the reject dialog edits it. */
export interface FindingForm {
  /** "" until chosen. */
  kind: string;
  /** "" for none. */
  sub: string;
  text: string;
  /** Record ids, separated by commas or spaces; "" for none. */
  rows: string;
}

export function emptyFinding(): FindingForm {
  return { kind: "", sub: "", text: "", rows: "" };
}

/** "SDM-0001, SDM-0002 SDM-0003" → the record ids, each once, in order. */
export function parseRows(rows: string): string[] {
  const ids = rows
    .split(/[\s,;]+/)
    .map((r) => r.trim())
    .filter((r) => r !== "");
  return [...new Set(ids)];
}

/** What is wrong with one finding in plain words, or null. */
export function findingProblem(form: FindingForm, vocabulary: Vocabulary | null, n: number): string | null {
  if (!vocabulary) return "The finding kinds are still loading.";
  const which = `Finding ${n}`;
  if (!vocabulary.kinds.some((k) => k.code === form.kind)) {
    return `${which}: choose its kind (${vocabulary.kinds.map((k) => k.code).join(", ")}).`;
  }
  if (form.sub && !vocabulary.sub_codes.includes(form.sub)) return `${which}: “${form.sub}” is not one of the issues the registry codes know.`;
  if (!form.text.trim()) return `${which}: write what is wrong and what the analyst should do about it.`;
  return null;
}

/** What keeps the findings from being sent, or null when they can be. */
export function findingsProblem(forms: readonly FindingForm[], vocabulary: Vocabulary | null): string | null {
  if (forms.length === 0) return "Add at least one finding.";
  for (const [i, f] of forms.entries()) {
    const p = findingProblem(f, vocabulary, i + 1);
    if (p) return p;
  }
  return null;
}

/** What the backend takes for one finding. */
export function findingPayload(form: FindingForm): NewFindingDto {
  return { code: composeReasonCode(form.kind, form.sub), text: form.text.trim(), record_ids: parseRows(form.rows) };
}
