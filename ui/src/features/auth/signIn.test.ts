import { describe, expect, it } from "vitest";
import { errorTitle, type ShownError } from "../../lib/errors";
import { signedOutNotice, signInError, signInProblem } from "./signIn";

const refused: ShownError = { code: "unauthenticated", title: errorTitle("unauthenticated"), message: "unknown user or wrong password", problems: [], total: 0 };

describe("sign-in", () => {
  it("asks for both fields", () => {
    expect(signInProblem("", "x")).toMatch(/user name/);
    expect(signInProblem("  ", "x")).toMatch(/user name/);
    expect(signInProblem("vera", "")).toMatch(/password/);
    expect(signInProblem("vera", " ")).toBeNull();
  });

  it("words refusals for the sign-in screen", () => {
    expect(signInError(refused)).toMatchObject({ title: "Could not sign in", message: "Unknown user or wrong password." });
    expect(signInError({ ...refused, message: "" }).message).toBe("Unknown user or wrong password.");
    const io: ShownError = { ...refused, code: "io", title: errorTitle("io") };
    expect(signInError(io)).toBe(io);
  });

  it("explains why the app came back to sign-in", () => {
    expect(signedOutNotice("the session has expired; sign in again")).toBe("The session has expired; sign in again.");
    expect(signedOutNotice("")).toMatch(/session has ended/);
  });
});
