/** The roles of DESIGN.md §3 in plain words. Permissions are decided by the backend alone. */
import { codeToWords } from "./format";

const ROLE_LABELS: Record<string, string> = {
  analyst: "Analyst",
  verifier: "Verifier",
  methodology_owner: "Methodology owner",
  ops_admin: "Ops admin",
  tenant_admin: "Tenant admin",
  manager: "Manager",
};

/** The roles the backend knows today. */
export const KNOWN_ROLES: readonly string[] = Object.keys(ROLE_LABELS);

/** "methodology_owner" → "Methodology owner"; unknown roles are spelled out from their code. */
export function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? codeToWords(role, "Unknown role");
}

/**
 * Whether any of `roles` is one of `allowed` (mrv-core's role table, for one action). A role the
 * UI does not know counts as allowed: only the backend knows what it may do, and it decides.
 */
export function rolesAllow(roles: readonly string[], allowed: readonly string[]): boolean {
  return roles.some((r) => !KNOWN_ROLES.includes(r) || allowed.includes(r));
}

/** "Analyst, Verifier"; "No roles" when there are none. */
export function rolesLabel(roles: readonly string[]): string {
  return roles.length === 0 ? "No roles" : roles.map(roleLabel).join(", ");
}
