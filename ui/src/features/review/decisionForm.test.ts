import { describe, expect, it } from "vitest";
import type { ShownError } from "../../lib/errors";
import { DecisionForm } from "./decisionForm.svelte";

type Sent = { status: "ok"; data: string } | { status: "error"; error: { code: string; message: string } };

function setup(problem: string | null) {
  const form = new DecisionForm(() => problem);
  const done: string[] = [];
  const refused: ShownError[] = [];
  const send = (answer: Sent) =>
    form.send(
      () => Promise.resolve(answer),
      (d) => done.push(d),
      (e) => refused.push(e),
    );
  return { form, done, refused, send };
}

describe("DecisionForm", () => {
  it("shows the form's problem only once the user has tried, and sends nothing", async () => {
    let calls = 0;
    const form = new DecisionForm(() => "Write a reason.");
    expect(form.error).toBeNull();
    await form.send(
      () => {
        calls++;
        return Promise.resolve({ status: "ok", data: 1 });
      },
      () => {},
      () => {},
    );
    expect(calls).toBe(0);
    expect(form.tried).toBe(true);
    expect(form.error?.code).toBe("invalid_input");
    expect(form.error?.message).toBe("Write a reason.");
  });

  it("hands the answer on when it is sent", async () => {
    const { form, done, send } = setup(null);
    await send({ status: "ok", data: "stamp" });
    expect(done).toEqual(["stamp"]);
    expect(form.running).toBe(false);
    expect(form.error).toBeNull();
  });

  it("sends refusals back to the panel and keeps other errors in the dialog", async () => {
    const { form, refused, send } = setup(null);
    await send({ status: "error", error: { code: "conflict", message: "decided meanwhile" } });
    expect(refused.map((e) => e.code)).toEqual(["conflict"]);
    expect(form.error).toBeNull();
    await send({ status: "error", error: { code: "io", message: "disk full" } });
    expect(refused).toHaveLength(1);
    expect(form.error?.message).toBe("disk full");
  });
});
