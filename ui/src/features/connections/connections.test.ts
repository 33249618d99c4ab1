import { describe, expect, it } from "vitest";
import { logFormProblem, registryFormProblem } from "./connections";

describe("connection forms", () => {
  it("asks for each field of the audit log in turn", () => {
    expect(logFormProblem("", "k", "t")).toMatch(/URL/);
    expect(logFormProblem("ftp://x", "k", "t")).toMatch(/URL/);
    expect(logFormProblem("http://127.0.0.1:8080", " ", "t")).toMatch(/verifier key/);
    expect(logFormProblem("http://127.0.0.1:8080", "k", "")).toMatch(/writer token/);
    expect(logFormProblem("https://log.example", "k", "t")).toBeNull();
  });

  it("asks for the registry's URL and key file", () => {
    expect(registryFormProblem("127.0.0.1", "/k")).toMatch(/URL/);
    expect(registryFormProblem("http://127.0.0.1:31310", "")).toMatch(/API key/);
    expect(registryFormProblem("http://127.0.0.1:31310", "/etc/mrv/registry.key")).toBeNull();
  });
});
