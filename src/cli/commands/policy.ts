import { dirname, relative, resolve } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface TestOptions {
  policy?: string;
  json?: boolean;
}

export function registerPolicy(program: Command, ctx: CliContext): void {
  const policy = program.command("policy").description(summaryOf("policy"));

  policy
    .command("check")
    .description(
      "validate a policy (default .sluice/policy.yml, else the default policy) and list its rules",
    )
    .argument("[file]", "the policy file")
    .option("--json", "print the rules as JSON")
    .action(async (file: string | undefined, options: { json?: boolean }) => {
      const loaded = await (
        await import("./policy-source.js")
      ).resolvePolicy(ctx, file);
      const rules = loaded.rules.map((r) => ({
        name: r.name,
        decision: r.decision,
        ...(r.approvals ? { approvals: r.approvals } : {}),
        facts: r.facts,
      }));
      if (options.json) {
        ctx.json({ file: loaded.file, rules });
        return;
      }
      ctx.stderr(`${loaded.file}: valid, ${rules.length} rules`);
      for (const r of rules)
        ctx.stdout(
          `${r.decision.padEnd(7)} ${r.name}${r.approvals ? ` (${r.approvals.count} of ${r.approvals.group})` : ""}  reads ${r.facts.join(", ")}`,
        );
    });

  policy
    .command("default")
    .description(
      "print the default policy of the golden paths (copy it to .sluice/policy.yml)",
    )
    .action(async () => {
      const { defaultPolicyText } = await import("../../policy/index.js");
      ctx.stdout(defaultPolicyText.trimEnd());
    });

  policy
    .command("test")
    .description(
      "evaluate a policy against a table of cases (facts in, expected decision and fired rules out); exit 1 on a mismatch",
    )
    .argument("<file>", "the case file (YAML: `policy` and `cases`)")
    .option(
      "--policy <file>",
      "the policy, instead of the case file's `policy`",
    )
    .option("--json", "print every case's result as JSON")
    .action(async (file: string, options: TestOptions) => {
      const { parsePolicyCases, readPolicyText, runPolicyCases } =
        await import("../../policy/index.js");
      const cases = parsePolicyCases(readPolicyText(file), file);
      const policyPath =
        options.policy ??
        (cases.policy === undefined
          ? undefined
          : relative(ctx.cwd, resolve(ctx.cwd, dirname(file), cases.policy)));
      const loaded = await (
        await import("./policy-source.js")
      ).resolvePolicy(ctx, policyPath);
      const results = runPolicyCases(loaded, cases.cases);
      const failed = results.filter((r) => !r.passed);
      if (failed.length > 0) process.exitCode = 1;
      if (options.json) {
        ctx.json({
          policy: loaded.file,
          passed: results.length - failed.length,
          failed: failed.length,
          results: results.map((r) => ({
            name: r.name,
            passed: r.passed,
            differences: r.differences,
            decision: r.decision.decision,
            fired: r.decision.fired.map((f) => f.rule),
          })),
        });
        return;
      }
      for (const r of results) {
        ctx.stdout(`${r.passed ? "ok  " : "FAIL"} ${r.name}`);
        for (const d of r.differences) ctx.stdout(`     ${d}`);
      }
      ctx.stdout(
        `${results.length - failed.length} of ${results.length} cases pass against ${loaded.file}`,
      );
    });
}
