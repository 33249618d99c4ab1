import { describe, expect, it } from "vitest";
import { roleLabel, rolesAllow, rolesLabel } from "./roles";

describe("roles", () => {
  it("names roles in plain words", () => {
    expect(roleLabel("verifier")).toBe("Verifier");
    expect(roleLabel("methodology_owner")).toBe("Methodology owner");
    expect(roleLabel("data_steward")).toBe("Data steward");
    expect(roleLabel("")).toBe("Unknown role");
    expect(rolesLabel(["analyst", "verifier"])).toBe("Analyst, Verifier");
    expect(rolesLabel([])).toBe("No roles");
  });

  it("lets a known role do what the list allows, and an unknown role try", () => {
    expect(rolesAllow(["analyst", "verifier"], ["verifier"])).toBe(true);
    expect(rolesAllow(["analyst"], ["verifier"])).toBe(false);
    expect(rolesAllow([], ["verifier"])).toBe(false);
    expect(rolesAllow(["auditor"], ["verifier"])).toBe(true);
  });
});
