import { describe, expect, it } from "vitest";
import { attempt, unwrap } from "./result";
import { onUnauthenticated, reportCommandError } from "./session";

describe("unauthenticated commands", () => {
  it("tells listeners only about unauthenticated errors", () => {
    const heard: string[] = [];
    const off = onUnauthenticated((m) => heard.push(m));
    reportCommandError({ code: "forbidden", message: "ana (analyst) may not start reviews" });
    reportCommandError({ code: "unauthenticated", message: "the session has expired; sign in again" });
    reportCommandError("unauthenticated");
    reportCommandError(null);
    off();
    reportCommandError({ code: "unauthenticated", message: "not heard" });
    expect(heard).toEqual(["the session has expired; sign in again"]);
  });

  it("is reported by attempt and unwrap", async () => {
    const heard: string[] = [];
    const off = onUnauthenticated((m) => heard.push(m));
    const failed = { status: "error" as const, error: { code: "unauthenticated", message: "sign in first", report: null } };
    const r = await attempt(async () => failed);
    expect(r.ok).toBe(false);
    await expect(unwrap(Promise.resolve(failed))).rejects.toMatchObject({ code: "unauthenticated" });
    await attempt(async () => ({ status: "ok" as const, data: 1 }));
    off();
    expect(heard).toEqual(["sign in first", "sign in first"]);
  });
});
