import { Detector } from "./detect.js";
import { compileRuleSet } from "./rule.js";
import type { RuleSpec } from "./rule.js";
import { defaultAllowlists, defaultRules } from "./rules/index.js";

/** Finds credentials in a text that nobody declared, for masking them (step logs). */
export interface CredentialFinder {
  /** The credential values found in the text (each once), never logged. */
  find(text: string): string[];
}

/**
 * The rules worth masking in output: those for a provider's own credential format (AWS key ids,
 * GitHub tokens, private keys...). The generic rule is left out: it matches any high-entropy
 * value after a name such as `key =`, and in a build log that is mostly cache keys and hashes,
 * which a reader needs to see. Path-only rules have nothing to match in a text.
 */
function maskable(rule: RuleSpec): boolean {
  return rule.regex !== undefined && !rule.id.startsWith("generic-");
}

/**
 * The secret scanner's provider rules, with their keyword prefilter, as a finder: a text with
 * none of the rules' keywords costs one pass of the keyword automaton. Built on first use.
 */
export function createCredentialFinder(): CredentialFinder {
  let detector: Detector | undefined;
  return {
    find(text) {
      detector ??= new Detector(
        compileRuleSet(defaultRules.filter(maskable), defaultAllowlists),
      );
      const { matches } = detector.detect({
        path: "",
        data: Buffer.from(text, "utf8"),
      });
      return [...new Set(matches.map((match) => match.secret))].filter(
        (secret) => secret.length > 0,
      );
    },
  };
}
