/** The sign-in screen's rules: what to check before sending, and how refusals read. */
import type { ShownError } from "../../lib/errors";
import { asSentence } from "../../lib/format";

/** What is missing from the form in plain words, or null when it can be sent. */
export function signInProblem(name: string, password: string): string | null {
  if (!name.trim()) return "Enter your user name.";
  if (!password) return "Enter your password.";
  return null;
}

/**
 * A failed sign-in as the screen shows it. A refusal of the name or password is not "Please sign
 * in again" (the generic title of an unauthenticated command) but "Could not sign in".
 */
export function signInError(error: ShownError): ShownError {
  if (error.code !== "unauthenticated") return error;
  return { ...error, title: "Could not sign in", message: asSentence(error.message) || "Unknown user or wrong password." };
}

/** Why the app came back to sign-in, from the backend's message (the session expired, ended…). */
export function signedOutNotice(message: string): string {
  return asSentence(message) || "Your session has ended. Sign in again to go on.";
}
