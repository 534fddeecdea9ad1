import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Job } from "../config/index.js";
import { AppError } from "../kernel/index.js";
import { pipeline, testDeps } from "./engine.testkit.js";
import { runJob } from "./job-runner.js";
import { plan } from "./plan.js";
import type { JobResult, SecretSource } from "./ports.js";

/** A secret source over a table, recording each request (the real one is the secrets capability). */
function tableSource(table: Record<string, string>) {
  const requests: unknown[] = [];
  const source: SecretSource = {
    async values(request) {
      requests.push(request);
      const missing = request.names.filter((n) => !(n in table));
      if (missing.length > 0)
        throw new AppError(
          "NOT_FOUND",
          `secret ${missing.join(", ")} is not set for environment ${request.environment ?? "(none)"}`,
        );
      return new Map(request.names.map((n) => [n, table[n]!]));
    },
  };
  return { source, requests };
}

async function run(jobs: Record<string, Job>, source: SecretSource) {
  const deps = testDeps({ secrets: source });
  const p = plan(pipeline(jobs), { event: "push", branch: "main" });
  const results: JobResult[] = [];
  for (const job of p.jobs)
    results.push(
      await runJob(
        job,
        {
          runId: "run_1",
          workdir: deps.home,
          env: job.env,
          facts: p.facts,
          needs: {},
          artifacts: [],
        },
        deps,
        new AbortController().signal,
      ),
    );
  const log = (job: number, step = 0) =>
    readFileSync(results[job]!.steps[step]!.logPath!, "utf8");
  return { results, log, deps };
}

describe("a job's secrets", () => {
  it("reach only the naming job's steps, as variables or 0600 files, masked in the log, files removed after", async () => {
    const { source, requests } = tableSource({
      API_TOKEN: "tok-1234-abcd",
      CERT: "line-one-xyz\nline-two-xyz",
    });
    const { results, log } = await run(
      {
        plain: { steps: [{ run: 'echo "[$API_TOKEN][$CERT]"' }] },
        deploy: {
          environment: "production",
          secrets: ["API_TOKEN", { name: "CERT", file: true }],
          steps: [
            {
              run: 'echo "t=$API_TOKEN"; stat -c %a "$CERT"; cat "$CERT"; echo; echo "path=$CERT"',
            },
          ],
        },
      },
      source,
    );
    expect(results.map((r) => r.status)).toEqual(["success", "success"]);
    expect(log(0)).toBe("[][]\n");
    const text = log(1);
    // The two-line value is masked whole.
    expect(text).toMatch(/^t=\*\*\*\n600\n\*\*\*\npath=\//);
    expect(text).not.toContain("line-");
    expect(text).not.toContain("tok-1234");
    const path = /path=(\S+)/.exec(text)?.[1] ?? "";
    expect(existsSync(path)).toBe(false);
    expect(requests).toEqual([
      {
        runId: "run_1",
        jobKey: "deploy",
        environment: "production",
        names: ["API_TOKEN", "CERT"],
      },
    ]);
  });

  it("a missing secret fails the job before any step (always() ones too), with the source's message", async () => {
    const { source } = tableSource({});
    const { results } = await run(
      {
        deploy: {
          environment: "staging",
          secrets: ["NOPE"],
          steps: [{ run: "echo ran" }, { run: "echo cleanup", if: "always()" }],
        },
      },
      source,
    );
    expect(results[0]!.status).toBe("failure");
    expect(results[0]!.error).toBe(
      "secret NOPE is not set for environment staging",
    );
    expect(results[0]!.steps.map((s) => s.status)).toEqual([
      "skipped",
      "skipped",
    ]);
  });
});
