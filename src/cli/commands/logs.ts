import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { ErrorCode } from "../../kernel/index.js";
import type { RunLogEvent } from "../../pipeline/index.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

/** One line of `GET /api/v1/runs/:id/logs` (server/routes/run-responses.ts, RunLogLine). */
type LogLine = RunLogEvent | { kind: "error"; code: string; detail: string };

interface JsonStep {
  job: string;
  position: number;
  step: string;
  status: string;
  logPath: string | null;
  log: string | null;
}

export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command("logs")
    .description(summaryOf("logs"))
    .argument("<run>", "run id, unique prefix, or `last`")
    .argument("[job]", "a job key (or a job id, for every matrix cell)")
    .option(
      "-f, --follow",
      "while the run goes on, print each step's log as it is written, until the run ends",
    )
    .option("--json", "print the logs as JSON (one entry per step)")
    .action(
      async (
        runId: string,
        jobKey: string | undefined,
        options: { json?: boolean; follow?: boolean },
      ) => {
        // The local server's runs, or after `sluice login` the server's runs of this project.
        const { runsEndpoint } = await import("../client/runs-endpoint.js");
        const { client, base, server } = await runsEndpoint(ctx);
        const query = new URLSearchParams();
        if (jobKey !== undefined) query.set("job", jobKey);
        if (options.follow) query.set("follow", "true");
        const path = `${base}/${encodeURIComponent(runId)}/logs${query.size ? `?${query}` : ""}`;
        const steps: JsonStep[] = [];
        let ended = false;
        // Ctrl-C while following: stop reading and leave quietly.
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once("SIGINT", onSignal);
        try {
          await client.lines(
            path,
            async (text) => {
              const line = JSON.parse(text) as LogLine;
              if (line.kind === "error")
                throw new AppError(line.code as ErrorCode, line.detail);
              if (line.kind === "end") {
                ended = true;
                return;
              }
              if (options.json) {
                const current = steps.at(-1);
                if (line.kind === "step")
                  steps.push({
                    job: line.job,
                    position: line.position,
                    step: line.step,
                    status: line.status,
                    logPath: line.logPath,
                    log: "",
                  });
                else if (line.kind === "no-log" && current) current.log = null;
                else if (line.kind === "text" && current)
                  current.log = (current.log ?? "") + line.text;
                return;
              }
              await write(
                line.kind === "step"
                  ? `── ${line.job} › ${line.step} (${line.status})\n`
                  : line.kind === "no-log"
                    ? "   (no log)\n"
                    : line.text,
              );
            },
            stop.signal,
          );
        } catch (error) {
          if (stop.signal.aborted) return;
          throw error;
        } finally {
          process.off("SIGINT", onSignal);
        }
        if (!ended)
          throw new AppError(
            "STORE_UNAVAILABLE",
            `${server} stopped before the logs ended; run the command again`,
          );
        if (options.json) ctx.json(steps);
      },
    );
}

/** Writes to stdout and waits when it is full (a step may have printed gigabytes). */
function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once("drain", resolve);
  });
}
