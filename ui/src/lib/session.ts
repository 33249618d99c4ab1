/**
 * Word that the backend no longer knows who is signed in (the session expired, ended, or the user
 * was offboarded). Every command result passes through `result.ts`, which reports here; the app
 * listens and returns to the sign-in screen, wherever the failing call was made.
 */
import type { ErrorCodeDto } from "./bindings";

type Listener = (message: string) => void;

const listeners = new Set<Listener>();

/** Calls `listener` with the backend's message whenever a command fails as unauthenticated; returns the unsubscribe. */
export function onUnauthenticated(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Looks at a failed command's error; tells the listeners when it says nobody is signed in. */
export function reportCommandError(error: unknown): void {
  if (typeof error !== "object" || error === null) return;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== ("unauthenticated" satisfies ErrorCodeDto)) return;
  const text = typeof message === "string" ? message : "";
  for (const listener of [...listeners]) listener(text);
}
