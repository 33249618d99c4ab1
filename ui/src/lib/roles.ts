/** The roles in plain words. What a role may do is decided by the backend alone (the session's
 * `allowed_actions`). */
import { codeToWords } from "./format";

const ROLE_LABELS: Record<string, string> = {
  analyst: "Analyst",
  verifier: "Verifier",
  methodology_owner: "Methodology owner",
  ops_admin: "Ops admin",
  tenant_admin: "Tenant admin",
  manager: "Manager",
};

/** "methodology_owner" → "Methodology owner"; unknown roles are spelled out from their code. */
export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? codeToWords(role, "Unknown role");
}

/** "Analyst, Verifier"; "No roles" when there are none. */
export function rolesLabel(roles: readonly string[]): string {
  return roles.length === 0 ? "No roles" : roles.map(roleLabel).join(", ");
}
