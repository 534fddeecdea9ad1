import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { silentLogger } from "../../kernel/index.js";
import { recordedRunStatuses } from "../../pipeline/run-status.js";
import { startLocalServer } from "../../server/index.js";
import type { CliContext } from "../context.js";
import { registerRuns } from "./runs.js";

/**
 * `sluice runs --status` takes the pipeline's list of run statuses, not one of its own: each of
 * them is accepted and filters the recorded runs of a real store (read through the home's local
 * server, as the command does), and nothing else is.
 */
describe("sluice runs --status", () => {
  let home: string;
  let app: App;
  let server: Awaited<ReturnType<typeof startLocalServer>>;
  /** The id of a recorded run in each status. */
  const runOf = new Map<string, string>();

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "sluice-runs-"));
    app = await openApp({ home, logger: silentLogger });
    for (const status of recordedRunStatuses) {
      const run = await app.runs.createRun({
        project: "p",
        trigger: "manual",
        workdir: home,
        change: {},
      });
      if (status !== "queued") await app.runs.startRun(run.id);
      if (status !== "queued" && status !== "running")
        await app.runs.finishRun(run.id, status);
      runOf.set(status, run.id);
    }
    server = await startLocalServer(app, { idleMs: 10 * 60_000 });
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  async function runs(args: string[]): Promise<unknown> {
    const printed: unknown[] = [];
    const ctx = {
      home,
      env: {},
      json: (value: unknown) => printed.push(value),
      stdout: () => {},
      stderr: () => {},
    } as unknown as CliContext;
    const program = new Command().exitOverride();
    registerRuns(program, ctx);
    await program.parseAsync(["runs", ...args], { from: "user" });
    return printed[0];
  }

  it.each(recordedRunStatuses)(
    "accepts %s and lists only the runs in it",
    async (status) => {
      const listed = (await runs(["--status", status, "--json"])) as {
        id: string;
        status: string;
      }[];
      expect(listed.map((run) => [run.id, run.status])).toEqual([
        [runOf.get(status), status],
      ]);
    },
  );

  it.each(["pending", "skipped", "Success", "done", ""])(
    "refuses %j with the pipeline's statuses in one line",
    async (status) => {
      await expect(runs(["--status", status])).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        message: `--status must be one of ${recordedRunStatuses.join(", ")}, got ${status}`,
      });
    },
  );

  it("names the pipeline's statuses in its help", () => {
    const program = new Command();
    registerRuns(program, {} as CliContext);
    const help = program.commands[0]!.helpInformation();
    expect(help.replace(/\s+/g, " ")).toContain(
      `(${recordedRunStatuses.join(", ")})`,
    );
  });
});
