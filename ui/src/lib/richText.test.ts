import { describe, expect, it } from "vitest";
import { plainText, richSegments } from "./richText";

describe("richSegments", () => {
  it("splits backtick spans into code segments", () => {
    expect(richSegments("layer `ndvi` reads 0.12")).toEqual([
      { kind: "text", text: "layer " },
      { kind: "code", text: "ndvi" },
      { kind: "text", text: " reads 0.12" },
    ]);
  });

  it("handles spans at the edges and several spans", () => {
    expect(richSegments("`a` and `b`")).toEqual([
      { kind: "code", text: "a" },
      { kind: "text", text: " and " },
      { kind: "code", text: "b" },
    ]);
  });

  it("keeps a text without backticks as one segment, and an empty text as none", () => {
    expect(richSegments("the point lies outside the boundary")).toEqual([{ kind: "text", text: "the point lies outside the boundary" }]);
    expect(richSegments("")).toEqual([]);
  });

  it("leaves an unclosed backtick literal", () => {
    expect(richSegments("it`s fine")).toEqual([{ kind: "text", text: "it`s fine" }]);
    expect(richSegments("a ` b `c`")).toEqual([
      { kind: "text", text: "a " },
      { kind: "code", text: "b" },
      { kind: "text", text: "c`" },
    ]);
  });

  it("uses longer runs to hold backticks and strips one space of padding", () => {
    expect(richSegments("id ``a`b`` here")).toEqual([
      { kind: "text", text: "id " },
      { kind: "code", text: "a`b" },
      { kind: "text", text: " here" },
    ]);
    expect(richSegments("`` `x` ``")).toEqual([{ kind: "code", text: "`x`" }]);
  });

  it("never interprets markup: angle brackets stay text", () => {
    const segs = richSegments("row `<img src=x onerror=alert(1)>` & <b>bold</b>");
    expect(segs).toEqual([
      { kind: "text", text: "row " },
      { kind: "code", text: "<img src=x onerror=alert(1)>" },
      { kind: "text", text: " & <b>bold</b>" },
    ]);
  });

  it("drops an empty pair of backticks", () => {
    expect(richSegments("a``b")).toEqual([{ kind: "text", text: "a``b" }]);
    expect(richSegments("x `` y `` z")).toEqual([
      { kind: "text", text: "x " },
      { kind: "code", text: "y" },
      { kind: "text", text: " z" },
    ]);
  });

  it("gives the plain text without markers", () => {
    expect(plainText("same position as row 3 (`P-7`): twice?")).toBe("same position as row 3 (P-7): twice?");
  });
});
