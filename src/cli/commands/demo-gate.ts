import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppError, messageOf } from "../../kernel/index.js";
import type { HoldView } from "../../policy/index.js";
import type { CliContext } from "../context.js";
import {
  approveThroughServer,
  clientOf,
  followContinued,
  submitAndFollow,
} from "./run-client.js";

/** What the gate phase reads and writes of the demo's state (see demo.ts). */
interface GateDemoState {
  dir: string;
  runs: { id: string; status: string }[];
  failures: string[];
  next: [command: string, what: string][];
}

/** The second identity, who approves (the author is the sample repository's user.email). */
const demoReviewer = "reviewer@sluice.invalid";

/** The environment the gate phase deploys to (stopped again at the end of the phase). */
const environment = "demo";

/**
 * The sample's sluice.yml with delivery added to what `sluice init` wrote: the golden path's
 * `gate` job (default policy) before a one-step deploy of the service on the local target. The
 * deploy step is written out only to give it a free proxy port (`proxy-port: 0`).
 */
async function addDelivery(file: string): Promise<string> {
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(readFileSync(file, "utf8"));
  const steps = [{ weight: 100 }];
  doc.setIn(["with", "health"], "/healthz");
  doc.setIn(["with", "deploy"], { environment, steps });
  doc.set("jobs", {
    deploy: {
      steps: [
        {
          uses: "sluice/deploy",
          with: {
            environment,
            "proxy-port": 0,
            strategy: "canary",
            steps,
            release: { command: "node server.js", health: "/healthz" },
          },
        },
      ],
    },
  });
  const text = doc.toString();
  writeFileSync(file, text);
  return text;
}

/** Runs git in the sample; a failure is one line. */
export function git(dir: string, ...args: string[]): void {
  try {
    execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  } catch (error) {
    throw new AppError(
      "EXTERNAL",
      `git ${args[0]} failed in ${dir}: ${messageOf(error).split("\n")[0]}`,
      { cause: error },
    );
  }
}

/**
 * The gate phase of `sluice demo`: the sample gets a deploy job behind the policy gate, then a
 * 300-line AI-assisted change to `infra/`. The default policy holds it (a large change to a
 * sensitive path); the author's own approval is refused; a second identity approves, and the held
 * run continues to deploy. The deployed service is stopped at the end.
 */
export async function gateSample(
  ctx: CliContext,
  state: GateDemoState,
): Promise<void> {
  const { dir } = state;
  const config = await addDelivery(join(dir, "sluice.yml"));
  git(dir, "add", "sluice.yml");
  git(dir, "commit", "-q", "-m", "Deploy behind the policy gate");
  mkdirSync(join(dir, "infra"), { recursive: true });
  writeFileSync(
    join(dir, "infra", "network.tf"),
    Array.from(
      { length: 300 },
      (_, i) => `# network rule ${i + 1}: allow 10.0.${i % 256}.0/24`,
    ).join("\n") + "\n",
  );
  git(dir, "add", "infra");
  git(
    dir,
    "commit",
    "-q",
    "-m",
    "infra: network rules",
    "-m",
    "Assisted-by: Claude:claude-sonnet-4",
  );
  ctx.stderr(
    `  sluice.yml now deploys after the gate:\n${config
      .trimEnd()
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n")}`,
  );
  ctx.stderr("  committed a 300-line AI-assisted change to infra/");

  // As the commands do: the run, the approvals and the continued run go through the local server.
  const client = await clientOf(ctx);
  const held = await submitAndFollow(ctx, client, {
    config: join(dir, "sluice.yml"),
    maxParallel: 2,
    json: false,
  });
  const runId = held.detail.id;
  const author = held.detail.authorEmail ?? "";
  if (held.status !== "held") {
    state.runs.push({ id: runId, status: held.status });
    state.failures.push(`run ${runId} ended ${held.status}, not held`);
    return;
  }
  const holds = await client.json<HoldView[]>("GET", "/api/v1/holds");
  const hold = holds.find((h) => h.runId === runId);
  ctx.stderr(`  held: run ${runId} waits for a person`);
  for (const reason of hold?.reasons ?? []) ctx.stderr(`    ${reason}`);

  const approve = (as: string, comment: string) =>
    approveThroughServer(ctx, client, runId, { as, comment, maxParallel: 2 });
  // The author's own approval is refused: the policy asks for someone else.
  try {
    await approve(author, "looks fine to me");
    state.failures.push(`the author's approval of ${runId} was accepted`);
    return;
  } catch (error) {
    ctx.stderr(
      `  ${author} (the author) approves: refused: ${messageOf(error)}`,
    );
  }
  const answer = await approve(demoReviewer, "reviewed the network rules");
  ctx.stderr(
    `  ${demoReviewer} approves: ${answer.approved ? `approved by ${answer.hold.approvedBy.join(", ")}; the run continues` : `${answer.hold.missing} more approvals needed`}`,
  );
  if (!answer.approved || !answer.continued) {
    state.runs.push({ id: runId, status: "held" });
    state.failures.push(
      answer.notices[0] ?? `run ${runId} is still held after the approval`,
    );
    return;
  }
  try {
    // The approval continued the run in the server: it shows here until it ends.
    const { detail, status } = await followContinued(ctx, client, runId, false);
    state.runs.push({ id: detail.id, status });
    if (status !== "success")
      state.failures.push(`run ${runId} ended ${status} after its approval`);
  } finally {
    // Through the demo home's server, as `sluice deploy stop`.
    const { stopEnvironment } = await import("./deploy-client.js");
    await stopEnvironment(client, held.detail.project, environment);
  }
  state.next.push(
    [`sluice logs ${runId} gate`, "the gate's facts, fired rules and decision"],
    ["sluice evidence export", "the signed decision, approvals and deployment"],
  );
}
