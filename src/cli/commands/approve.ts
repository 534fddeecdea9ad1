import { spawnSync } from "node:child_process";
import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { HoldView } from "../../policy/index.js";
import type { CliContext } from "../context.js";
import { parseMaxParallel } from "./run.js";
import { summaryOf } from "../command-summaries.js";

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

/** A time of an answer of the server (a Date once parsed), as ISO 8601; `-` when none. */
const isoOf = (time: string | Date | null): string =>
  time === null ? "-" : new Date(time).toISOString();

export function registerApprove(program: Command, ctx: CliContext): void {
  program
    .command("approvals")
    .description(summaryOf("approvals"))
    .option("--json", "print the holds as JSON")
    .action(async (options: { json?: boolean }) => {
      const { clientOf } = await import("./run-client.js");
      const client = await clientOf(ctx);
      const holds = await client.json<HoldView[]>("GET", "/api/v1/holds");
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
          `${hold.runId}  ${hold.project} ${hold.environment} ${hold.commit?.slice(0, 8) ?? ""} by ${hold.author}: needs ${plural(hold.missing, "more approval")} (${hold.required.map((r) => `${r.count} from ${r.group}`).join(", ")}), until ${isoOf(hold.expiresAt)}`,
        );
        for (const reason of hold.reasons) ctx.stdout(`  ${reason}`);
        if (hold.approvedBy.length > 0)
          ctx.stdout(`  approved by ${hold.approvedBy.join(", ")}`);
      }
    });

  program
    .command("approve")
    .description(summaryOf("approve"))
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
      const by = gitIdentity(ctx.cwd, ctx.env);
      // Through the local server, which owns the store: the approval that completes the hold
      // continues the run there, with this terminal's environment, and it shows here.
      const [
        { approveThroughServer, clientOf, findingsOf, followContinued },
        { finishCommand },
      ] = await Promise.all([
        import("./run-client.js"),
        import("./run-terminal.js"),
      ]);
      const client = await clientOf(ctx);
      const answer = await approveThroughServer(ctx, client, run, {
        as: by,
        comment: options.comment,
        maxParallel,
      });
      const { hold } = answer;
      if (!answer.approved) {
        ctx.stderr(
          `sluice: ${by} approved run ${hold.runId}; it needs ${plural(hold.missing, "more approval")}`,
        );
        return;
      }
      if (!answer.continued)
        throw new AppError(
          "CONFLICT",
          answer.notices[0] ??
            `run ${hold.runId} is approved but did not continue`,
        );
      ctx.stderr(
        `sluice: run ${hold.runId} approved by ${hold.approvedBy.join(", ")}; it continues`,
      );
      for (const notice of answer.notices) ctx.stderr(`sluice: ${notice}`);
      const json = options.json === true;
      await finishCommand(
        ctx,
        await followContinued(ctx, client, hold.runId, json),
        json,
        findingsOf(client),
      );
    });

  program
    .command("reject")
    .description(summaryOf("reject"))
    .argument("<run>", "run id, unique prefix, or `last`")
    .option("--comment <text>", "why, recorded with the rejection")
    .action(async (run: string, options: AnswerOptions) => {
      const by = gitIdentity(ctx.cwd, ctx.env);
      const { clientOf } = await import("./run-client.js");
      const hold = await (
        await clientOf(ctx)
      ).json<HoldView>(
        "POST",
        `/api/v1/runs/${encodeURIComponent(run)}/reject`,
        {
          as: by,
          ...(options.comment !== undefined
            ? { comment: options.comment }
            : {}),
        },
      );
      ctx.stderr(
        `sluice: run ${hold.runId} rejected by ${by}${options.comment ? `: ${options.comment}` : ""}; the run failed`,
      );
    });
}
