import { spawnSync } from "node:child_process";
import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import { parseMaxParallel, resumeHere } from "./run.js";

interface AnswerOptions {
  comment?: string;
  json?: boolean;
  maxParallel?: string;
}

/**
 * Who answers a hold: the author identity git itself would write on a commit made here
 * (`git var GIT_AUTHOR_IDENT`: GIT_AUTHOR_EMAIL, else `user.email` of the repository, then of the
 * user), never a guess from the host name (`user.useConfigOnly`). Its email is the identity.
 */
function gitIdentity(cwd: string, env: NodeJS.ProcessEnv): string {
  const result = spawnSync(
    "git",
    ["-c", "user.useConfigOnly=true", "var", "GIT_AUTHOR_IDENT"],
    { cwd, env, encoding: "utf8" },
  );
  const email = /<([^>]*)>/.exec(result.stdout ?? "")?.[1]?.trim();
  if (result.status !== 0 || !email)
    throw new AppError(
      "INVALID_ARGUMENT",
      "no git identity to approve as: set `git config --global user.email you@example.com` (or GIT_AUTHOR_EMAIL)",
    );
  return email;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function registerApprove(program: Command, ctx: CliContext): void {
  program
    .command("approvals")
    .description(
      "what waits at a gate for people: each held run with its decision's reasons and the approvals it needs",
    )
    .option("--json", "print the holds as JSON")
    .action(async (options: { json?: boolean }) => {
      const gate = await (await ctx.app()).gate();
      const holds = await gate.waiting();
      if (options.json) {
        ctx.json(holds);
        return;
      }
      if (holds.length === 0) {
        ctx.stdout("nothing waits for an approval");
        return;
      }
      for (const hold of holds) {
        ctx.stdout(
          `${hold.runId}  ${hold.project} ${hold.environment} ${hold.commit?.slice(0, 8) ?? ""} by ${hold.author}: needs ${plural(hold.missing, "more approval")} (${hold.required.map((r) => `${r.count} from ${r.group}`).join(", ")}), until ${hold.expiresAt ?? "-"}`,
        );
        for (const reason of hold.reasons) ctx.stdout(`  ${reason}`);
        if (hold.approvedBy.length > 0)
          ctx.stdout(`  approved by ${hold.approvedBy.join(", ")}`);
      }
    });

  program
    .command("approve")
    .description(
      "approve a run held at its gate, as your git identity (never the change's author); the approval that completes the hold continues the run",
    )
    .argument("<run>", "run id, unique prefix, or `last`")
    .option("--comment <text>", "why, recorded with the approval")
    .option(
      "--max-parallel <n>",
      "jobs at most this many at once when the run continues (default: number of CPUs)",
    )
    .option("--json", "print the continued run as JSON (logs go to stderr)")
    .addHelpText(
      "after",
      "\nThe approver is the git author identity of this terminal (GIT_AUTHOR_EMAIL, else git config\n" +
        "user.email). Each approval is signed into the evidence log (`sluice evidence export`).\n" +
        "Exit status: as `sluice run` when the approval continues the run; 0 when more approvals\n" +
        "are needed; 2 when it is refused (the author, a run that is not held, an unknown run).",
    )
    .action(async (run: string, options: AnswerOptions) => {
      const maxParallel = parseMaxParallel(options.maxParallel);
      const gate = await (await ctx.app()).gate();
      const by = gitIdentity(ctx.cwd, ctx.env);
      const { hold, approved } = await gate.approve(run, by, options.comment);
      if (!approved) {
        ctx.stderr(
          `sluice: ${by} approved run ${hold.runId}; it needs ${plural(hold.missing, "more approval")}`,
        );
        return;
      }
      ctx.stderr(
        `sluice: run ${hold.runId} approved by ${hold.approvedBy.join(", ")}; it continues`,
      );
      const json = options.json === true;
      const { finishCommand } = await import("./run-terminal.js");
      await finishCommand(
        ctx,
        await resumeHere(ctx, { runId: hold.runId, maxParallel, json }),
        json,
      );
    });

  program
    .command("reject")
    .description(
      "reject a run held at its gate: the hold and the run fail with your reason",
    )
    .argument("<run>", "run id, unique prefix, or `last`")
    .option("--comment <text>", "why, recorded with the rejection")
    .action(async (run: string, options: AnswerOptions) => {
      const gate = await (await ctx.app()).gate();
      const by = gitIdentity(ctx.cwd, ctx.env);
      const hold = await gate.reject(run, by, options.comment);
      ctx.stderr(
        `sluice: run ${hold.runId} rejected by ${by}${options.comment ? `: ${options.comment}` : ""}; the run failed`,
      );
    });
}
