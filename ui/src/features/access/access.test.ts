import { describe, expect, it } from "vitest";
import { addUserProblem, clockTone, clockWords, deskSections, lastUseWords, offboardQuestion, remainingNow, requestProblem, requestStateWords, reviewLine, roleChanges } from "./access";

const request = (state: string, extra: Partial<{ manager: string | null; decided_by: string | null; decision_reason: string | null; granted_by: string | null }> = {}) => ({
  state,
  manager: "max",
  decided_by: null,
  decision_reason: null,
  granted_by: null,
  ...extra,
});

describe("access desk", () => {
  it("shows each part by what the user may do", () => {
    expect(deskSections(["view_evidence", "request_access"])).toEqual({ users: false, decide: false, request: true });
    expect(deskSections(["manage_users", "request_access"])).toEqual({ users: true, decide: false, request: true });
    expect(deskSections(["decide_access_request"])).toEqual({ users: false, decide: true, request: false });
    expect(deskSections([])).toEqual({ users: false, decide: false, request: false });
  });

  it("checks a role request, naming the field", () => {
    expect(requestProblem({ role: "", reason: "x" })).toMatch(/^Role:/);
    expect(requestProblem({ role: "verifier", reason: "  " })).toMatch(/^Reason:/);
    expect(requestProblem({ role: "verifier", reason: "cover reviews" }, ["verifier"])).toMatch(/already hold the role Verifier/);
    expect(requestProblem({ role: "verifier", reason: "cover reviews" }, ["analyst"])).toBeNull();
  });

  it("checks a new user, naming the field", () => {
    const ok = { name: "nina", roles: ["analyst"], password: "long-enough-password" };
    expect(addUserProblem(ok)).toBeNull();
    expect(addUserProblem({ ...ok, name: " " })).toMatch(/^Name:/);
    expect(addUserProblem({ ...ok, name: "nina k" })).toMatch(/without spaces/);
    expect(addUserProblem({ ...ok, roles: [] })).toMatch(/^Roles:/);
    expect(addUserProblem({ ...ok, password: "" })).toMatch(/^Initial password:/);
  });

  it("turns the wanted roles into additions and removals", () => {
    expect(roleChanges(["analyst"], ["analyst", "verifier"])).toEqual({ add: ["verifier"], remove: [] });
    expect(roleChanges(["analyst", "verifier"], ["verifier"])).toEqual({ add: [], remove: ["analyst"] });
    expect(roleChanges(["analyst"], ["analyst"])).toEqual({ add: [], remove: [] });
  });

  it("words a request by its state", () => {
    expect(requestStateWords(request("requested"))).toBe("Waiting for max (manager) to decide.");
    expect(requestStateWords(request("requested", { manager: null }))).toMatch(/a manager/);
    expect(requestStateWords(request("approved", { decided_by: "max" }))).toMatch(/^Approved by max; waiting for a tenant admin/);
    expect(requestStateWords(request("declined", { decided_by: "max", decision_reason: "not needed" }))).toBe("Declined by max: not needed");
    expect(requestStateWords(request("granted", { granted_by: "tess" }))).toBe("Granted by tess.");
  });

  it("says when a grant was last used and how that is known", () => {
    expect(lastUseWords({ last_used_at: null, last_used_from: null })).toBe("Never used");
    expect(lastUseWords({ last_used_at: "2026-12-01T10:00:00Z", last_used_from: "journal" })).toMatch(/\(journal\)$/);
    expect(lastUseWords({ last_used_at: "2026-12-01T10:00:00Z", last_used_from: "sign_in" })).toMatch(/^Last sign-in .*nothing journaled/);
  });

  it("counts a revocation clock down live and turns red one second after it is due", () => {
    const clock = { state: "running" as const, remaining_seconds: 10 };
    expect(remainingNow(clock, 1_000_000, 1_000_000)).toBe(10);
    expect(remainingNow(clock, 1_000_000, 1_010_999)).toBe(0);
    expect(remainingNow(clock, 1_000_000, 1_011_000)).toBe(-1);
    expect(remainingNow({ state: "met", remaining_seconds: null }, 0, 5_000)).toBeNull();
    expect(clockTone(0, false)).toBe("warn");
    expect(clockTone(-1, false)).toBe("bad");
    expect(clockTone(null, true)).toBe("ok");
    expect(clockWords(86_400, false)).toBe("24 h 00 min left to remove the role");
    expect(clockWords(59, false)).toBe("59 s left to remove the role");
    expect(clockWords(-3_720, false)).toBe("Overdue by 1 h 02 min: remove the role now");
    expect(clockWords(null, true)).toBe("Role removed");
  });

  it("asks before offboarding, saying sessions end at once", () => {
    expect(offboardQuestion("nina", 2)).toMatch(/^Offboard nina\? Their 2 live sessions end at once and their signing key is disabled/);
    expect(offboardQuestion("nina", 1)).toMatch(/Their 1 live session ends at once/);
    expect(offboardQuestion("nina", 0)).toMatch(/They can no longer sign in at once/);
  });

  it("reminds of the quarterly review", () => {
    expect(reviewLine({ due: true, next_due_at: null, review: null })).toMatch(/is due/);
    expect(reviewLine({ due: false, next_due_at: null, review: { finished_at: null, pending: 3 } })).toBe("Review in progress: 3 grants still to decide.");
    expect(reviewLine({ due: false, next_due_at: "2027-03-01T10:00:00Z", review: { finished_at: "2026-12-01T10:00:00Z", pending: 0 } })).toMatch(/^Next quarterly review due/);
  });
});
