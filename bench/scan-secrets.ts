// Secret scanning throughput: sluice and secretlint 13 (preset-recommend) over the same real tree,
// whole processes, one run. The tree is a fixed set of this project's node_modules packages
// (a fixed list of source-heavy packages, until ≥ 60 MB) copied to a temp folder so both tools
// see the same files.
// sluice also scans the whole node_modules once (its figure only), and both trees with the rules
// 887539e had (`sameRules`: the like-for-like figure of issue 11's side-by-side). Needs
// `npm run build`.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { baselineRuleIds } from "./data/rules-887539e.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const modules = join(root, "node_modules");
const bin = join(root, "bin", "sluice.js");
const secretlintBin = join(modules, "secretlint", "bin", "secretlint.js");

function treeBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = treeBytes(p);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile()) {
      files++;
      bytes += statSync(p).size;
    }
  }
  return { files, bytes };
}

/**
 * The small-files tree (issue 15): the first 4,000 `.js`/`.json`/`.md`/`.ts` files under 200 KB of
 * node_modules, in sorted walk order, copied to `dest`. A real repository is mostly such files,
 * where process start, worker start and per-file costs weigh more than the regexes.
 */
function copySmallFiles(dest: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (dir: string, rel: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      if (files >= 4000) return;
      const p = join(dir, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(p, r);
      else if (entry.isFile() && /\.(?:js|json|md|ts)$/.test(entry.name)) {
        const size = statSync(p).size;
        if (size >= 200 * 1024) continue;
        cpSync(p, join(dest, r));
        files++;
        bytes += size;
      }
    }
  };
  walk(modules, "");
  return { files, bytes };
}

/** The median of a few numbers (undefined when any is). */
function median(values: (number | undefined)[]): number | undefined {
  if (values.some((v) => v === undefined)) return undefined;
  const sorted = (values as number[]).slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * A rule file that keeps the built-in rules and disables those 887539e did not have: the
 * whole-process figure like for like, for issue 11's side-by-side (the rules added since are
 * issue 15's detection work). On 887539e itself it disables none.
 */
function sameRulesFile(dir: string): { file: string; rules: number } {
  const config = pathToFileURL(
    join(root, "dist", "scan", "secrets", "config.js"),
  );
  const r = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { defaultConfig } = await import(${JSON.stringify(config.href)}); console.log(JSON.stringify(defaultConfig().rules.map((r) => r.id)));`,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0)
    throw new Error(`reading the built-in rule ids: ${r.stderr.slice(0, 500)}`);
  const ids = JSON.parse(r.stdout) as string[];
  const kept = new Set(baselineRuleIds.trim().split(/\s+/));
  const added = ids.filter((id) => !kept.has(id));
  const file = join(dir, "rules-887539e.toml");
  writeFileSync(
    file,
    `[extend]\nuseDefault = true\ndisabledRules = ${JSON.stringify(added)}\n`,
  );
  return { file, rules: ids.length - added.length };
}

const timeBin = "/usr/bin/time";

/**
 * Runs a whole process; wall seconds and, through /usr/bin/time when present, its CPU seconds
 * (user + system, all threads): on a machine shared with other work the CPU figure is the
 * stable one, the wall figure is what a user waits.
 */
function timed(
  cmd: string,
  args: string[],
  cwd: string,
): { seconds: number; cpu: number | undefined; stdout: string } {
  const out = join(tmpdir(), `sluice-bench-time-${process.pid}`);
  const useTime = existsSync(timeBin);
  const start = performance.now();
  const r = useTime
    ? spawnSync(timeBin, ["-f", "%U %S", "-o", out, cmd, ...args], {
        cwd,
        encoding: "utf8",
        maxBuffer: 1 << 28,
      })
    : spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0 && r.status !== 1)
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(0, 500)}`,
    );
  let cpu: number | undefined;
  if (useTime) {
    const [user, sys] = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .pop()!
      .split(" ")
      .map(Number);
    cpu = (user ?? 0) + (sys ?? 0);
    rmSync(out, { force: true });
  }
  return { seconds, cpu, stdout: r.stdout };
}

const sluiceScan = (dir: string, ...extra: string[]) =>
  timed(
    process.execPath,
    [
      bin,
      "scan",
      "secrets",
      ...(extra.length > 0 ? extra : [dir, "--no-gitignore"]),
      "--format",
      "json",
      "--fail-on",
      "critical",
    ],
    dir,
  );

