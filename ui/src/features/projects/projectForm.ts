/** Checks of the add-project form before it is sent (the backend checks again, and reads the boundary). */

export interface ProjectForm {
  name: string;
  methodology: string;
  boundary: string;
  /** "" for none, else YYYY-MM-DD. */
  baseline: string;
}

/** Why the form cannot be sent, or null. */
export function projectFormProblem(f: ProjectForm): string | null {
  if (!f.name.trim()) return "Name the project.";
  if (!f.methodology) return "Choose the methodology the project is measured under.";
  if (!f.boundary.trim()) return "Choose the project's boundary file.";
  if (f.baseline.trim() && !/^\d{4}-\d{2}-\d{2}$/.test(f.baseline.trim())) return `Baseline date "${f.baseline}" is not a YYYY-MM-DD date.`;
  return null;
}
