import { Command, Help } from "commander";
import { commandSummaries } from "./command-summaries.js";
import type { CliContext } from "./context.js";

/** A command group adds its commands to the program; heavy modules are imported inside actions. */
type Register = (program: Command, ctx: CliContext) => void;

/**
 * The command groups, in help order, each by the name of its first command and loaded on
 * demand: `sluice scan secrets` (a pre-commit hook) loads the scan group's module only, not
 * the other 22 groups' (about 18 ms of a start-up). A group may add more top-level commands
 * than its name (`approve` adds `reject` and `approvals`): any other first word loads them all.
 */
const groups: [string, () => Promise<Register>][] = [
  ["init", async () => (await import("./commands/init.js")).registerInit],
  ["config", async () => (await import("./commands/config.js")).registerConfig],
  ["demo", async () => (await import("./commands/demo.js")).registerDemo],
  ["run", async () => (await import("./commands/run.js")).registerRun],
  ["runs", async () => (await import("./commands/runs.js")).registerRuns],
  ["logs", async () => (await import("./commands/logs.js")).registerLogs],
  ["scan", async () => (await import("./commands/scan.js")).registerScan],
  ["hooks", async () => (await import("./commands/hooks.js")).registerHooks],
  [
    "advisories",
    async () => (await import("./commands/advisories.js")).registerAdvisories,
  ],
  ["serve", async () => (await import("./commands/serve.js")).registerServe],
  ["server", async () => (await import("./commands/server.js")).registerServer],
  ["flags", async () => (await import("./commands/flags.js")).registerFlags],
  [
    "metrics",
    async () => (await import("./commands/metrics.js")).registerMetrics,
  ],
  ["deploy", async () => (await import("./commands/deploy.js")).registerDeploy],
  [
    "rollout",
    async () => (await import("./commands/rollout.js")).registerRollout,
  ],
  [
    "releases",
    async () => (await import("./commands/releases.js")).registerReleases,
  ],
  [
    "secrets",
    async () => (await import("./commands/secrets.js")).registerSecrets,
  ],
  ["policy", async () => (await import("./commands/policy.js")).registerPolicy],
  ["gate", async () => (await import("./commands/gate.js")).registerGate],
  [
    "approve",
    async () => (await import("./commands/approve.js")).registerApprove,
  ],
  [
    "evidence",
    async () => (await import("./commands/evidence.js")).registerEvidence,
  ],
  ["users", async () => (await import("./commands/users.js")).registerUsers],
  ["tokens", async () => (await import("./commands/tokens.js")).registerTokens],
  ["login", async () => (await import("./commands/login.js")).registerLogin],
];

/** The words after which the program only prints its own help or version. */
const programOnly = new Set(["--help", "-h", "--version", "-V"]);

/**
 * The program with the command group that `argv` names (its first word after the script), or
 * every group when it names none of them (`help`, an unknown command: its suggestions). A bare
 * `sluice`, `sluice --help` or `sluice --version` lists the commands from their summaries and
 * loads no group.
 */
export async function buildProgram(
  ctx: CliContext,
  argv: readonly string[] = [],
): Promise<Command> {
  const program = new Command("sluice")
    .description(
      "Golden-path pipelines, commit-time scanning, progressive delivery, flags and DORA metrics",
    )
    .version(process.env.npm_package_version ?? "0.1.0")
    .option("--debug", "show stack traces of errors")
    .showSuggestionAfterError(true)
    .exitOverride();
  const words = argv.slice(2);
  if (words.every((word) => programOnly.has(word))) {
    const terms = new Map(commandSummaries.map((c) => [c.name, c.term]));
    const standard = new Help();
    for (const c of commandSummaries)
      program.command(c.name).description(c.summary);
    return program.configureHelp({
      subcommandTerm: (command) =>
        terms.get(command.name()) ?? standard.subcommandTerm(command),
    });
  }
  const named = groups.filter(([name]) => name === argv[2]);
  const registers = await Promise.all(
    (named.length > 0 ? named : groups).map(([, load]) => load()),
  );
  for (const register of registers) register(program, ctx);
  return program;
}
