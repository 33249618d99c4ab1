import { toShownError, type ShownError } from "./errors";
import { reportCommandError } from "./session";

/** A generated command's result, as the bindings return it. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

/** Unwraps a command result; throws the command error (to be turned into a ShownError). */
export async function unwrap<T, E>(call: Promise<Result<T, E>>): Promise<T> {
  const r = await call;
  if (r.status === "ok") return r.data;
  reportCommandError(r.error);
  throw r.error;
}

/** A command's answer as `attempt` gives it: the data, or the error to show. */
export type Answer<T> = { ok: true; data: T } | { ok: false; error: ShownError };

/** Runs a command, returning data or a ShownError; also catches anything thrown. */
export async function attempt<T, E>(call: () => Promise<Result<T, E>>): Promise<Answer<T>> {
  try {
    const r = await call();
    if (r.status === "ok") return { ok: true, data: r.data };
    reportCommandError(r.error);
    return { ok: false, error: toShownError(r.error) };
  } catch (e) {
    return { ok: false, error: toShownError(e) };
  }
}
