/** Checks of the connection forms before they are sent (the backend checks again). */

/** Why the audit-log form cannot be sent, or null. */
export function logFormProblem(url: string, vkey: string, token: string): string | null {
  if (!/^https?:\/\/\S+$/.test(url.trim())) return "Enter the audit log's URL (http:// or https://).";
  if (!vkey.trim()) return "Enter the log's verifier key (origin+hash+key), as its operator published it.";
  if (!token.trim()) return "Enter the writer token the log's operator issued for this workspace.";
  return null;
}

/** Why the registry form cannot be sent, or null. */
export function registryFormProblem(url: string, keyFile: string): string | null {
  if (!/^https?:\/\/\S+$/.test(url.trim())) return "Enter the registry's URL (http:// or https://).";
  if (!keyFile.trim()) return "Choose the file that holds the registry's API key.";
  return null;
}
