import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gitRepo } from "../../../test/e2e/cli.js";
import {
  createKeptRepositories,
  receiveRunTree,
} from "../../pipeline/index.js";
import type { ServerClient } from "../client/server-client.js";
import { prepareRemoteRun } from "./run-remote.js";

/**
 * ADR 107, the client's side: it asks which commits the server has, sends only the others, and
 * sends the whole history once when the server lost them between the question and the run. The
 * server's side is pipeline's own (kept repositories, receiving a tree), called as the two
 * routes call it; the routes themselves run in test/e2e/remote-run.test.ts.
 */
describe("a remote run's client sends what the server lacks", () => {
  const made: string[] = [];
  afterEach(() => {
    for (const dir of made.splice(0))
      rmSync(dir, { recursive: true, force: true });
  });

  /** The routes `known-commits` and `runs` of a server whose home is `home`. */
  function server(home: string, onAsked: () => void) {
    const kept = createKeptRepositories(home);
    const posted: { bundle?: string }[] = [];
    const client: Pick<ServerClient, "json"> = {
      async json<T>(_method: string, path: string, body?: unknown) {
        if (path === "/api/v1/projects/svc/known-commits") {
          const known = await kept.known(
            "svc",
            (body as { commits: string[] }).commits,
          );
          onAsked();
          return { known } as T;
        }
        const sent = body as {
          bundle?: string;
          commit: string;
          folder: string;
          path: string;
          config: string;
        };
        posted.push(sent);
        const tree = await receiveRunTree(home, kept, {
          project: "svc",
          tree: {
            bundle:
              sent.bundle === undefined
                ? undefined
                : Buffer.from(sent.bundle, "base64"),
            commit: sent.commit,
            folder: sent.folder,
          },
          path: sent.path,
          config: sent.config,
        });
        await tree.release();
        return { runId: `run_${posted.length}`, notices: [] } as T;
      },
    };
    return { client, posted };
  }

  it("falls back to the whole history when the server lost its repository after it answered", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-run-remote-"));
    const repo = gitRepo({ "sluice.yml": "name: svc\njobs: {}\n" });
    made.push(home, repo);
    const lines: string[] = [];
    const ctx = {
      cwd: repo,
      env: process.env,
      stderr: (line: string) => lines.push(line),
    };
    const run = {
      project: "svc",
      server: "https://ci",
      config: ".",
      maxParallel: 1,
    };
    let lose = false;
    const { client, posted } = server(home, () => {
      if (lose) rmSync(join(home, "repositories"), { recursive: true });
    });
    await (
      await prepareRemoteRun(ctx, client, run)
    )();
    writeFileSync(join(repo, "note.txt"), "more\n");
    execFileSync("git", ["add", "."], { cwd: repo });
    execFileSync("git", ["commit", "-qm", "more"], { cwd: repo });
    lose = true;
    expect(await (await prepareRemoteRun(ctx, client, run))()).toEqual({
      runId: "run_3",
      notices: [],
    });
    expect(lines).toEqual([
      expect.stringMatching(
        /^sluice: sending [0-9a-f]{8} \(1 KiB, with its history\) to https:\/\/ci as project svc$/,
      ),
      expect.stringMatching(/, 1 commit the server lacks\) to /),
      expect.stringMatching(
        /^sluice: this server does not have the commit [0-9a-f]{8} the bundle builds on: send the whole history$/,
      ),
      expect.stringMatching(/, with its history\) to /),
    ]);
    expect(posted).toHaveLength(3);
  });
});
