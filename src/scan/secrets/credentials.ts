import { secretHash } from "./baseline.js";
import { Detector } from "./detect.js";
import { compileRuleSet } from "./rule.js";
import type { RuleSpec } from "./rule.js";
import { defaultAllowlists, defaultRules } from "./rules/index.js";

/** A credential found in a text: the value (for masking only, never logged), its rule, and a keyed hash. */
interface FoundCredential {
  value: string;
  ruleId: string;
  /** The keyed hash of the value (ADR 044), when the finder was given the key. */
  hash?: string;
}

/** Finds credentials in a text that nobody declared, for masking them (step logs, `secrets exec`). */
export interface CredentialFinder {
  /** Each credential found in the text, once. */
  find(text: string): FoundCredential[];
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
 * none of the rules' keywords costs one pass of the keyword automaton. Built on first use. With
 * `hashKey` (the key of the keyed secret hashes, read on the first credential found), each
 * credential carries its hash, so a masked log can report a finding without the value.
 */
export function createCredentialFinder(
  options: { hashKey?: () => Uint8Array } = {},
): CredentialFinder {
  let detector: Detector | undefined;
  let key: Uint8Array | undefined;
  return {
    find(text) {
      detector ??= new Detector(
        compileRuleSet(defaultRules.filter(maskable), defaultAllowlists),
      );
      const { matches } = detector.detect({
        path: "",
        data: Buffer.from(text, "utf8"),
      });
      const found = new Map<string, FoundCredential>();
      for (const match of matches) {
        if (match.secret.length === 0 || found.has(match.secret)) continue;
        const credential: FoundCredential = {
          value: match.secret,
          ruleId: match.ruleId,
        };
        if (options.hashKey) {
          key ??= options.hashKey();
          credential.hash = secretHash(match.secret, key);
        }
        found.set(match.secret, credential);
      }
      return [...found.values()];
    },
  };
}
