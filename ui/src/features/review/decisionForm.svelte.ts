/**
 * Sending a decision from the approve and reject dialogs: the form's own problem shows once the
 * user has tried to send, the backend's answer replaces it, and a refusal no form can fix goes
 * back to the review panel.
 */
import { invalidInput, type ShownError } from "../../lib/errors";
import { attempt, type Result } from "../../lib/result";
import { isRefusal } from "./forms";

export class DecisionForm {
  running = $state(false);
  /** After a first attempt, what is still missing is shown as the user fixes it. */
  tried = $state(false);
  /** The backend's answer to the last attempt. */
  failure = $state<ShownError | null>(null);

  readonly #problem: () => string | null;

  /** `problem`: what keeps the form from being sent, in plain words; null when it can be. */
  constructor(problem: () => string | null) {
    this.#problem = problem;
  }

  /** What the dialog shows: the form's problem once tried, else the backend's answer. */
  get error(): ShownError | null {
    const problem = this.#problem();
    return this.tried && problem ? invalidInput(problem) : this.failure;
  }

  /** Sends the decision unless one is running or the form has a problem. */
  async send<T, E>(call: () => Promise<Result<T, E>>, onDone: (data: T) => void, onRefused: (error: ShownError) => void): Promise<void> {
    if (this.running) return;
    this.tried = true;
    this.failure = null;
    if (this.#problem()) return;
    this.running = true;
    const r = await attempt(call);
    this.running = false;
    if (r.ok) onDone(r.data);
    else if (isRefusal(r.error.code)) onRefused(r.error);
    else this.failure = r.error;
  }
}
