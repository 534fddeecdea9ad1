import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { createCliContext } from "../context.js";
import type { CliContext } from "../context.js";
import { exitCodes } from "../exit-codes.js";
import { summaryOf } from "../command-summaries.js";

interface DemoOptions {
  dir?: string;
}

/** What the demo's phases share: where the sample lives, what the runs were, what to look at. */
interface DemoState {
  dir: string;
  runs: { id: string; status: string }[];
  /** Why the demo failed, if it did (a failed run, errors seen from the stable release...). */
  failures: string[];
  /** "Where to look next" lines a phase adds: a command (`sluice ...`) and what it shows. */
  next: [command: string, what: string][];
}

/**
 * A demo phase. The phases run in order; later issues add theirs (the deploy phase after the
 * runs) by adding an entry to `demoPhases`.
 */
type DemoPhase = (ctx: CliContext, state: DemoState) => Promise<void>;

const demoPhases: { name: string; run: DemoPhase }[] = [
  { name: "create a sample Node service", run: createSampleRepo },
  { name: "sluice init", run: initSample },
  { name: "first run (cold cache)", run: (ctx, s) => runSample(ctx, s) },
  { name: "second run (warm cache)", run: (ctx, s) => runSample(ctx, s) },
  {
    name: "policy gate (a large change to infra/ held, approved by a second identity, deployed)",
    run: async (ctx, s) => (await import("./demo-gate.js")).gateSample(ctx, s),
  },
  {
    name: "progressive delivery (a good release promoted, a bad one rolled back)",
    run: deliverSample,
  },
];

export function registerDemo(program: Command, ctx: CliContext): void {
  program
    .command("demo")
    .description(summaryOf("demo"))
    .option("--dir <path>", "create the sample here instead of a temp folder")
    .addHelpText(
      "after",
      "\nThe demo keeps its records, logs, cache and deployments in a home of its own,\n" +
        "$SLUICE_HOME/demo, with its own local server: it never waits for the pipelines of your\n" +
        "home, nor adds to them. What it prints to look at next reads that home.",
    )
    .action(async (options: DemoOptions) => {
      const dir = options.dir ?? mkdtempSync(join(tmpdir(), "sluice-demo-"));
      const state: DemoState = { dir, runs: [], failures: [], next: [] };
      const own = createCliContext({
        ...ctx.env,
        SLUICE_HOME: join(ctx.home, "demo"),
      });
      const demo: CliContext = {
        ...own,
        cwd: ctx.cwd,
        isTty: ctx.isTty,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        json: ctx.json,
      };
      try {
        let n = 0;
        for (const phase of demoPhases) {
          n++;
          ctx.stderr(`sluice demo [${n}/${demoPhases.length}] ${phase.name}`);
          await phase.run(demo, state);
        }
      } finally {
        await own.closeApp();
      }
      ctx.stdout(formatNext(demo, state));
      if (state.failures.length > 0) {
        ctx.stderr(`sluice demo: failed: ${state.failures.join("; ")}`);
        process.exitCode = exitCodes.failed;
      }
    });
}

/**
 * The closing summary: where the sample and the records are, and the commands to look at them,
 * spelled the way this sluice was started (`npx sluice` when npx ran it).
 */
function formatNext(ctx: CliContext, state: DemoState): string {
  const sluice = ctx.env.npm_command === "exec" ? "npx sluice" : "sluice";
  const cmd = (command: string) => command.replace(/^sluice\b/, sluice);
  const last = state.runs.at(-1);
  const next: [string, string][] = [
    [
      `export SLUICE_HOME=${ctx.home}`,
      "the demo's own home, which the commands below read",
    ],
  ];
  if (last) {
    next.push(
      [
        `sluice run show ${last.id}`,
        "jobs, steps, durations, exit codes, cache hits (install skipped: cache exact), scan findings",
      ],
      [`sluice logs ${last.id} test`, "the log of the test job (masked)"],
    );
  }
  next.push(["sluice runs", "every run, newest first"], ...state.next);
  next.push(
    [`cd ${state.dir} && sluice run`, "run the pipeline again"],
    ["sluice --help", "every command"],
  );
  const rows = next.map(([command, what]) => [cmd(command), what] as const);
  const width = Math.max(...rows.map(([command]) => command.length));
  const where = ctx.databaseUrl ? "Postgres ($SLUICE_DATABASE_URL)" : ctx.home;
  return [
    "",
    `sample service: ${state.dir} (a git repository; its pipeline is sluice.yml)`,
    `runs recorded in ${where}:`,
    ...state.runs.map((run) => `  ${run.id}  ${run.status}`),
    ...(last
      ? [`step logs: ${join(ctx.home, "runs", last.id)}/<job>/<step>.log`]
      : []),
    "",
    "where to look next:",
    ...rows.map(([command, what]) => `  ${command.padEnd(width)}  ${what}`),
  ].join("\n");
}

