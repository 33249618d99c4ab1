import { describe, expect, it } from "vitest";
import { roleLabel, rolesLabel } from "./roles";

describe("roles", () => {
  it("names roles in plain words", () => {
    expect(roleLabel("verifier")).toBe("Verifier");
    expect(roleLabel("methodology_owner")).toBe("Methodology owner");
    expect(roleLabel("data_steward")).toBe("Data steward");
    expect(roleLabel("")).toBe("Unknown role");
    expect(rolesLabel(["analyst", "verifier"])).toBe("Analyst, Verifier");
    expect(rolesLabel([])).toBe("No roles");
  });
});
