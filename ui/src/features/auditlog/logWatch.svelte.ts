/**
 * Keeps the audit log's health fresh while someone is signed in: right after sign-in and then
 * every 30 seconds, it sends the anchors that are due (for the roles that anchor) and checks the
 * log's latest checkpoint. Two polls never overlap — the next one is scheduled when the last one
 * has finished, "Check now" joins a poll that is running, and a poll still running from before a
 * sign-out is waited for and its answer dropped.
 */
import type { ActionDto, AnchorRunDto, LogHealthDto_Serialize } from "../../lib/bindings";
import type { ShownError } from "../../lib/errors";
import type { Answer } from "../../lib/result";
import { mayAnchor } from "./anchor";

/** The commands the watch calls (the app passes the generated ones, wrapped in `attempt`). */
export interface LogCommands {
  anchorPending: () => Promise<Answer<AnchorRunDto>>;
  checkAuditlog: () => Promise<Answer<LogHealthDto_Serialize>>;
  /** The health as stored, without asking the log. */
  logHealth: () => Promise<Answer<LogHealthDto_Serialize>>;
}

export const POLL_INTERVAL_MS = 30_000;

export class LogWatch {
  /** The latest answer; null while signed out and until the first one. */
  health = $state.raw<LogHealthDto_Serialize | null>(null);
  /** Why the last check failed; null when it answered. */
  error = $state<ShownError | null>(null);
  /** True while a poll (or "Check now") runs. */
  checking = $state(false);
  /** Polls finished so far: anchors may have been sent by any of them. */
  polls = $state(0);

  readonly #commands: LogCommands;
  readonly #interval: number;
  #active = false;
  #anchors = false;
  /** Bumped by every start and stop: answers of an older generation are dropped. */
  #generation = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The poll whose commands are running now, of any generation. */
  #inflight: Promise<void> | null = null;
  /** This generation's poll, waiting for an older one or running. */
  #current: Promise<void> | null = null;
  /** Health answers are applied in the order they were asked for. */
  #asked = 0;
  #applied = 0;

  constructor(commands: LogCommands, interval = POLL_INTERVAL_MS) {
    this.#commands = commands;
    this.#interval = interval;
  }

  /** Someone signed in who may do `allowed`: poll now and every interval until `stop`. */
  start(allowed: readonly ActionDto[]): void {
    this.stop();
    this.#active = true;
    this.#anchors = mayAnchor(allowed);
    void this.#cycle(this.#anchors);
  }

  /** Signed out: no more polls; what was shown is forgotten. */
  stop(): void {
    this.#active = false;
    this.#generation++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#current = null;
    this.health = null;
    this.error = null;
    this.checking = false;
  }

  /** Checks the log now (without sending anchors); joins the poll that is running, if any. */
  checkNow(): Promise<void> {
    if (!this.#active) return Promise.resolve();
    return this.#current ?? this.#cycle(false);
  }

  /** Re-reads the stored health (after an anchor was sent): no network, no poll. */
  async refresh(): Promise<void> {
    if (!this.#active) return;
    const generation = this.#generation;
    const asked = ++this.#asked;
    const r = await this.#commands.logHealth();
    if (generation === this.#generation && r.ok) this.#apply(asked, r);
  }

  #cycle(anchors: boolean): Promise<void> {
    const generation = this.#generation;
    clearTimeout(this.#timer);
    const poll = (async () => {
      while (this.#inflight) await this.#inflight;
      if (generation !== this.#generation) return;
      const run = this.#run(anchors, generation);
      this.#inflight = run;
      await run;
      if (this.#inflight === run) this.#inflight = null;
    })();
    this.#current = poll;
    void poll.finally(() => {
      if (this.#current === poll) this.#current = null;
      if (generation !== this.#generation || !this.#active) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#cycle(this.#anchors), this.#interval);
    });
    return poll;
  }

  async #run(anchors: boolean, generation: number): Promise<void> {
    this.checking = true;
    try {
      // Refusals (not connected, halted by an alarm, a role that may not anchor) are ignored
      // here: the health panel shows why anchors wait.
      if (anchors) await this.#commands.anchorPending();
      if (generation !== this.#generation) return;
      const asked = ++this.#asked;
      const r = await this.#commands.checkAuditlog();
      if (generation !== this.#generation) return;
      this.#apply(asked, r);
      this.polls++;
    } catch {
      // The commands answer rather than throw; a poll that throws anyway is retried next time.
    } finally {
      if (generation === this.#generation) this.checking = false;
    }
  }

  #apply(asked: number, r: Answer<LogHealthDto_Serialize>): void {
    if (asked < this.#applied) return;
    this.#applied = asked;
    if (r.ok) {
      this.health = r.data;
      this.error = null;
    } else {
      this.error = r.error;
    }
  }
}