/**
 * False positives before the contextual detectors (issue 15), at the same default settings:
 * whole node_modules 204 findings on the tree of 2026-12-06 (the issue counted 42 on an older tree;
 * 162 of the 204 are secp256k1 test vectors in @noble); the project's own history (`--all`) 21 (test
 * tokens committed before they were built at run time; the issue expected none). A finding on these
 * trees is a false positive (they hold test fixtures, not live credentials).
 */
const before = { nodeModules: 204, history: 21 };

type Report = {
  findings: { ruleId: string }[];
  scan: { bytes: number; files: number };
};

const byRule = (findings: { ruleId: string }[]): string =>
  Object.entries(
    findings.reduce<Record<string, number>>((n, f) => {
      n[f.ruleId] = (n[f.ruleId] ?? 0) + 1;
      return n;
    }, {}),
  )
    .sort((a, b) => b[1] - a[1])
    .map(([id, n]) => `${id} ${n}`)
    .join(", ");

// The machine's load before the first run: CPU figures move with it (ADR 053), so both ends print.
const loadAtStart = loadavg()[0]!;

// The fixed subset.
const work = mkdtempSync(join(tmpdir(), "sluice-bench-secrets-"));
const tree = join(work, "tree");
let subsetBytes = 0;
const packages: string[] = [];
const candidates = [
  "typescript",
  "prettier",
  "eslint",
  "zod",
  "drizzle-orm",
  "playwright-core",
  "fastify",
  "pg",
  "yaml",
  "commander",
  "semver",
  "pino",
  "ajv",
  "@cucumber",
  "vitest",
  "drizzle-kit",
];
for (const name of candidates) {
  if (subsetBytes >= 60e6 || !existsSync(join(modules, name))) continue;
  const size = treeBytes(join(modules, name)).bytes;
  cpSync(join(modules, name), join(tree, name), {
    recursive: true,
    dereference: false,
  });
  subsetBytes += size;
  packages.push(name);
}
const subset = treeBytes(tree);
const smallTree = join(work, "small");
const small = copySmallFiles(smallTree);
const rc = join(work, ".secretlintrc.json");
writeFileSync(
  rc,
  JSON.stringify({
    rules: [{ id: "@secretlint/secretlint-rule-preset-recommend" }],
  }),
);

