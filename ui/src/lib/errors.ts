import type { CommandError, ErrorCodeDto, ProblemDto } from "./bindings";

const TITLES: Record<ErrorCodeDto, string> = {
  workspace: "The workspace could not be opened",
  not_found: "That item no longer exists",
  invalid_input: "Some of the details entered are not valid",
  import_rejected: "The file was not imported — nothing was written",
  duplicate_import: "This file is already imported",
  conflict: "This clashes with data already in the workspace",
  cancelled: "The import was cancelled — nothing was written",
  io: "The file could not be read or written",
  internal: "Something went wrong inside MRV Desk",
  unauthenticated: "Please sign in again",
  forbidden: "Your role does not allow this",
};

/** Plain-words title for an error code; unknown codes get a generic title. */
export function errorTitle(code: string): string {
  return (TITLES as Record<string, string>)[code] ?? "Something went wrong";
}

/** A UI-ready error: title, detail and (for rejected imports) problems. */
export interface ShownError {
  code: ErrorCodeDto | "unexpected";
  title: string;
  message: string;
  problems: ProblemDto[];
  total: number;
}

function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" && typeof (e as { message?: unknown }).message === "string";
}

/** Turns a command error (or anything thrown) into something to show; never exposes raw JSON or stacks. */
export function toShownError(e: unknown): ShownError {
  if (isCommandError(e)) {
    const problems = e.report?.problems ?? [];
    const total = e.report?.total ?? problems.length;
    return { code: e.code, title: errorTitle(e.code), message: e.message, problems, total: Math.max(total, problems.length) };
  }
  let message = "An unexpected problem occurred.";
  if (e instanceof Error && e.message) message = firstLine(e.message);
  else if (typeof e === "string" && e) message = firstLine(e);
  return { code: "unexpected", title: "Something went wrong", message, problems: [], total: 0 };
}

function firstLine(s: string): string {
  const line = s.split("\n")[0]?.trim() ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}…` : line;
}

/** What a form shows when its own check fails before anything is sent: `message` says what to fix. */
export function invalidInput(message: string): ShownError {
  return { code: "invalid_input", title: errorTitle("invalid_input"), message, problems: [], total: 0 };
}

/** How many problems were not listed ("and N more"). */
export function moreProblems(shown: ShownError): number {
  return Math.max(0, shown.total - shown.problems.length);
}
