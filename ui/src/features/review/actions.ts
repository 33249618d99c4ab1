/**
 * Which review buttons to offer. The backend decides (every command checks the role, the state
 * and segregation of duties) and tells the signed-in user's allowed actions from its one role
 * table; the UI only hides what certainly does not apply.
 */
import type { ActionDto } from "../../lib/bindings";

export type ReviewAction = "start_review" | "approve" | "reject" | "attach" | "import_correction";

/** The backend's action behind each review button. */
const ACTION_FOR: Record<ReviewAction, ActionDto> = {
  start_review: "start_review",
  approve: "approve_batch",
  reject: "reject_batch",
  attach: "attach_evidence",
  import_correction: "import_batch",
};

/** The batch states each action applies to (mrv-core's state machine). */
const STATES_FOR: Record<ReviewAction, readonly string[]> = {
  start_review: ["enriched"],
  approve: ["in_review"],
  reject: ["in_review"],
  attach: ["imported", "enriched", "in_review"],
  import_correction: ["rejected"],
};

/** Whether the user's `allowed` actions (from the backend) include the one behind `action`. */
export function allows(allowed: readonly ActionDto[], action: ReviewAction): boolean {
  return allowed.includes(ACTION_FOR[action]);
}

export interface ReviewContext {
  state: string;
  /** What the signed-in user's roles allow (the session's `allowed_actions`). */
  allowed: readonly ActionDto[];
  /** The signed-in user's name. */
  user: string;
  /** Who imported the batch; null while unknown (the history is not loaded). */
  importer: string | null;
  /** The version that corrects this batch; null when there is none (yet). */
  correctedBy: number | null;
}

export interface ReviewOffer {
  startReview: boolean;
  approve: boolean;
  reject: boolean;
  attach: boolean;
  importCorrection: boolean;
  /** Where the batch stands and what comes next, in a sentence or two. */
  note: string;
}

export function reviewOffer(ctx: ReviewContext): ReviewOffer {
  const applies = (action: ReviewAction) => STATES_FOR[action].includes(ctx.state) && allows(ctx.allowed, action);
  // Segregation of duties: nobody reviews a batch they imported.
  const ownWork = ctx.importer !== null && ctx.importer === ctx.user;
  const reviews = !ownWork;
  const offer = {
    startReview: reviews && applies("start_review"),
    approve: reviews && applies("approve"),
    reject: reviews && applies("reject"),
    attach: applies("attach"),
    importCorrection: ctx.correctedBy === null && applies("import_correction"),
  };
  const verifier = allows(ctx.allowed, "start_review");
  const ownNote = "You imported this batch, so another verifier reviews it (segregation of duties).";
  let note: string;
  switch (ctx.state) {
    case "imported":
      note = "Imported, but not yet checked against satellite layers. Re-run the checks (or add a layer) before the review can start.";
      break;
    case "enriched":
      if (offer.startReview) note = "Checked and ready for review. Start the review, then approve or reject the batch.";
      else if (ownWork && verifier) note = `Checked and ready for review. ${ownNote}`;
      else note = "Checked and ready for review by a verifier.";
      break;
    case "in_review":
      if (offer.approve || offer.reject) note = "Under review. Approve it (each open high-severity flag needs a written justification) or reject it with a reason.";
      else if (ownWork && verifier) note = `Under review. ${ownNote}`;
      else note = "Under review: waiting for the verifier's decision.";
      break;
    case "rejected":
      if (ctx.correctedBy !== null) note = `Rejected. Version ${ctx.correctedBy} is the corrected file.`;
      else if (offer.importCorrection) note = "Rejected. A rejected batch is never edited: import the corrected file as a new version; it links to this batch.";
      else note = "Rejected. A rejected batch is never edited: an analyst imports the corrected file as a new version that links to this batch.";
      break;
    case "approved":
      note = "Approved.";
      break;
    case "stamped":
      note = "Approved, stamped and signed. Anyone can re-check the stamp offline from the original files.";
      break;
    case "anchored":
      note = "Approved, stamped, signed and anchored in the audit log.";
      break;
    default:
      note = "";
  }
  return { ...offer, note };
}
