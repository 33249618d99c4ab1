/** A small LRU page cache with in-flight request de-duplication. */
export class PageCache<T> {
  private readonly pages = new Map<number, T>();
  private readonly inflight = new Map<number, Promise<T>>();
  private generation = 0;

  constructor(
    private readonly fetchPage: (page: number) => Promise<T>,
    readonly capacity = 64,
  ) {}

  /** The cached page, refreshing its recency; undefined when not loaded. */
  get(page: number): T | undefined {
    const value = this.pages.get(page);
    if (value !== undefined) {
      this.pages.delete(page);
      this.pages.set(page, value);
    }
    return value;
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  isLoading(page: number): boolean {
    return this.inflight.has(page);
  }

  get size(): number {
    return this.pages.size;
  }

  /** Loads a page once; concurrent calls share one request. */
  load(page: number): Promise<T> {
    const cached = this.get(page);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inflight.get(page);
    if (pending) return pending;
    const generation = this.generation;
    const promise = this.fetchPage(page).then(
      (value) => {
        if (generation === this.generation) {
          this.inflight.delete(page);
          this.put(page, value);
        }
        return value;
      },
      (err: unknown) => {
        if (generation === this.generation) this.inflight.delete(page);
        throw err;
      },
    );
    this.inflight.set(page, promise);
    return promise;
  }

  put(page: number, value: T): void {
    this.pages.delete(page);
    this.pages.set(page, value);
    while (this.pages.size > this.capacity) {
      const oldest = this.pages.keys().next().value;
      if (oldest === undefined) break;
      this.pages.delete(oldest);
    }
  }

  /** Forgets everything; answers of requests already sent are dropped. */
  clear(): void {
    this.generation++;
    this.pages.clear();
    this.inflight.clear();
  }
}
