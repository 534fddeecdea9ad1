/**
 * The top-level commands as `sluice --help` lists them, in its order: each one's name, its term
 * (name, `[options]` and arguments, as commander prints them) and its one-line summary. The
 * command's group module takes its description from here, and `sluice --help` prints this list
 * without loading the 23 group modules (about a third of the CPU of a bare `sluice --help`);
 * `program.test.ts` holds the list to what the groups register.
 */
export type CommandSummary = { name: string; term: string; summary: string };

export const commandSummaries: readonly CommandSummary[] = [
  {
    name: "init",
    term: "init [options] [dir]",
    summary:
      "detect the project (node, python or go) and write a three-line sluice.yml that extends its golden path",
  },
  {
    name: "config",
    term: "config [options]",
    summary:
      "validate sluice.yml and print it; --expanded prints the full pipeline with the template applied",
  },
  {
    name: "demo",
    term: "demo [options]",
    summary:
      "create a sample Node service repo in a temp folder, run its golden-path pipeline twice, hold a risky change at the policy gate until a second identity approves it, deliver it progressively, and show where to look",
  },
  {
    name: "run",
    term: "run [options]",
    summary:
      "run the pipeline of sluice.yml in this repository (in the local server of $SLUICE_HOME, shown here); `run show ID` shows a run",
  },
  {
    name: "runs",
    term: "runs [options]",
    summary: "list recorded runs, newest first",
  },
  {
    name: "logs",
    term: "logs [options] <run> [job]",
    summary:
      "print the step logs of a run (all jobs, or one job); RUN is an id, a unique prefix or `last`",
  },
  {
    name: "scan",
    term: "scan",
    summary:
      "find secrets and vulnerable dependencies; exit 0 clean, 1 findings at or above --fail-on, 2 error",
  },
  {
    name: "hooks",
    term: "hooks",
    summary:
      "install or remove the git hooks that scan at commit and push time",
  },
  {
    name: "advisories",
    term: "advisories",
    summary:
      "the local OSV advisory database that `sluice scan deps` matches against",
  },
  {
    name: "serve",
    term: "serve [options]",
    summary:
      "run the HTTP API (OFREP flag evaluation, flag management, webhooks) until SIGINT or SIGTERM",
  },
  {
    name: "server",
    term: "server",
    summary:
      "the local server of $SLUICE_HOME: commands that need the store start it on demand; status, stop",
  },
  {
    name: "flags",
    term: "flags",
    summary:
      "feature flags (flagd format) per project and environment, with an audit log",
  },
  {
    name: "metrics",
    term: "metrics",
    summary:
      "DORA figures (deployment frequency, lead time, change fail rate, recovery time, rework rate) of the current project, split by AI-assisted and unmarked changes; `sluice metrics` runs `metrics show`",
  },
  {
    name: "deploy",
    term: "deploy [options] <environment>",
    summary:
      "deploy a release to an environment with a progressive rollout on the local target (spec from the sluice/deploy step of sluice.yml, or flags)",
  },
  {
    name: "rollout",
    term: "rollout",
    summary: "inspect and steer the progressive rollout of an environment",
  },
  {
    name: "releases",
    term: "releases [options]",
    summary: "list a project's releases and its deployments, newest first",
  },
  {
    name: "secrets",
    term: "secrets",
    summary:
      "secrets per project and environment, encrypted with age; given to jobs by name, masked in logs",
  },
  {
    name: "policy",
    term: "policy",
    summary: "check policy files and test them against tables of cases",
  },
  {
    name: "gate",
    term: "gate",
    summary:
      "the policy gate: the facts of a change and what the policy decides",
  },
  {
    name: "approvals",
    term: "approvals [options]",
    summary:
      "what waits at a gate for people: each held run with its decision's reasons and the approvals it needs",
  },
  {
    name: "approve",
    term: "approve [options] <run>",
    summary:
      "approve a run held at its gate, as your git identity (never the change's author); the approval that completes the hold continues the run",
  },
  {
    name: "reject",
    term: "reject [options] <run>",
    summary:
      "reject a run held at its gate: the hold and the run fail with your reason",
  },
  {
    name: "evidence",
    term: "evidence",
    summary:
      "signed evidence of deployments (in-toto statements in DSSE envelopes, hash-chained per environment)",
  },
  {
    name: "users",
    term: "users",
    summary:
      "accounts of the server: users with passwords and roles per project (viewer, developer, approver, admin)",
  },
  {
    name: "tokens",
    term: "tokens",
    summary:
      "API tokens for the CLI, agents and webhooks: scoped to roles on projects, with an expiry; stored hashed",
  },
  {
    name: "login",
    term: "login [options] <url>",
    summary:
      "sign in to a sluice server: `sluice run` then runs there; the password is read from standard input or a prompt",
  },
  {
    name: "logout",
    term: "logout",
    summary:
      "revoke the token of `sluice login` and forget its server: `sluice run` runs here again",
  },
];

/** The summary of a top-level command (its description in every help). */
export function summaryOf(name: string): string {
  const found = commandSummaries.find((c) => c.name === name);
  if (!found) throw new Error(`no summary for the command ${name}`);
  return found.summary;
}
