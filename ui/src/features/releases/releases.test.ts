import { describe, expect, it } from "vitest";
import type { ReleaseOfferDto } from "../../lib/bindings";
import { ranOutSinceView, captainWords, clockMeaning, clockTone, countdownWords, liveRemaining, liveState, managesReleases, orderedOffers, releaseStateWords, releaseTone, rotaProblem, runWords, stepLabel, utcDay, utcTime } from "./releases";

/** ICU versions differ in the space before AM/PM (U+202F or U+0020): compare with plain spaces. */
const spaced = (s: string) => s.replace(/[\u202f\u00a0]/g, " ");

describe("release clocks", () => {
  const viewNow = "2026-12-02T14:10:00Z";
  const at = (iso: string) => Date.parse(iso);

  it("counts down from the backend's answer", () => {
    const soak = { remaining_seconds: 1200 };
    expect(liveRemaining(soak, viewNow, at("2026-12-02T14:10:00Z"))).toBe(1200);
    expect(liveRemaining(soak, viewNow, at("2026-12-02T14:29:59Z"))).toBe(1);
    expect(liveRemaining(soak, viewNow, at("2026-12-02T14:30:00Z"))).toBe(0);
    expect(liveRemaining(soak, viewNow, at("2026-12-02T14:30:01Z"))).toBe(-1);
    expect(liveRemaining({ remaining_seconds: null }, viewNow, at("2026-12-02T15:00:00Z"))).toBeNull();
    // A client clock behind the backend's never counts up.
    expect(liveRemaining(soak, viewNow, at("2026-12-02T14:09:00Z"))).toBe(1200);
  });

  it("tells when a clock seen running has run out, once", () => {
    expect(ranOutSinceView({ remaining_seconds: 60 }, viewNow, at("2026-12-02T14:10:59Z"))).toBe(false);
    expect(ranOutSinceView({ remaining_seconds: 60 }, viewNow, at("2026-12-02T14:11:00Z"))).toBe(true);
    // Seen overdue or met already: nothing new to ask.
    expect(ranOutSinceView({ remaining_seconds: -5 }, viewNow, at("2026-12-02T14:20:00Z"))).toBe(false);
    expect(ranOutSinceView({ remaining_seconds: null }, viewNow, at("2026-12-02T14:20:00Z"))).toBe(false);
  });

  it("is running through its due second and overdue (red) after", () => {
    expect(liveState(0)).toBe("running");
    expect(liveState(-1)).toBe("overdue");
    expect(liveState(null)).toBe("met");
    expect(clockTone(5)).toBe("info");
    expect(clockTone(-5)).toBe("bad");
    expect(clockTone(null)).toBe("ok");
  });

  it("words the time left", () => {
    expect(countdownWords(725)).toBe("12:05 left");
    expect(countdownWords(0)).toBe("0:00 left");
    expect(countdownWords(-182)).toBe("overdue by 3:02");
    expect(countdownWords(3723)).toBe("1:02:03 left");
    expect(countdownWords(null)).toBe("done");
    expect(clockMeaning("staging soak", 10)).toMatch(/promotion waits/);
    expect(clockMeaning("staging soak", -1)).toMatch(/promote .* or roll back/);
    expect(clockMeaning("post-release watch", 10)).toMatch(/RED metrics/);
  });
});

describe("release words", () => {
  it("offers steps in the procedure's order with their labels", () => {
    const o = (step: string, enabled = true): ReleaseOfferDto => ({ step, enabled, reason: enabled ? null : "blocked" });
    expect(orderedOffers([o("rollback"), o("monitor"), o("promote", false)]).map((x) => x.step)).toEqual(["monitor", "promote", "rollback"]);
    expect(stepLabel("watch_end")).toBe("End watch");
    expect(stepLabel("something_new")).toBe("something new");
  });

  it("words monitor runs green and red", () => {
    expect(runWords({ green: true, checkpoint_size: 12, failure: null, duration_ms: 84 })).toBe("Green · checkpoint size 12 · 84 ms");
    expect(runWords({ green: false, checkpoint_size: null, failure: "GET /checkpoint: connection refused", duration_ms: 3 })).toBe("Red · GET /checkpoint: connection refused · 3 ms");
  });

  it("names states, tones and slots in UTC", () => {
    expect(releaseStateWords("rolled_back")).toBe("Rolled back");
    expect(releaseTone("soaking")).toBe("warn");
    expect(releaseTone("closed")).toBe("ok");
    expect(spaced(utcTime("2026-12-07T14:00:00Z"))).toBe("2:00 PM UTC");
    expect(utcDay("2026-12-07T14:00:00Z")).toBe("Mon, Dec 7");
    expect(utcDay("2026-12-31T14:00:00Z")).toBe("Thu, Dec 31");
  });

  it("checks the rota form's shape and says who the captain is", () => {
    expect(rotaProblem("2026-W53", "oscar")).toBeNull();
    expect(rotaProblem("2026-53", "oscar")).toMatch(/YYYY-Www/);
    expect(rotaProblem("2026-W53", " ")).toMatch(/Name the captain/);
    expect(captainWords("vera", "vera")).toMatch(/You are/);
    expect(captainWords("vera", "oscar")).toBe("Captain: vera");
    expect(captainWords(null, "oscar")).toMatch(/ops admin/);
    expect(managesReleases(["view_evidence", "manage_releases"])).toBe(true);
    expect(managesReleases(["view_evidence"])).toBe(false);
  });
});
