import { describe, expect, it } from "vitest";
import { PageCache } from "./pageCache";

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("PageCache", () => {
  it("de-duplicates concurrent loads of one page", async () => {
    const calls: number[] = [];
    const d = deferred<string>();
    const cache = new PageCache<string>((p) => {
      calls.push(p);
      return d.promise;
    });
    const a = cache.load(3);
    const b = cache.load(3);
    expect(cache.isLoading(3)).toBe(true);
    expect(calls).toEqual([3]);
    d.resolve("page3");
    expect(await a).toBe("page3");
    expect(await b).toBe("page3");
    expect(cache.get(3)).toBe("page3");
    await cache.load(3);
    expect(calls).toEqual([3]);
  });

  it("evicts the least recently used page", async () => {
    const cache = new PageCache<number>(async (p) => p * 10, 2);
    await cache.load(1);
    await cache.load(2);
    cache.get(1); // 1 is now most recent
    await cache.load(3);
    expect(cache.has(1)).toBe(true);
    expect(cache.has(2)).toBe(false);
    expect(cache.has(3)).toBe(true);
    expect(cache.size).toBe(2);
  });

  it("forgets failed loads so they can be retried", async () => {
    let fail = true;
    const cache = new PageCache<string>(async () => {
      if (fail) throw new Error("boom");
      return "ok";
    });
    await expect(cache.load(0)).rejects.toThrow("boom");
    expect(cache.isLoading(0)).toBe(false);
    fail = false;
    expect(await cache.load(0)).toBe("ok");
  });

  it("drops answers that arrive after clear()", async () => {
    const d = deferred<string>();
    const cache = new PageCache<string>(() => d.promise);
    const p = cache.load(0);
    cache.clear();
    d.resolve("stale");
    await p;
    expect(cache.has(0)).toBe(false);
  });
});
