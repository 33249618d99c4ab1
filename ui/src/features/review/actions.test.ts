import { describe, expect, it } from "vitest";
import { allows, reviewOffer, type ReviewContext } from "./actions";

// What the backend's role table allows a verifier and an analyst (mrv-core's `allowed_actions`).
const VERIFIER = ["view_evidence", "enrich_batch", "start_review", "approve_batch", "reject_batch", "attach_evidence", "verify_journal", "anchor"] as const;
const ANALYST = ["view_evidence", "manage_projects", "import_batch", "manage_layers", "enrich_batch", "attach_evidence", "verify_journal"] as const;
const vera: ReviewContext = { state: "enriched", allowed: VERIFIER, user: "vera", importer: "ana", correctedBy: null };
const ana: ReviewContext = { ...vera, allowed: ANALYST, user: "ana" };

function buttons(ctx: ReviewContext): string[] {
  const o = reviewOffer(ctx);
  return (["startReview", "approve", "reject", "attach", "importCorrection"] as const).filter((k) => o[k]);
}

describe("review buttons", () => {
  it("follow the state", () => {
    expect(buttons(vera)).toEqual(["startReview", "attach"]);
    expect(buttons({ ...vera, state: "imported" })).toEqual(["attach"]);
    expect(buttons({ ...vera, state: "in_review" })).toEqual(["approve", "reject", "attach"]);
    for (const state of ["approved", "stamped", "anchored"]) expect(buttons({ ...vera, state })).toEqual([]);
    expect(buttons({ ...vera, state: "rejected" })).toEqual([]);
  });

  it("follow what the backend allows", () => {
    expect(buttons(ana)).toEqual(["attach"]);
    expect(buttons({ ...ana, state: "rejected" })).toEqual(["importCorrection"]);
    expect(buttons({ ...ana, state: "rejected", correctedBy: 2 })).toEqual([]);
    expect(buttons({ ...vera, allowed: ["view_evidence", "verify_journal"] })).toEqual([]);
    expect(buttons({ ...vera, allowed: [] })).toEqual([]);
    expect(allows([...ANALYST, ...VERIFIER], "import_correction")).toBe(true);
    expect(allows(VERIFIER, "import_correction")).toBe(false);
  });

  it("keep importers from reviewing their own batch", () => {
    const own = { ...vera, importer: "vera" };
    expect(buttons(own)).toEqual(["attach"]);
    expect(reviewOffer(own).note).toMatch(/segregation of duties/);
    expect(buttons({ ...own, state: "in_review" })).toEqual(["attach"]);
    // Unknown importer (history not loaded): the buttons stay.
    expect(buttons({ ...vera, importer: null })).toEqual(["startReview", "attach"]);
  });

  it("say where the batch stands", () => {
    expect(reviewOffer(vera).note).toMatch(/Start the review/);
    expect(reviewOffer(ana).note).toMatch(/by a verifier/);
    expect(reviewOffer({ ...ana, state: "rejected" }).note).toMatch(/import the corrected file/);
    expect(reviewOffer({ ...ana, state: "rejected", correctedBy: 2 }).note).toMatch(/Version 2/);
    expect(reviewOffer({ ...vera, state: "stamped" }).note).toMatch(/stamped and signed/);
    expect(reviewOffer({ ...vera, state: "something_new" }).note).toBe("");
  });
});
