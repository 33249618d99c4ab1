import { describe, expect, it } from "vitest";
import { reviewOffer, rolesMay, type ReviewContext } from "./actions";

const vera: ReviewContext = { state: "enriched", roles: ["verifier"], user: "vera", importer: "ana", correctedBy: null };
const ana: ReviewContext = { ...vera, roles: ["analyst"], user: "ana" };

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

  it("follow the roles", () => {
    expect(buttons(ana)).toEqual(["attach"]);
    expect(buttons({ ...ana, state: "rejected" })).toEqual(["importCorrection"]);
    expect(buttons({ ...ana, state: "rejected", correctedBy: 2 })).toEqual([]);
    expect(buttons({ ...vera, roles: ["manager"] })).toEqual([]);
    expect(buttons({ ...vera, roles: [] })).toEqual([]);
    // A role the UI does not know: the backend decides.
    expect(buttons({ ...vera, roles: ["auditor"], state: "in_review" })).toEqual(["approve", "reject", "attach"]);
    expect(rolesMay(["analyst", "verifier"], "import_correction")).toBe(true);
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
