/**
 * Registry exports in plain words. Which actions an export offers the signed-in user comes from
 * the backend (`offers`, computed from the role table, the export state machine and segregation
 * of duties); this file only words them and checks forms before they are sent (the backend
 * checks again).
 */
import { formatPeriod } from "../../lib/format";
import type { ExportActionDto, ExportOfferDto, ExportSummaryDto, PushOutcomeDto } from "../../lib/bindings";

/** "Export 3 · Jan 1, 2025 – Dec 31, 2025" (dates in the user's locale). */
export function exportTitle(e: Pick<ExportSummaryDto, "id" | "period">): string {
  return `Export ${e.id} · ${periodWords(e.period)}`;
}

/** "2025-01-01..2025-12-31" → "Jan 1, 2025 – Dec 31, 2025" (the user's locale; lib/format). */
export function periodWords(period: string): string {
  return formatPeriod(period);
}

/** The offer of `action`, if the backend makes it. */
export function offerOf(offers: readonly ExportOfferDto[], action: ExportActionDto): ExportOfferDto | null {
  return offers.find((o) => o.action === action) ?? null;
}

/** Whether `action` is offered and nothing stands in its way. */
export function canDo(offers: readonly ExportOfferDto[], action: ExportActionDto): boolean {
  const offer = offerOf(offers, action);
  return offer !== null && offer.refusal === null;
}

/** Whether an export waits for the signed-in user: a step of theirs is on offer. */
export function waitsForUser(offers: readonly ExportOfferDto[]): boolean {
  return canDo(offers, "submit") || canDo(offers, "sign_off") || canDo(offers, "return") || canDo(offers, "push");
}

/**
 * What to do next with an export, for its row on the home screen: from the offers the backend
 * made and the state it reported.
 */
export function nextStep(state: string, offers: readonly ExportOfferDto[]): string {
  const signOff = offerOf(offers, "sign_off");
  if (canDo(offers, "submit") && signOff && !signOff.refusal) return "Review it, then submit it for sign-off or sign it off yourself.";
  if (canDo(offers, "submit")) return "Review it, then submit it for sign-off.";
  if (signOff && !signOff.refusal) return "Review it, then sign it off or return it.";
  if (signOff?.refusal) return "Waiting for another methodology owner's sign-off: you took part in an included batch.";
  if (canDo(offers, "return")) return "Review it; return it if something is wrong.";
  if (canDo(offers, "push")) return state === "pushed" ? "Its push did not finish: push again to resume it." : "Signed off. Push it to the registry.";
  const push = offerOf(offers, "push");
  if (push?.refusal) return `Signed off; cannot be pushed yet: ${push.refusal}.`;
  switch (state) {
    case "draft":
    case "submitted":
      return "Waiting for a methodology owner.";
    case "returned":
      return "Returned. Fix what the return asks for, then create a new export for the period.";
    case "signed_off":
      return "Signed off. Waiting for a methodology owner to push it to the registry.";
    case "pushed":
      return "Being pushed to the registry.";
    case "registry_rejected":
      return "Rejected by the registry. Create a new export for the period once the reason is fixed.";
    case "issued":
      return "Issued: its units are in the inventory.";
    default:
      return "";
  }
}

/** +3, −2, or "no change" for a difference in units. */
export function signedChange(n: number): string {
  if (n === 0) return "no change";
  return n > 0 ? `+${n}` : `−${Math.abs(n)}`;
}

/** "batches 3, 4" / "batch 3" / "none". */
export function batchList(ids: readonly number[]): string {
  if (ids.length === 0) return "none";
  return `${ids.length === 1 ? "batch" : "batches"} ${ids.join(", ")}`;
}

export interface CreateForm {
  projectId: number | null;
  period: string;
  /** "" for the default (the year the period ends in). */
  vintage: string;
  /** "" for none. */
  verificationBody: string;
  /** "" for none, else YYYY-MM-DD. */
  reportDate: string;
}

/** What is wrong with the create form, in plain words, or null when it can be sent. */
export function createProblem(form: CreateForm): string | null {
  if (form.projectId === null) return "Choose the project.";
  if (!form.period) return "Choose the monitoring period.";
  const v = form.vintage.trim();
  if (v && !/^\d{4}$/.test(v)) return "The vintage is a year, such as 2025.";
  if (form.reportDate && !/^\d{4}-\d{2}-\d{2}$/.test(form.reportDate)) return "The report date is a date (YYYY-MM-DD).";
  return null;
}

/** The vintage the backend uses when none is given: the year the period ends in. */
export function defaultVintage(period: string): string {
  return period.split("..", 2)[1]?.slice(0, 4) ?? "";
}

export interface ReturnForm {
  /** "" until chosen. */
  kind: string;
  /** "" for none. */
  sub: string;
  reason: string;
}

/** What is wrong with the return form, or null when it can be sent; `kinds` and `subs` are the backend's vocabulary. */
export function returnProblem(form: ReturnForm, kinds: readonly string[], subs: readonly string[]): string | null {
  if (!kinds.includes(form.kind)) return `Choose the finding: ${kinds.join(", ")}.`;
  if (form.sub && !subs.includes(form.sub)) return `“${form.sub}” is not one of the issue codes.`;
  if (!form.reason.trim()) return "Write the reason: what is wrong and what the export's author should do about it.";
  return null;
}

/** "CL" + "missing_evidence" → "CL/missing_evidence"; no sub-code → "CL". */
export function reasonCode(kind: string, sub: string): string {
  return sub ? `${kind}/${sub}` : kind;
}

/** Words for the sign-off's anchor state. */
export function anchorWords(state: string | null | undefined, index: number | null | undefined): string {
  switch (state) {
    case "anchored":
      return index === null || index === undefined ? "Anchored in the audit log." : `Anchored in the audit log at entry ${index}.`;
    case "queued":
      return "Queued for the audit log: it is sent when the log can be reached.";
    case "failed":
      return "Not anchored yet: the last attempt failed; it is retried automatically.";
    default:
      return "Not queued for the audit log.";
  }
}

/** Words for a push's recorded outcome. */
export function pushOutcomeWords(outcome: PushOutcomeDto, attempts: number): string {
  const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  switch (outcome) {
    case "sending":
      return `Started (${tries}) and not finished: pushing again reads back what the registry has and resumes.`;
    case "failed":
      return `The last attempt failed (${tries}): pushing again reads back what the registry has and resumes.`;
    case "confirmed":
      return `Confirmed by the registry (${tries}): read back and matching.`;
    case "rejected":
      return `Rejected by the registry (${tries}).`;
  }
}

/** "MRV-000000001 – MRV-000000250". */
export function blockWords(start: string, end: string): string {
  return start === end ? start : `${start} – ${end}`;
}

/** The share of a push done, 0..1, or null when the step does not say. */
export function pushFraction(done: number | null, total: number | null): number | null {
  if (done === null || total === null || total <= 0) return null;
  return Math.min(1, Math.max(0, done / total));
}
