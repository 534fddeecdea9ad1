// Flags: in-process evaluations per second (ours vs @openfeature/flagd-core on the same flags and
// contexts), and OFREP single-flag requests per second on loopback next to a bare node:http
// hello-world measured in the same run. Prints readable lines, then one JSON line.
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// autocannon ships no types; this is the part of its API the bench uses.
// @ts-expect-error -- untyped module
import autocannonUntyped from "autocannon";
import { FlagdCore } from "@openfeature/flagd-core";
import type { EvaluationContext } from "@openfeature/core";
import { FlagEvaluator } from "../src/flags/index.js";
import type { FlagType, FlagValue } from "../src/flags/index.js";
import { silentLogger, systemClock } from "../src/kernel/index.js";

/** A representative flag set: static flags, string ops, sem_ver, fractional, a $ref, metadata. */
const flagSet = {
  flags: {
    "static-bool": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "on",
    },
    "static-string": {
      state: "ENABLED",
      variants: { a: "alpha", b: "beta" },
      defaultVariant: "a",
    },
    "email-rule": {
      state: "ENABLED",
      variants: { internal: "internal", external: "external" },
      defaultVariant: "external",
      targeting: {
        if: [{ ends_with: [{ var: "email" }, "@example.com"] }, "internal"],
      },
    },
    "tier-rule": {
      state: "ENABLED",
      variants: { gold: 3, silver: 2, none: 0 },
      defaultVariant: "none",
      targeting: {
        if: [
          { "==": [{ var: "tier" }, "gold"] },
          "gold",
          { "==": [{ var: "tier" }, "silver"] },
          "silver",
        ],
      },
    },
    "version-gate": {
      state: "ENABLED",
      variants: { new: true, old: false },
      defaultVariant: "old",
      targeting: {
        if: [{ sem_ver: [{ var: "version" }, ">=", "2.1.0"] }, "new", "old"],
      },
    },
    "split-25": {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: {
        fractional: [
          ["on", 25],
          ["off", 75],
        ],
      },
    },
    "split-by-user": {
      state: "ENABLED",
      variants: { red: "red", green: "green", blue: "blue" },
      defaultVariant: "red",
      targeting: {
        fractional: [
          { cat: [{ var: "$flagd.flagKey" }, { var: "user.id" }] },
          ["red", 1],
          ["green", 1],
          ["blue", 1],
        ],
      },
    },
    "ref-rule": {
      state: "ENABLED",
      variants: { yes: "yes", no: "no" },
      defaultVariant: "no",
      targeting: { if: [{ $ref: "is_staff" }, "yes", "no"] },
      metadata: { owner: "platform" },
    },
  },
  $evaluators: { is_staff: { in: [{ var: "role" }, ["admin", "staff"]] } },
  metadata: { flagSetId: "bench" },
};

const keys = Object.keys(flagSet.flags);
const types = Object.fromEntries(
  Object.entries(flagSet.flags).map(([k, f]) => {
    const first = Object.values(f.variants)[0];
    return [
      k,
      (typeof first === "object" ? "object" : typeof first) as FlagType,
    ];
  }),
);
const defaults: Record<FlagType, FlagValue> = {
  boolean: false,
  string: "",
  number: 0,
  object: {},
};

function contexts(n: number): EvaluationContext[] {
  const out: EvaluationContext[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      targetingKey: `user-${i}`,
      email: i % 3 === 0 ? `u${i}@example.com` : `u${i}@mail.test`,
      tier: ["gold", "silver", "bronze"][i % 3]!,
      version: `${1 + (i % 3)}.${i % 4}.0`,
      role: ["admin", "dev", "staff", "guest"][i % 4]!,
      user: { id: `id-${i}` },
    });
  }
  return out;
}

/** Evaluations per second of one implementation over every (context, flag) pair for `ms`. */
function round(
  evaluate: (key: string, ctx: EvaluationContext) => unknown,
  ctxs: EvaluationContext[],
  ms: number,
): number {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const ctx of ctxs) for (const key of keys) evaluate(key, ctx);
    n += ctxs.length * keys.length;
  }
  return (n / (performance.now() - start)) * 1000;
}

