/** The roles of DESIGN.md §3 in plain words. Permissions are decided by the backend alone. */

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
  const known = ROLE_LABELS[role];
  if (known) return known;
  const s = role.replace(/[_-]+/g, " ").trim();
  return s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : "Unknown role";
}

/** "Analyst, Verifier"; "No roles" when there are none. */
export function rolesLabel(roles: readonly string[]): string {
  return roles.length === 0 ? "No roles" : roles.map(roleLabel).join(", ");
}
