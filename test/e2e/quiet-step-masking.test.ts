import { randomInt } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { stopLocalServer } from "../support/local-server.js";

// Credentials are built at run time, so the repository's own secret scan does not flag this file;
// the step prints them from pieces, so sluice.yml (and the step's name) never holds one whole.
function pick(alphabet: string, length: number): string {
  return Array.from(
    { length },
    () => alphabet[randomInt(alphabet.length)],
  ).join("");
}
const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const awsTail = pick(`${upper}234567`, 16);
const githubTail = pick(`${upper}abcdefghijklmnopqrstuvwxyz0123456789`, 36);
const awsKeyId = `AKIA${awsTail}`;
const githubToken = `ghp_${githubTail}`;

describe("credentials nobody declared, in a step's output (built CLI)", () => {
  let repo: string;
  let env: Record<string, string>;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": `name: leaky
jobs:
  leak:
    steps:
      - name: print credentials
        run: |
          printf 'aws_access_key_id = %s%s\\n' AK 'IA${awsTail}'
          # The token reaches the pipe in two writes, a second apart.
          printf 'cloning with %s' gh; sleep 1; printf '%s@github.com/o/r\\n' 'p_${githubTail}'
          echo done
`,
    });
    env = { SLUICE_HOME: mkdtempSync(join(tmpdir(), "sluice-e2e-mask-")) };
  });

  afterAll(() => stopLocalServer(env.SLUICE_HOME!));

  it("are masked in the run log, in `sluice logs` and in the terminal", () => {
    const run = sluice(repo, env, ["run", "--json"]);
    expect(run.code).toBe(0);
    const detail = JSON.parse(run.stdout) as {
      id: string;
      status: string;
      jobs: { steps: { logPath: string }[] }[];
    };
    expect(detail.status).toBe("success");
    const file = readFileSync(detail.jobs[0]!.steps[0]!.logPath, "utf8");
    expect(file).toContain("aws_access_key_id = ***\n");
    expect(file).toContain("cloning with ***@github.com/o/r\n");
    expect(file).toContain("done\n");

    const logs = sluice(repo, env, ["logs", detail.id]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("aws_access_key_id = ***");
    expect(logs.stdout).toContain("cloning with ***@github.com/o/r");

    for (const text of [file, logs.stdout, logs.stderr, run.stderr]) {
      expect(text).not.toContain(awsKeyId);
      expect(text).not.toContain(githubToken);
      // Not even the part printed after the pause.
      expect(text).not.toContain(githubTail);
    }
  });
});