/** Warms both up, then alternates 1.5 s rounds (so load on the machine hits both alike); best of 3. */
function compare(
  a: (key: string, ctx: EvaluationContext) => unknown,
  b: (key: string, ctx: EvaluationContext) => unknown,
  ctxs: EvaluationContext[],
): [number, number] {
  round(a, ctxs, 500);
  round(b, ctxs, 500);
  let bestA = 0;
  let bestB = 0;
  for (let i = 0; i < 3; i++) {
    bestA = Math.max(bestA, round(a, ctxs, 1500));
    bestB = Math.max(bestB, round(b, ctxs, 1500));
  }
  return [bestA, bestB];
}

const line = (name: string, rate: number) =>
  console.log(
    `  ${name.padEnd(34)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} evaluations/s`,
  );

type Autocannon = (options: Record<string, unknown>) => Promise<{
  requests: { average: number; total: number };
  latency: { p99: number };
  errors: number;
  non2xx: number;
}>;
const autocannon = autocannonUntyped as Autocannon;

async function cannon(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> },
) {
  const result = await autocannon({
    url,
    connections: 16,
    duration: 6,
    pipelining: 1,
    ...options,
  });
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

function child(
  mode: string,
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; url: string; key?: string }> {
  const proc = fork(fileURLToPath(import.meta.url), [mode], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    proc.once("message", (m) =>
      resolve({ proc, ...(m as { url: string; key?: string }) }),
    );
    proc.once("exit", (code) =>
      reject(new Error(`${mode} exited with ${code}`)),
    );
  });
}

/** The OFREP child's CPU time so far (process.cpuUsage, µs), asked over IPC. */
function childCpu(proc: ChildProcess): Promise<NodeJS.CpuUsage> {
  return new Promise((resolve) => {
    const listen = (m: unknown) => {
      if (m && typeof m === "object" && "cpu" in m) {
        proc.off("message", listen);
        resolve((m as { cpu: NodeJS.CpuUsage }).cpu);
      }
    };
    proc.on("message", listen);
    proc.send("cpu");
  });
}

async function helloChild(): Promise<void> {
  const server = createServer((_req, res) => res.end("hello world"));
  server.listen(0, "127.0.0.1", () => {
    const address = server.address() as { port: number };
    process.send?.({ url: `http://127.0.0.1:${address.port}/` });
  });
}

async function ofrepChild(): Promise<void> {
  const { openApp } = await import("../src/app.js");
  const { listen } = await import("../src/server/index.js");
  const home = mkdtempSync(join(tmpdir(), "sluice-bench-flags-"));
  const app = await openApp({ home, logger: silentLogger });
  const scope = { project: "bench", environment: "production" };
  await app.flags.importSet(scope, flagSet, { actor: "bench" });
  const { key } = await app.flags.createApiKey(scope);
  const running = await listen(app, { port: 0, host: "127.0.0.1" });
  process.send?.({ url: running.url, key });
  // The parent asks for this process's CPU time before and after its load: CPU per request is
  // the figure a loaded machine disturbs least (wall-clock rates swing with other work).
  process.on("message", (m) => {
    if (m === "cpu") process.send?.({ cpu: process.cpuUsage() });
  });
  process.on(
    "SIGTERM",
    () =>
      void running
        .close()
        .then(() => app.close())
        .then(() => rmSync(home, { recursive: true, force: true }))
        .then(() => process.exit(0)),
  );
}

/**
 * Server CPU per OFREP request without sockets or load generator: the route through
 * Fastify's inject (routing, auth, body parse, validation, evaluation, serializer), in this
 * process, best of 3 rounds of 5,000 after a warm-up. The figure least disturbed by other work.
 */
