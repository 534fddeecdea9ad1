import type { RuleSpec } from "../rule.js";
import { trustRules } from "../rule.js";
import { aiRules } from "./ai.js";
import { chatRules } from "./chat.js";
import { ciRules } from "./ci.js";
import { cloudRules } from "./cloud.js";
import { connectionRules } from "./connection.js";
import { contextualRules } from "../contextual/index.js";
import { genericRules } from "./generic.js";
import { keysRules } from "./keys.js";
import { paymentRules } from "./payment.js";
import { prefixedRules } from "./prefixed.js";
import { saasRules } from "./saas.js";
import { tokenRules } from "./tokens.js";
import { vcsRules } from "./vcs.js";

import { defaultAllowlists as globalAllowlists } from "./allowlist.js";

/** The built-in rule set of `sluice scan secrets`, by family. */
export const defaultRules: readonly RuleSpec[] = [
  ...cloudRules,
  ...vcsRules,
  ...ciRules,
  ...paymentRules,
  ...chatRules,
  ...aiRules,
  ...keysRules,
  ...saasRules,
  ...tokenRules,
  ...prefixedRules,
  ...connectionRules,
  ...genericRules,
  // After the regex rules: a contextual finding a regex rule made already is dropped.
  ...contextualRules,
];

// Known to compile (detect.test.ts compiles each): translated on first use.
trustRules(defaultRules);

/**
 * Rules that match a value by its context (a name such as `token =`) rather than by a format of
 * its own: gitleaks' generic and semi-generic rules, whose regex opens with a lazy
 * `[\w.-]{0,50}?` name prefix, and the curl rules.
 */
const contextual = defaultRules
  .filter(
    (r) =>
      r.id.startsWith("generic-") ||
      r.id.startsWith("curl-") ||
      /^(?:\(\?i\))?\[\\w\.-\]\{0,50\}\?/.test(r.regex ?? ""),
  )
  .map((r) => r.id);

/**
 * The default global allowlists. gitleaks' placeholder stopwords (`abcdefghijklmnopqrstuvwxyz`,
 * a sample UUID) apply to the contextual rules only: a value in a provider's own token format
 * (`figd_…`, `glsa_…`) is reported even when its sample text contains the alphabet, as
 * secretlint does.
 */
export const defaultAllowlists = globalAllowlists.map((a) =>
  a.stopwords ? { ...a, targetRules: contextual } : a,
);
