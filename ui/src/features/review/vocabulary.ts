/** The backend's finding kinds and sub-codes, asked once per window (they never change). */
import { commands } from "../../lib/bindings";
import { attempt, type Answer } from "../../lib/result";
import type { Vocabulary } from "./reasonCodes";

let cached: Promise<Answer<Vocabulary>> | null = null;

export function loadVocabulary(): Promise<Answer<Vocabulary>> {
  if (!cached) {
    const asked = attempt(() => commands.reviewVocabulary());
    cached = asked;
    // A refusal (signed out meanwhile) is asked again next time.
    void asked.then((r) => {
      if (!r.ok && cached === asked) cached = null;
    });
  }
  return cached;
}