/**
 * The deploy capability's part: releases of the sample on the local target, one rolled back,
 * deployed and stopped through the demo home's server as `sluice deploy` and `deploy stop` do.
 */
async function deliverSample(ctx: CliContext, state: DemoState): Promise<void> {
  const [{ runDeployDemo }, { followRollout, localServer, stopEnvironment }] =
    await Promise.all([
      import("../../deploy/index.js"),
      import("./deploy-client.js"),
    ]);
  const client = await localServer(ctx);
  const delivery = await runDeployDemo({
    ship: ({ project, ...body }, onProgress) =>
      followRollout(
        ctx,
        client,
        `/api/v1/deployments?${new URLSearchParams({ project })}`,
        body,
        { progress: onProgress },
      ),
    stop: async (project, environment) =>
      void (await stopEnvironment(client, project, environment)),
    dir: state.dir,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
  });
  if (delivery.failedFromStable > 0) {
    state.failures.push(
      `${delivery.failedFromStable} requests failed on the stable release during the rollback`,
    );
  }
}

const files: Record<string, string> = {
  "package.json": `${JSON.stringify(
    {
      name: "hello-service",
      version: "1.0.0",
      private: true,
      type: "module",
      scripts: { start: "node server.js", test: "node --test" },
      engines: { node: ">=20" },
    },
    null,
    2,
  )}\n`,
  "package-lock.json": `${JSON.stringify(
    {
      name: "hello-service",
      version: "1.0.0",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": {
          name: "hello-service",
          version: "1.0.0",
          engines: { node: ">=20" },
        },
      },
    },
    null,
    2,
  )}\n`,
  "app.js": `import { createServer } from "node:http";

/** The service: /healthz answers ok, / says hello. */
export function createApp() {
  return createServer((req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ hello: "world" }));
  });
}
`,
  "server.js": `import { createApp } from "./app.js";

const port = Number(process.env.PORT ?? 3000);
createApp().listen(port, () => console.log(\`listening on \${port}\`));
`,
  "test/app.test.js": `import { test } from "node:test";
import assert from "node:assert/strict";
import { createApp } from "../app.js";

test("GET /healthz answers ok", async () => {
  const server = createApp().listen(0);
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    const res = await fetch(\`http://127.0.0.1:\${server.address().port}/healthz\`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "ok");
  } finally {
    server.close();
  }
});
`,
  ".gitignore": "node_modules/\n",
};

function write(dir: string, name: string): void {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, files[name]!);
}

/** A real git repository with a few commits: the service, its test, its lockfile. */
async function createSampleRepo(
  ctx: CliContext,
  state: DemoState,
): Promise<void> {
  const { git } = await import("./demo-gate.js");
  const { dir } = state;
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  git(dir, "config", "user.name", "Sluice Demo");
  git(dir, "config", "user.email", "demo@sluice.invalid");
  git(dir, "config", "commit.gpgsign", "false");
  write(dir, "package.json");
  write(dir, "package-lock.json");
  write(dir, ".gitignore");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "Start the hello service");
  write(dir, "app.js");
  write(dir, "server.js");
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "Serve /healthz");
  write(dir, "test/app.test.js");
  git(dir, "add", ".");
  git(
    dir,
    "commit",
    "-q",
    "-m",
    "Test /healthz",
    "-m",
    "Co-authored-by: Sluice Demo Bot <bot@sluice.invalid>",
  );
  ctx.stderr(`  ${dir}: a git repository with 3 commits`);
}

/** `sluice init`: detects the Node project and writes the three-line sluice.yml. */
async function initSample(ctx: CliContext, state: DemoState): Promise<void> {
  const [{ initProject }, { git }] = await Promise.all([
    import("../../config/index.js"),
    import("./demo-gate.js"),
  ]);
  const result = initProject(state.dir);
  git(state.dir, "add", "sluice.yml");
  git(state.dir, "commit", "-q", "-m", "Add sluice.yml");
  ctx.stderr(
    `  wrote ${result.file}:\n${result.text
      .trimEnd()
      .split("\n")
      .map((line) => `    ${line}`)
      .join("\n")}`,
  );
}

/** `sluice run` in the sample repository, in the local server of the demo's home. */
async function runSample(ctx: CliContext, state: DemoState): Promise<void> {
  const { clientOf, submitAndFollow } = await import("./run-client.js");
  const { detail } = await submitAndFollow(ctx, await clientOf(ctx), {
    config: join(state.dir, "sluice.yml"),
    maxParallel: 2,
    json: false,
  });
  state.runs.push({ id: detail.id, status: detail.status });
  if (detail.status !== "success") {
    state.failures.push(`run ${detail.id} ended ${detail.status}`);
  }
  const install = detail.jobs
    .flatMap((job) => job.steps)
    .find((step) => step.name === "install");
  if (install?.cache) {
    ctx.stderr(
      `  install step: ${install.status}, cache ${install.cache}${
        install.status === "skipped"
          ? " (skipped: the cache held node_modules)"
          : ""
      }`,
    );
  }
}