async function ofrepInjectCpuUs(): Promise<number> {
  const { openApp } = await import("../src/app.js");
  const { buildServer } = await import("../src/server/index.js");
  const home = mkdtempSync(join(tmpdir(), "sluice-bench-flags-"));
  const app = await openApp({ home, logger: silentLogger });
  try {
    const scope = { project: "bench", environment: "production" };
    await app.flags.importSet(scope, flagSet, { actor: "bench" });
    const { key } = await app.flags.createApiKey(scope);
    const server = await buildServer({
      app,
      logger: app.logger,
      adminToken: "bench-admin-token",
    });
    const request = {
      method: "POST" as const,
      url: "/ofrep/v1/evaluate/flags/email-rule",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
      },
      payload: JSON.stringify({
        context: { targetingKey: "user-1", email: "a@example.com" },
      }),
    };
    const batch = async (n: number) => {
      const cpu = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const res = await server.inject(request);
        if (res.statusCode !== 200)
          throw new Error(`OFREP answered ${res.statusCode}`);
      }
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / n;
    };
    await batch(3000);
    let best = Infinity;
    for (let i = 0; i < 3; i++) best = Math.min(best, await batch(5000));
    await server.close();
    return best;
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ctxs = contexts(1000);
  console.log(
    "in-process evaluation (8 flags x 1000 contexts, best of 3 rounds)",
  );
  const ours = new FlagEvaluator(flagSet, { clock: systemClock });
  const core = new FlagdCore(undefined, {
    error() {},
    warn() {},
    info() {},
    debug() {},
  });
  core.setConfigurations(JSON.stringify(flagSet));
  const [oursRate, coreRate] = compare(
    (key, ctx) => ours.resolve(key, types[key]!, defaults[types[key]!], ctx),
    (key, ctx) => core.resolve(types[key]!, key, defaults[types[key]!], ctx),
    ctxs,
  );
  line("sluice FlagEvaluator.resolve", oursRate);
  line("@openfeature/flagd-core 4.0.1", coreRate);
  const ratio = oursRate / coreRate;
  console.log(`  ratio ours / flagd-core: ${ratio.toFixed(2)}x (target >= 2x)`);

  console.log(
    "OFREP single-flag POST on loopback (autocannon, 16 connections, 6 s)",
  );
  const hello = await child("--hello-child");
  const bare = await cannon(hello.url, {});
  hello.proc.kill("SIGTERM");
  console.log(
    `  node:http hello world              ${Math.round(bare.rps).toLocaleString("en-US").padStart(12)} req/s   p99 ${bare.p99} ms`,
  );
  const ofrep = await child("--ofrep-child");
  const cpuBefore = await childCpu(ofrep.proc);
  const single = await cannon(
    `${ofrep.url}/ofrep/v1/evaluate/flags/email-rule`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${ofrep.key}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        context: { targetingKey: "user-1", email: "a@example.com" },
      }),
    },
  );
  const cpuAfter = await childCpu(ofrep.proc);
  ofrep.proc.kill("SIGTERM");
  const cpuUsPerRequest =
    (cpuAfter.user - cpuBefore.user + cpuAfter.system - cpuBefore.system) /
    Math.max(1, single.requests);
  console.log(
    `  sluice serve OFREP single flag     ${Math.round(single.rps).toLocaleString("en-US").padStart(12)} req/s   p99 ${single.p99} ms   errors ${single.errors} (target >= 15,000 req/s, p99 < 5 ms)`,
  );
  console.log(
    `  server CPU per request (user+sys): ${cpuUsPerRequest.toFixed(1)} µs`,
  );
  const injectCpuUs = await ofrepInjectCpuUs();
  console.log(
    `  OFREP in-process (inject), CPU per request: ${injectCpuUs.toFixed(1)} µs`,
  );
  console.log(
    `  share of the bare node:http figure: ${((single.rps / bare.rps) * 100).toFixed(0)}%`,
  );
  console.log(
    JSON.stringify({
      bench: "flags",
      inProcess: {
        oursPerSec: Math.round(oursRate),
        flagdCorePerSec: Math.round(coreRate),
        ratio: Number(ratio.toFixed(2)),
      },
      ofrep: {
        rps: Math.round(single.rps),
        p99Ms: single.p99,
        errors: single.errors,
        cpuUsPerRequest: Number(cpuUsPerRequest.toFixed(1)),
        injectCpuUsPerRequest: Number(injectCpuUs.toFixed(1)),
      },
      helloWorld: { rps: Math.round(bare.rps), p99Ms: bare.p99 },
    }),
  );
}

const mode = process.argv[2];
if (mode === "--hello-child") await helloChild();
else if (mode === "--ofrep-child") await ofrepChild();
else if (mode === "--ofrep-inject")
  // Quick A/B of the route's CPU alone: `node --import tsx bench/flags.ts --ofrep-inject`.
  console.log(
    JSON.stringify({ injectCpuUsPerRequest: await ofrepInjectCpuUs() }),
  );
else await main();
