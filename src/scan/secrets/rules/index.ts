import type { RuleSpec } from "../rule.js";
import { trustRules } from "../rule.js";
import { aiRules } from "./ai.js";
import { chatRules } from "./chat.js";
import { ciRules } from "./ci.js";
import { cloudRules } from "./cloud.js";
import { connectionRules } from "./connection.js";
import { genericRules } from "./generic.js";
import { keysRules } from "./keys.js";
import { paymentRules } from "./payment.js";
import { saasRules } from "./saas.js";
import { tokenRules } from "./tokens.js";
import { vcsRules } from "./vcs.js";

export { defaultAllowlists } from "./allowlist.js";

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
  ...connectionRules,
  ...genericRules,
];

// Known to compile (detect.test.ts compiles each): translated on first use.
trustRules(defaultRules);
