/**
 * The states of "Save as CSV…" for an import's problem report: idle, asking for the path,
 * saving, saved (where), the file exists (offer to replace it), or failed (why).
 */
export type SaveState =
  | { kind: "idle" }
  | { kind: "asking" }
  | { kind: "saving" }
  | { kind: "saved"; path: string }
  | { kind: "exists"; message: string }
  | { kind: "failed"; message: string };

export const saveState = {
  saved: (path: string): SaveState => ({ kind: "saved", path }),
  /** A refused write: an existing file (`conflict`) can be replaced; anything else is shown. */
  failed: (code: string, message: string): SaveState => (code === "conflict" ? { kind: "exists", message } : { kind: "failed", message }),
};
