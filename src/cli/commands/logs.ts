import { createReadStream, existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command("logs")
    .description(
      "print the step logs of a run (all jobs, or one job); RUN is an id, a unique prefix or `last`",
    )
    .argument("<run>", "run id, unique prefix, or `last`")
    .argument("[job]", "a job key (or a job id, for every matrix cell)")
    .option("--json", "print the logs as JSON (one entry per step)")
    .action(
      async (
        runId: string,
        jobKey: string | undefined,
        options: { json?: boolean },
      ) => {
        const app = await ctx.app();
        const run = await app.runs.getRun(runId);
        const jobs = jobKey
          ? run.jobs.filter(
              (job) => job.key === jobKey || job.key.startsWith(`${jobKey} (`),
            )
          : run.jobs;
        if (jobs.length === 0) {
          throw new AppError(
            "NOT_FOUND",
            `run ${run.id} has no job ${jobKey} (jobs: ${run.jobs.map((j) => j.key).join(", ")})`,
          );
        }
        const steps = jobs.flatMap((job) =>
          job.steps.map((step) => ({ job: job.key, step })),
        );
        if (options.json) {
          ctx.json(
            steps.map(({ job, step }) => ({
              job,
              position: step.position,
              step: step.name,
              status: step.status,
              logPath: step.logPath,
              log:
                step.logPath && existsSync(step.logPath)
                  ? readFileSync(step.logPath, "utf8")
                  : null,
            })),
          );
          return;
        }
        for (const { job, step } of steps) {
          process.stdout.write(`── ${job} › ${step.name} (${step.status})\n`);
          if (!step.logPath || !existsSync(step.logPath)) {
            process.stdout.write("   (no log)\n");
            continue;
          }
          // Stream: a step may have printed gigabytes.
          await new Promise<void>((resolve, reject) => {
            const stream = createReadStream(step.logPath!);
            stream.on("error", reject);
            stream.on("end", resolve);
            stream.pipe(process.stdout, { end: false });
          });
        }
      },
    );
}
