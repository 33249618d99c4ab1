import { describe, expect, it } from "vitest";
import type { ExportOfferDto } from "../../lib/bindings";
import { anchorWords, batchList, blockWords, canDo, createProblem, defaultVintage, exportTitle, nextStep, periodWords, pushFraction, pushOutcomeWords, reasonCode, returnProblem, signedChange, waitsForUser } from "./exports";

const offer = (action: ExportOfferDto["action"], refusal: string | null = null): ExportOfferDto => ({ action, refusal });

describe("export words", () => {
  it("titles an export by number and period", () => {
    expect(exportTitle({ id: 3, period: "2025-01-01..2025-12-31" })).toBe("Export 3 · Jan 1, 2025 – Dec 31, 2025");
    expect(periodWords("odd")).toBe("odd");
  });

  it("says what comes next from the backend's offers", () => {
    expect(nextStep("draft", [offer("submit"), offer("sign_off"), offer("return"), offer("write")])).toMatch(/submit it for sign-off or sign it off/);
    expect(nextStep("submitted", [offer("sign_off"), offer("return")])).toMatch(/sign it off or return it/);
    expect(nextStep("submitted", [offer("sign_off", "you approved batch 3"), offer("return")])).toMatch(/another methodology owner/);
    expect(nextStep("returned", [])).toMatch(/create a new export/);
    expect(nextStep("submitted", [])).toBe("Waiting for a methodology owner.");
    expect(nextStep("signed_off", [offer("push"), offer("write")])).toMatch(/Push it to the registry/);
    expect(nextStep("pushed", [offer("push")])).toMatch(/push again to resume/);
    expect(nextStep("signed_off", [offer("push", "this workspace is not connected to a registry")])).toMatch(/cannot be pushed yet: this workspace is not connected/);
    expect(nextStep("issued", [offer("write")])).toMatch(/in the inventory/);
  });

  it("words a push and its progress", () => {
    expect(pushOutcomeWords("failed", 2)).toMatch(/2 attempts.*resumes/);
    expect(pushOutcomeWords("confirmed", 1)).toMatch(/1 attempt\)/);
    expect(blockWords("MRV-000000001", "MRV-000000250")).toBe("MRV-000000001 – MRV-000000250");
    expect(blockWords("MRV-000000007", "MRV-000000007")).toBe("MRV-000000007");
    expect(pushFraction(1, 4)).toBe(0.25);
    expect(pushFraction(null, 4)).toBeNull();
    expect(pushFraction(3, 0)).toBeNull();
    expect(pushFraction(9, 4)).toBe(1);
  });

  it("an export waits for the user only when a step of theirs is open", () => {
    expect(waitsForUser([offer("write")])).toBe(false);
    expect(waitsForUser([offer("sign_off", "segregation of duties")])).toBe(false);
    expect(waitsForUser([offer("sign_off")])).toBe(true);
    expect(waitsForUser([offer("push")])).toBe(true);
    expect(waitsForUser([offer("push", "not connected")])).toBe(false);
    expect(canDo([offer("sign_off", "no")], "sign_off")).toBe(false);
    expect(canDo([], "submit")).toBe(false);
  });

  it("words differences and lists", () => {
    expect(signedChange(0)).toBe("no change");
    expect(signedChange(12)).toBe("+12");
    expect(signedChange(-3)).toBe("−3");
    expect(batchList([])).toBe("none");
    expect(batchList([4])).toBe("batch 4");
    expect(batchList([4, 5])).toBe("batches 4, 5");
  });

  it("checks the create form before sending", () => {
    const ok = { projectId: 1, period: "2025-01-01..2025-12-31", vintage: "", verificationBody: "", reportDate: "" };
    expect(createProblem(ok)).toBeNull();
    expect(createProblem({ ...ok, projectId: null })).toBe("Choose the project.");
    expect(createProblem({ ...ok, period: "" })).toBe("Choose the monitoring period.");
    expect(createProblem({ ...ok, vintage: "25" })).toMatch(/year/);
    expect(createProblem({ ...ok, reportDate: "2026-1-5" })).toMatch(/YYYY-MM-DD/);
    expect(defaultVintage("2025-01-01..2025-12-31")).toBe("2025");
  });

  it("checks the return form against the backend's vocabulary", () => {
    const kinds = ["CAR", "CL", "FAR"];
    const subs = ["missing_evidence"];
    expect(returnProblem({ kind: "", sub: "", reason: "x" }, kinds, subs)).toMatch(/CAR, CL, FAR/);
    expect(returnProblem({ kind: "CL", sub: "nope", reason: "x" }, kinds, subs)).toMatch(/not one of/);
    expect(returnProblem({ kind: "CL", sub: "missing_evidence", reason: " " }, kinds, subs)).toMatch(/reason/);
    expect(returnProblem({ kind: "CL", sub: "missing_evidence", reason: "add the plot photos" }, kinds, subs)).toBeNull();
    expect(reasonCode("CL", "missing_evidence")).toBe("CL/missing_evidence");
    expect(reasonCode("FAR", "")).toBe("FAR");
  });

  it("words the sign-off's anchor", () => {
    expect(anchorWords("anchored", 7)).toBe("Anchored in the audit log at entry 7.");
    expect(anchorWords("queued", null)).toMatch(/Queued/);
    expect(anchorWords(null, null)).toMatch(/Not queued/);
  });
});
