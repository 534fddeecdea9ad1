import { Command } from "commander";
import type { CliContext } from "./context.js";
import { registerAdvisories } from "./commands/advisories.js";
import { registerConfig } from "./commands/config.js";
import { registerDemo } from "./commands/demo.js";
import { registerFlags } from "./commands/flags.js";
import { registerHooks } from "./commands/hooks.js";
import { registerInit } from "./commands/init.js";
import { registerLogs } from "./commands/logs.js";
import { registerRun } from "./commands/run.js";
import { registerRuns } from "./commands/runs.js";
import { registerMetrics } from "./commands/metrics.js";
import { registerScan } from "./commands/scan.js";
import { registerServe } from "./commands/serve.js";
import { registerServer } from "./commands/server.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerRollout } from "./commands/rollout.js";
import { registerReleases } from "./commands/releases.js";
import { registerSecrets } from "./commands/secrets.js";
import { registerPolicy } from "./commands/policy.js";
import { registerGate } from "./commands/gate.js";
import { registerApprove } from "./commands/approve.js";
import { registerEvidence } from "./commands/evidence.js";
import { registerUsers } from "./commands/users.js";
import { registerTokens } from "./commands/tokens.js";

/** A command group adds its commands to the program; heavy modules are imported inside actions. */
type Register = (program: Command, ctx: CliContext) => void;

const groups: Register[] = [
  registerInit,
  registerConfig,
  registerDemo,
  registerRun,
  registerRuns,
  registerLogs,
  registerScan,
  registerHooks,
  registerAdvisories,
  registerServe,
  registerServer,
  registerFlags,
  registerMetrics,
  registerDeploy,
  registerRollout,
  registerReleases,
  registerSecrets,
  registerPolicy,
  registerGate,
  registerApprove,
  registerEvidence,
  registerUsers,
  registerTokens,
];

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("sluice")
    .description(
      "Golden-path pipelines, commit-time scanning, progressive delivery, flags and DORA metrics",
    )
    .version(process.env.npm_package_version ?? "0.1.0")
    .option("--debug", "show stack traces of errors")
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const register of groups) register(program, ctx);
  return program;
}
