// The secret detector alone, in process, over files already in memory: no process start, no
// workers, no file reads. Each figure is a fresh child process (a cold JIT), CPU time of the
// whole process (its compiler and GC threads included) for a first pass and a warm third pass.
// Two rule sets: every built-in rule, and the rules 887539e had (the build before issue 11's
// side-by-side baseline; 63 rules came after it, 11 of them issue 15's contextual detectors).
// The second is the like-for-like figure in `npm run bench:compare -- --bench-from new`: both
// builds then run the same rules, so a difference there is the detector's, not new rules' work.
// Needs `npm run build` (it loads dist/).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { baselineRuleIds } from "./data/rules-887539e.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist", "scan", "secrets");
if (!existsSync(join(dist, "task-runner.js"))) {
  console.error("bench/scan-detector: run `npm run build` first");
  process.exit(2);
}

/** Source-heavy packages read in place (the same files for both builds of a comparison). */
const packages = ["typescript", "eslint", "zod", "drizzle-orm", "fastify"];
const reps = Number(process.env.BENCH_REPS ?? 5);

// The child: reads the packages' text files (sorted walk, under 200 KB, at most 20 MB), then
// runs the detector over them three times and prints the CPU of the first and third pass.
const child = `
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
const [distUrl, modules, which, baselineIds, ...packages] = process.argv.slice(1);
const { defaultConfig } = await import(distUrl + "/config.js");
const { createTaskRunner } = await import(distUrl + "/task-runner.js");
const files = [];
let bytes = 0;
const walk = (dir, rel) => {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (bytes >= 20e6) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, rel + "/" + e.name);
    else if (e.isFile() && /\\.(?:js|json|md|ts)$/.test(e.name) && statSync(p).size < 200 * 1024) {
      const data = readFileSync(p);
      files.push({ path: rel + "/" + e.name, data });
      bytes += data.length;
    }
  }
};
for (const p of packages) walk(join(modules, p), p);
const all = defaultConfig();
const baseline = new Set(baselineIds.split(/\\s+/));
const rules = which === "baseline" ? all.rules.filter((r) => baseline.has(r.id)) : all.rules;
// As a scan worker starts: the runner compiles the rules itself (no keyword-by-keyword phase).
const run = createTaskRunner({ rules, allowlists: all.allowlists, maxFileSize: 10 << 20, ruleBudgetMs: 5000, minConfidence: "medium" });
const passes = [];
let matches = 0;
for (let pass = 0; pass < 3; pass++) {
  const c0 = process.cpuUsage();
  let id = 0;
  matches = 0;
  for (const f of files) matches += run({ id: id++, path: f.path, data: f.data }).matches.length;
  const c = process.cpuUsage(c0);
  passes.push((c.user + c.system) / 1000);
}
console.log(JSON.stringify({ files: files.length, MB: bytes / 1e6, rules: rules.length, matches, coldCpuMs: passes[0], warmCpuMs: passes[2] }));
`;

interface Pass {
  files: number;
  MB: number;
  rules: number;
  matches: number;
  coldCpuMs: number;
  warmCpuMs: number;
}

function measure(which: "all" | "baseline"): Pass {
  // The flag `sluice scan secrets` sets (ADR 053), so the figure is the command's detector.
  const r = spawnSync(
    process.execPath,
    [
      "--max-inlined-bytecode-size-cumulative=200",
      "--input-type=module",
      "-e",
      child,
      pathToFileURL(dist).href,
      join(root, "node_modules"),
      which,
      baselineRuleIds,
      ...packages,
    ],
    { encoding: "utf8", maxBuffer: 1 << 24 },
  );
  if (r.status !== 0)
    throw new Error(`detector child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Pass;
}

const median = (xs: number[]): number =>
  xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const loadAtStart = loadavg()[0]!;
const runs = { all: [] as Pass[], baseline: [] as Pass[] };
for (let i = 0; i < reps; i++) {
  runs.all.push(measure("all"));
  runs.baseline.push(measure("baseline"));
}
const summary = (xs: Pass[]) => ({
  rules: xs[0]!.rules,
  matches: xs[0]!.matches,
  coldCpuMs: Number(median(xs.map((x) => x.coldCpuMs)).toFixed(1)),
  warmCpuMs: Number(median(xs.map((x) => x.warmCpuMs)).toFixed(1)),
});
const all = summary(runs.all);
const baseline = summary(runs.baseline);
const first = runs.all[0]!;
console.log(
  `detector in process: ${first.files} files, ${first.MB.toFixed(1)} MB of ${packages.join(", ")} (in memory); medians of ${reps} fresh processes; load average ${loadAtStart.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}`,
);
console.log(
  `                      rules   first pass CPU   warm pass CPU   findings`,
);
for (const [name, s] of [
  ["every rule", all],
  ["887539e's rules", baseline],
] as const)
  console.log(
    `${name.padEnd(22)}${String(s.rules).padStart(5)}   ${s.coldCpuMs.toFixed(0).padStart(11)} ms   ${s.warmCpuMs.toFixed(0).padStart(10)} ms   ${s.matches}`,
  );
console.log(
  JSON.stringify({
    bench: "scan-detector",
    cores: availableParallelism(),
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
    files: first.files,
    MB: Number(first.MB.toFixed(1)),
    all,
    baselineRules: baseline,
  }),
);
