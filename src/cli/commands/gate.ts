import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface FactsOptions {
  json?: boolean;
  rev?: string;
  policy?: string;
}

const showValue = (value: unknown): string =>
  Array.isArray(value) && value.length > 8
    ? `${JSON.stringify(value.slice(0, 8))} … ${value.length - 8} more`
    : JSON.stringify(value);

export function registerGate(program: Command, ctx: CliContext): void {
  const gate = program.command("gate").description(summaryOf("gate"));

  gate
    .command("facts")
    .description(
      "the facts of the working tree's HEAD change, from git (facts that need a run are listed as unknown)",
    )
    .option("--rev <commit>", "the commit to read instead of HEAD")
    .option(
      "--policy <file>",
      "the policy whose sensitive paths and freeze windows apply",
    )
    .option("--json", "print the facts as JSON")
    .action(async (options: FactsOptions) => {
      const { readChangeFacts } = await import("../../policy/index.js");
      const { systemClock } = await import("../../kernel/index.js");
      const policy = await (
        await import("./policy-source.js")
      ).resolvePolicy(ctx, options.policy);
      const read = readChangeFacts({
        cwd: ctx.cwd,
        ...(options.rev ? { rev: options.rev } : {}),
        policy,
        clock: systemClock,
      });
      if (options.json) {
        ctx.json(read);
        return;
      }
      ctx.stdout(
        `change ${read.change.sha.slice(0, 12)} ${read.change.subject}`,
      );
      const { fileStats: _perFile, ...shown } = read.facts;
      for (const [name, value] of Object.entries(shown))
        ctx.stdout(`  ${name.padEnd(21)} ${showValue(value)}`);
      ctx.stdout("risk factors (weight: points, why):");
      for (const f of read.risk.factors)
        ctx.stdout(
          `  ${f.name.padEnd(16)} ${String(f.weight).padStart(3)}: ${String(f.points).padStart(4)}  ${f.reason}`,
        );
      ctx.stdout(
        read.unknown.length > 0
          ? `unknown (need a run): ${read.unknown.join(", ")}`
          : "every fact is known",
      );
    });
}
