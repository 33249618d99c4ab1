import { describe, expect, it } from "vitest";
import { DirtyTracker, fieldValue, isEditableField, onCloseRequest, type FieldLike } from "./dirtyForm";

const field = (value: string, type = "text"): FieldLike => ({ type, value, isConnected: true });

describe("DirtyTracker", () => {
  it("is clean until a touched field changes", () => {
    const t = new DirtyTracker();
    const name = field("");
    expect(t.isDirty()).toBe(false);
    t.remember(name);
    expect(t.isDirty()).toBe(false);
    name.value = "Ana";
    expect(t.isDirty()).toBe(true);
  });

  it("is clean again when the value is put back", () => {
    const t = new DirtyTracker();
    const reason = field("draft");
    t.remember(reason);
    reason.value = "draft, longer";
    t.remember(reason); // focusing again keeps the first value
    expect(t.isDirty()).toBe(true);
    reason.value = "draft";
    expect(t.isDirty()).toBe(false);
  });

  it("ignores values the program sets in fields the user never touched", () => {
    const t = new DirtyTracker();
    const loaded = field("");
    const typed = field("x");
    t.remember(typed);
    loaded.value = "2026-01-01";
    expect(t.isDirty()).toBe(false);
  });

  it("compares boxes by whether they are ticked", () => {
    const t = new DirtyTracker();
    const box: FieldLike = { type: "checkbox", checked: false, value: "on" };
    t.remember(box);
    box.checked = true;
    expect(fieldValue(box)).toBe("checked");
    expect(t.isDirty()).toBe(true);
  });

  it("counts a change without focus, and a component's edit, as dirty", () => {
    const a = new DirtyTracker();
    a.changed(field("ticked by its label"));
    expect(a.isDirty()).toBe(true);
    const b = new DirtyTracker();
    b.edited();
    expect(b.isDirty()).toBe(true);
    b.reset();
    expect(b.isDirty()).toBe(false);
  });

  it("forgets fields that left the page", () => {
    const t = new DirtyTracker();
    const gone = field("a");
    t.remember(gone);
    gone.value = "b";
    gone.isConnected = false;
    expect(t.isDirty()).toBe(false);
  });
});

describe("isEditableField", () => {
  it("takes inputs, selects and text areas but not buttons", () => {
    expect(isEditableField({ tagName: "INPUT", type: "text" })).toBe(true);
    expect(isEditableField({ tagName: "SELECT" })).toBe(true);
    expect(isEditableField({ tagName: "TEXTAREA" })).toBe(true);
    expect(isEditableField({ tagName: "INPUT", type: "submit" })).toBe(false);
    expect(isEditableField({ tagName: "BUTTON" })).toBe(false);
    expect(isEditableField(null)).toBe(false);
  });
});

describe("onCloseRequest", () => {
  it("asks before discarding changes, closes a clean form, and waits while busy", () => {
    expect(onCloseRequest({ closable: true, dirty: false, asking: false })).toBe("close");
    expect(onCloseRequest({ closable: true, dirty: true, asking: false })).toBe("ask");
    expect(onCloseRequest({ closable: false, dirty: true, asking: false })).toBe("ignore");
    expect(onCloseRequest({ closable: true, dirty: true, asking: true })).toBe("ignore");
  });
});