try {
  const mb = subset.bytes / 1e6;
  const ours = sluiceScan(tree);
  const oursReport = JSON.parse(ours.stdout) as {
    findings: unknown[];
    scan: { bytes: number; files: number };
  };
  const secretlintOn = (dir: string) =>
    timed(
      process.execPath,
      [
        secretlintBin,
        "**/*",
        "--secretlintrc",
        rc,
        "--format",
        "json",
        "--maskSecrets",
      ],
      dir,
    );
  const peer = secretlintOn(tree);
  const peerFindings = (
    JSON.parse(peer.stdout || "[]") as { messages: unknown[] }[]
  ).reduce((n, f) => n + f.messages.length, 0);
  // The small-files tree: three runs of each, interleaved, medians (a short run is noisier).
  const smallRuns = [0, 1, 2].map(() => ({
    ours: sluiceScan(smallTree),
    peer: secretlintOn(smallTree),
  }));
  const smallFindings = (JSON.parse(smallRuns[0]!.ours.stdout) as Report)
    .findings.length;
  const smallOurs = {
    seconds: median(smallRuns.map((r) => r.ours.seconds))!,
    cpu: median(smallRuns.map((r) => r.ours.cpu)),
  };
  const smallPeer = {
    seconds: median(smallRuns.map((r) => r.peer.seconds))!,
    cpu: median(smallRuns.map((r) => r.peer.cpu)),
  };
  // Like for like: both trees with 887539e's rules, three interleaved runs each, medians.
  const sameRules = sameRulesFile(work);
  const sameRuns = [0, 1, 2].map(() => ({
    tree: sluiceScan(tree, tree, "--no-gitignore", "--config", sameRules.file),
    small: sluiceScan(
      smallTree,
      smallTree,
      "--no-gitignore",
      "--config",
      sameRules.file,
    ),
  }));
  const same = {
    rules: sameRules.rules,
    treeSeconds: median(sameRuns.map((r) => r.tree.seconds))!,
    treeCpuSeconds: median(sameRuns.map((r) => r.tree.cpu)),
    treeFindings: (JSON.parse(sameRuns[0]!.tree.stdout) as Report).findings
      .length,
    smallSeconds: median(sameRuns.map((r) => r.small.seconds))!,
    smallCpuSeconds: median(sameRuns.map((r) => r.small.cpu)),
  };
  // The pre-commit scan, as bench/scan-staged measures it (its own repository and runs).
  const stagedRun = spawnSync(
    process.execPath,
    ["--import", "tsx", join(root, "bench", "scan-staged.ts")],
    { cwd: root, encoding: "utf8" },
  );
  const staged = JSON.parse(
    stagedRun.stdout.trim().split("\n").pop() ?? "{}",
  ) as { medianMs?: number; cpuMedianMs?: number | null; bareNodeMs?: number };
  const whole = treeBytes(modules);
  const all = sluiceScan(modules);
  const allReport = JSON.parse(all.stdout) as Report;
  const history = sluiceScan(root, "--all");
  const historyReport = JSON.parse(history.stdout) as Report;
  const per100 = (r: Report) =>
    r.scan.bytes > 0 ? (r.findings.length / r.scan.bytes) * 1e8 : 0;

  const oursRate = mb / ours.seconds;
  const peerRate = mb / peer.seconds;
  const cpuRate = (cpu: number | undefined) => (cpu ? mb / cpu : undefined);
  const oursCpu = cpuRate(ours.cpu);
  const peerCpu = cpuRate(peer.cpu);
  const f1 = (n: number | undefined) =>
    n === undefined ? "n/a" : n.toFixed(1);
  console.log(
    `tree: ${packages.length} node_modules packages (${packages.join(", ")}), ${subset.files} files, ${mb.toFixed(1)} MB; ${availableParallelism()} cores, load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`,
  );
  console.log(
    `              wall s   MB/s (wall)   CPU s   MB per CPU-s   findings`,
  );
  console.log(
    `sluice       ${ours.seconds.toFixed(2).padStart(7)}   ${oursRate.toFixed(1).padStart(11)}   ${f1(ours.cpu).padStart(5)}   ${f1(oursCpu).padStart(12)}   ${oursReport.findings.length}  (content scanned: ${(oursReport.scan.bytes / 1e6).toFixed(1)} MB in ${oursReport.scan.files} files; the rest skipped as binary/generated/minified)`,
  );
  console.log(
    `secretlint   ${peer.seconds.toFixed(2).padStart(7)}   ${peerRate.toFixed(1).padStart(11)}   ${f1(peer.cpu).padStart(5)}   ${f1(peerCpu).padStart(12)}   ${peerFindings}  (13.0.6 + preset-recommend)`,
  );
  console.log(
    `ratio        wall ${(oursRate / peerRate).toFixed(1)}x, CPU ${oursCpu && peerCpu ? (oursCpu / peerCpu).toFixed(1) : "n/a"}x  (targets: >= 5x secretlint, >= 100 MB/s on 2 cores)`,
  );
  const smallMB = small.bytes / 1e6;
  const ratio = (a: number | undefined, b: number | undefined) =>
    a && b ? Number((b / a).toFixed(2)) : null;
  console.log(
    `small files: the first ${small.files} .js/.json/.md/.ts files under 200 KB of node_modules, ${smallMB.toFixed(1)} MB; medians of 3 runs each`,
  );
  const f2 = (n: number | undefined) =>
    n === undefined ? "n/a" : n.toFixed(2);
  console.log(`              wall s   CPU s   findings`);
  console.log(
    `sluice       ${f2(smallOurs.seconds).padStart(7)}   ${f2(smallOurs.cpu).padStart(5)}   ${smallFindings}`,
  );
  console.log(
    `secretlint   ${f2(smallPeer.seconds).padStart(7)}   ${f2(smallPeer.cpu).padStart(5)}`,
  );
  console.log(
    `ratio        wall ${ratio(smallOurs.seconds, smallPeer.seconds) ?? "n/a"}x, CPU ${ratio(smallOurs.cpu, smallPeer.cpu) ?? "n/a"}x  (target: >= 5x secretlint)`,
  );
  console.log(
    `like for like, 887539e's ${same.rules} rules (a rule file disabling those added since), medians of 3: 70 MB tree ${f2(same.treeSeconds)} s wall, ${f2(same.treeCpuSeconds)} CPU-s, ${same.treeFindings} findings; small files ${f2(same.smallSeconds)} s wall, ${f2(same.smallCpuSeconds)} CPU-s`,
  );
  console.log(
    `pre-commit (bench/scan-staged): sluice scan secrets --staged median ${staged.medianMs ?? "n/a"} ms wall, ${staged.cpuMedianMs ?? "n/a"} ms CPU (bare node ${staged.bareNodeMs ?? "n/a"} ms; target < 250 ms)`,
  );
  console.log(
    `sluice, whole node_modules: ${(whole.bytes / 1e6).toFixed(1)} MB in ${all.seconds.toFixed(2)} s = ${(whole.bytes / 1e6 / all.seconds).toFixed(1)} MB/s wall, ${f1(cpuRate(all.cpu) && whole.bytes / 1e6 / all.cpu!)} MB per CPU-s, ${allReport.findings.length} findings`,
  );
  console.log(
    `false positives at the default confidence (medium): node_modules ${allReport.findings.length} findings (before the contextual detectors: ${before.nodeModules}; target <= ${before.nodeModules}), ${per100(allReport).toFixed(1)} per 100 MB of scanned content${allReport.findings.length > 0 ? ` [${byRule(allReport.findings)}]` : ""}`,
  );
  console.log(
    `false positives, this project's history (--all): ${historyReport.findings.length} findings in ${(historyReport.scan.bytes / 1e6).toFixed(1)} MB of added lines (${per100(historyReport).toFixed(1)} per 100 MB), ${history.seconds.toFixed(1)} s (before: ${before.history}; target 0)${historyReport.findings.length > 0 ? ` [${byRule(historyReport.findings)}]` : ""}`,
  );
  console.log(
    JSON.stringify({
      bench: "scan-secrets",
      cores: availableParallelism(),
      loadAverage: Number(loadavg()[0]!.toFixed(2)),
      loadAverageAtStart: Number(loadAtStart.toFixed(2)),
      treeFiles: subset.files,
      treeMB: Number(mb.toFixed(1)),
      sluiceSeconds: Number(ours.seconds.toFixed(3)),
      sluiceMBps: Number(oursRate.toFixed(1)),
      sluiceCpuSeconds: ours.cpu,
      sluiceMBperCpuSecond:
        oursCpu === undefined ? null : Number(oursCpu.toFixed(1)),
      sluiceFindings: oursReport.findings.length,
      sluiceContentMB: Number((oursReport.scan.bytes / 1e6).toFixed(1)),
      secretlintSeconds: Number(peer.seconds.toFixed(3)),
      secretlintMBps: Number(peerRate.toFixed(1)),
      secretlintCpuSeconds: peer.cpu,
      secretlintMBperCpuSecond:
        peerCpu === undefined ? null : Number(peerCpu.toFixed(1)),
      secretlintFindings: peerFindings,
      ratioWall: Number((oursRate / peerRate).toFixed(2)),
      ratioCpu:
        oursCpu && peerCpu ? Number((oursCpu / peerCpu).toFixed(2)) : null,
      wholeTreeMB: Number((whole.bytes / 1e6).toFixed(1)),
      wholeTreeSeconds: Number(all.seconds.toFixed(3)),
      wholeTreeMBps: Number((whole.bytes / 1e6 / all.seconds).toFixed(1)),
      wholeTreeCpuSeconds: all.cpu,
      wholeTreeFindings: allReport.findings.length,
      wholeTreeFindingsBefore: before.nodeModules,
      wholeTreeFindingsPer100MB: Number(per100(allReport).toFixed(2)),
      historyFindings: historyReport.findings.length,
      historyFindingsBefore: before.history,
      historyMB: Number((historyReport.scan.bytes / 1e6).toFixed(1)),
      smallFiles: {
        files: small.files,
        MB: Number(smallMB.toFixed(1)),
        sluiceSeconds: Number(smallOurs.seconds.toFixed(3)),
        sluiceCpuSeconds: smallOurs.cpu ?? null,
        sluiceFindings: smallFindings,
        secretlintSeconds: Number(smallPeer.seconds.toFixed(3)),
        secretlintCpuSeconds: smallPeer.cpu ?? null,
        ratioWall: ratio(smallOurs.seconds, smallPeer.seconds),
        ratioCpu: ratio(smallOurs.cpu, smallPeer.cpu),
      },
      sameRules: {
        rules: same.rules,
        treeSeconds: Number(same.treeSeconds.toFixed(3)),
        treeCpuSeconds: same.treeCpuSeconds ?? null,
        treeFindings: same.treeFindings,
        smallSeconds: Number(same.smallSeconds.toFixed(3)),
        smallCpuSeconds: same.smallCpuSeconds ?? null,
      },
      staged: {
        medianMs: staged.medianMs ?? null,
        cpuMedianMs: staged.cpuMedianMs ?? null,
      },
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
