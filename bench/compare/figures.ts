// The pure core of `npm run bench:compare`: which way each bench figure is better, the medians of
// the old and new runs, and the verdict per figure. No processes, files or clocks here.

/**
 * How a figure is judged. "higher" / "lower": which way is better, gating. "same": must not change
 * (a count of findings, an exit code, a constant of the setup). "control": measures something
 * that is not sluice (a peer, bare node, the raw spawn): shown for noise, never gating. "info":
 * context such as the load average or a target; shown, never judged.
 */
type Better = "higher" | "lower" | "same" | "control" | "info";

export interface FigureSpec {
  better: Better;
  /** An absolute difference at or below this is noise (rounding, sub-resolution timers). */
  floor?: number;
}

const lower = (floor?: number): FigureSpec =>
  floor === undefined ? { better: "lower" } : { better: "lower", floor };
const higher: FigureSpec = { better: "higher" };
const same: FigureSpec = { better: "same" };
const control: FigureSpec = { better: "control" };
const info: FigureSpec = { better: "info" };

/**
 * Every figure the benches print, by bench file (without `.ts`) and flattened key (nested objects
 * joined with "."). Explicit, because names mislead: pipeline's `ratioCli` is better lower, flags'
 * `inProcess.ratio` better higher. A figure missing here is judged by {@link inferSpec}.
 */
const figureSpecs: Record<string, Record<string, FigureSpec>> = {
  flags: {
    bench: info,
    "inProcess.oursPerSec": higher,
    "inProcess.flagdCorePerSec": control,
    "inProcess.ratio": higher,
    "ofrep.rps": higher,
    "ofrep.p99Ms": lower(1),
    "ofrep.errors": lower(0),
    // CPU of the server per request (user + system): under autocannon, and through inject alone.
    "ofrep.cpuUsPerRequest": lower(),
    "ofrep.injectCpuUsPerRequest": lower(),
    "helloWorld.rps": control,
    "helloWorld.p99Ms": control,
  },
  mask: {
    bench: info,
    logMB: same,
    lines: same,
    registeredSecrets: same,
    credentialLines: same,
    loadAverage: info,
    catMBps: control,
    maskerMBps: higher,
    maskerCpuSeconds: lower(),
    detectMBps: higher,
    detectCpuSeconds: lower(),
    detectMBperCpuSecond: higher,
    detectMasked: same,
    stepLogMBps: higher,
    stepLogFindings: same,
    targetMBps: info,
  },
  metrics: {
    bench: info,
    cores: info,
    loadAverage: info,
    commits: same,
    tags: same,
    generateMs: control,
    readCpuMs: lower(),
    readWallMs: lower(),
    readCommitsPerSecond: higher,
    importCpuMs: lower(),
    importWallMs: lower(),
    importCommitsPerSecond: higher,
    importCommitsPerSecondWall: higher,
    importReadCpuMs: lower(),
    importStoreCpuMs: lower(),
    importTarget: info,
    deployments: same,
    computeCpuMs: lower(),
    computeWallMs: lower(),
    computeTargetMs: info,
  },
  "pipeline-overhead": {
    jobs: same,
    width: same,
    reps: same,
    rawSpawnMs: control,
    sluiceCliMs: lower(),
    sluiceEngineMs: lower(),
    ratioCli: lower(),
    ratioEngine: lower(),
    perJobOverheadCliMs: lower(0.2),
    perJobOverheadEngineMs: lower(0.2),
    perJobCpuEngineMs: lower(0.2),
    cliCpuMs: lower(),
    statementsPerJob: lower(),
    queueStatementsPerJob: lower(),
    peakRssMb: lower(),
    firstRunPeakRssMb: lower(),
    helpMs: lower(),
    nodeBareMs: control,
    helpCpuMs: lower(1),
    nodeBareCpuMs: control,
    firstRunFreshHomeMs: lower(),
    firstRunCpuMs: lower(),
    load1: info,
  },
  rollback: {
    rollback_seconds: lower(),
    rollback_target_seconds: info,
    analysis_interval_seconds: same,
    analysis_initial_delay_seconds: same,
    analysis_failure_limit: same,
    analysis_min_requests: same,
    canary_weight: same,
    canary_requests: info,
    canary_failed: info,
    stable_failed: lower(0),
    canary_requests_started_after_recovery: lower(0),
    last_canary_request_before_recovery_ms: info,
    direct_rps: control,
    proxy_rps: higher,
    proxy_rps_target: info,
    proxy_cpu_us_per_request: lower(),
    proxy_rps_one_core_bound: higher,
    latency_samples_per_side: info,
    direct_p50_ms: control,
    proxy_p50_ms: lower(0.05),
    added_p50_ms: lower(0.05),
    added_p50_target_ms: info,
    direct_p99_ms: control,
    proxy_p99_ms: lower(0.2),
    added_p99_ms: lower(0.2),
    saturated_direct_p50_ms: control,
    saturated_proxy_p50_ms: lower(1),
    saturated_direct_p99_ms: control,
    saturated_proxy_p99_ms: lower(1),
    proxy_errors: lower(0),
    cores: info,
    load_average_1m: info,
  },
  "scan-deps": {
    bench: info,
    packages: same,
    records: same,
    importSeconds: lower(),
    scanMedianSeconds: lower(),
    scanBestSeconds: lower(),
    scanFromDatabaseMedianSeconds: lower(),
    storeOpenSeconds: lower(),
    cliStartSeconds: lower(),
    "inProcessMs.open": lower(2),
    "inProcessMs.parse": lower(2),
    "inProcessMs.query": lower(2),
    "inProcessMs.match": lower(2),
    targetSeconds: info,
    findings: same,
    expectedFindings: same,
  },
  "scan-secrets": {
    bench: info,
    cores: info,
    loadAverage: info,
    treeFiles: same,
    treeMB: same,
    sluiceSeconds: lower(),
    sluiceMBps: higher,
    sluiceCpuSeconds: lower(),
    sluiceMBperCpuSecond: higher,
    sluiceFindings: same,
    sluiceContentMB: same,
    secretlintSeconds: control,
    secretlintMBps: control,
    secretlintCpuSeconds: control,
    secretlintMBperCpuSecond: control,
    secretlintFindings: control,
    ratioWall: higher,
    ratioCpu: higher,
    // The whole node_modules differs between the builds when their lockfiles differ, so its
    // size and time are context; the rates are the comparable figures.
    wholeTreeMB: info,
    wholeTreeSeconds: info,
    wholeTreeMBps: higher,
    wholeTreeCpuSeconds: info,
    // False-positive counts (issue 15) on the whole node_modules and on the tree's own history:
    // both differ between two trees, so they are context, not judged.
    wholeTreeFindings: info,
    wholeTreeFindingsBefore: info,
    wholeTreeFindingsPer100MB: info,
    historyFindings: info,
    historyFindingsBefore: info,
    historyMB: info,
    // The small-files tree (issue 15): whole processes, medians of 3 runs each.
    "smallFiles.files": same,
    "smallFiles.MB": same,
    "smallFiles.sluiceSeconds": lower(),
    "smallFiles.sluiceCpuSeconds": lower(),
    "smallFiles.sluiceFindings": same,
    "smallFiles.secretlintSeconds": control,
    "smallFiles.secretlintCpuSeconds": control,
    "smallFiles.ratioWall": higher,
    "smallFiles.ratioCpu": higher,
    // Both trees with 887539e's rules (a rule file disabling the rules added since): the
    // like-for-like whole-process figures; the judged ones above include issue 15's rules.
    "sameRules.rules": same,
    "sameRules.treeSeconds": lower(),
    "sameRules.treeCpuSeconds": lower(),
    "sameRules.treeFindings": info,
    "sameRules.smallSeconds": lower(),
    "sameRules.smallCpuSeconds": lower(),
    // bench/scan-staged's figures, as this bench prints them beside the others.
    "staged.medianMs": lower(),
    "staged.cpuMedianMs": lower(),
  },
  // The detector alone, in process (no start, no workers, no reads): `baselineRules.*` runs the
  // rules 887539e had, the like-for-like figure; `all.*` every built-in rule, whose count and
  // findings differ between builds that added rules (issue 15 added 63).
  "scan-detector": {
    bench: info,
    cores: info,
    loadAverage: info,
    files: same,
    MB: same,
    "all.rules": info,
    "all.matches": info,
    "all.coldCpuMs": lower(),
    "all.warmCpuMs": lower(),
    "baselineRules.rules": same,
    "baselineRules.matches": info,
    "baselineRules.coldCpuMs": lower(),
    "baselineRules.warmCpuMs": lower(),
  },
  "scan-staged": {
    bench: info,
    files: same,
    stagedFiles: same,
    medianMs: lower(),
    minMs: lower(),
    maxMs: lower(),
    cpuMedianMs: lower(),
    exitCode: same,
    findings: same,
    bareNodeMs: control,
    loadAverage: info,
  },
};

/** The direction of a figure no list names, from its name; "info" when the name says nothing. */
export function inferSpec(key: string): FigureSpec {
  const name = key.split(".").pop()!;
  if (/^(cores|load|bench)|target|^peer/i.test(name)) return info;
  if (/(per_?sec(ond)?|rps|mbps|_bound)$/i.test(name)) return higher;
  if (/(ms|seconds|_us|rss_?mb|cpu)$/i.test(name)) return lower();
  return info;
}

export function specFor(bench: string, key: string): FigureSpec {
  return figureSpecs[bench]?.[key] ?? inferSpec(key);
}

/** The last line of a bench's output that is a JSON object: the bench's figures. */
export function lastJsonLine(output: string): Record<string, unknown> | null {
  const lines = output.split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith("{")) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value && typeof value === "object" && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // A readable line that happens to start with "{": keep looking.
    }
  }
  return null;
}

export type Scalar = number | string | boolean;

/** Nested objects joined with "."; arrays and nulls dropped (peer ranges, figures not measured). */
export function flatten(
  value: Record<string, unknown>,
  prefix = "",
): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const [key, v] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof v === "number" && Number.isFinite(v)) out[name] = v;
    else if (typeof v === "string" || typeof v === "boolean") out[name] = v;
    else if (v && typeof v === "object" && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, name));
  }
  return out;
}

/**
 * Which build runs first in a round: old in odd rounds, new in even ones. A run slows the one
 * after it (its temporary homes' writes and removals are still being flushed): with old always
 * first, pipeline-overhead's engine figures came out 12-15% worse for whichever build ran
 * second, whatever the build (session 12, the same build under two names).
 */
export function sidesOf(
  round: number,
): readonly ["old", "new"] | readonly ["new", "old"] {
  return round % 2 === 1
    ? (["old", "new"] as const)
    : (["new", "old"] as const);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

type Verdict =
  | "ok"
  | "better"
  | "REGRESSED"
  | "same"
  | "CHANGED"
  | "control"
  | "info"
  | "added"
  | "missing";

export interface Row {
  bench: string;
  figure: string;
  better: Better;
  old: Scalar | null;
  new: Scalar | null;
  /** new / old, when both are numbers and old is not 0. */
  ratio: number | null;
  /** How much worse, as a fraction (0.12 = 12% worse); negative when better. Gating figures only. */
  worse: number | null;
  verdict: Verdict;
}

/** The median of numbers; the one value, or the distinct values joined with "|", of the rest. */
function summarize(values: readonly Scalar[]): Scalar | null {
  if (values.length === 0) return null;
  if (values.every((v) => typeof v === "number"))
    return median(values as number[]);
  return [...new Set(values.map(String))].sort().join("|");
}

/** Figures of one bench, old runs and new runs, compared figure by figure. */
export function compareBench(
  bench: string,
  oldRuns: readonly Record<string, Scalar>[],
  newRuns: readonly Record<string, Scalar>[],
  threshold: number,
): Row[] {
  const keys = [
    ...new Set([...oldRuns, ...newRuns].flatMap((r) => Object.keys(r))),
  ];
  return keys.map((figure) => {
    const spec = specFor(bench, figure);
    const pick = (runs: readonly Record<string, Scalar>[]) =>
      summarize(runs.flatMap((r) => (figure in r ? [r[figure]!] : [])));
    const o = pick(oldRuns);
    const n = pick(newRuns);
    const ratio =
      typeof o === "number" && typeof n === "number" && o !== 0 ? n / o : null;
    const row: Row = {
      bench,
      figure,
      better: spec.better,
      old: o,
      new: n,
      ratio,
      worse: null,
      verdict: "info",
    };
    if (spec.better === "control" || spec.better === "info")
      return { ...row, verdict: spec.better };
    if (n === null) return { ...row, verdict: "missing" };
    if (o === null) return { ...row, verdict: "added" };
    if (spec.better === "same")
      return { ...row, verdict: o === n ? "same" : "CHANGED" };
    if (typeof o !== "number" || typeof n !== "number")
      return { ...row, verdict: o === n ? "ok" : "CHANGED" };
    const delta = spec.better === "lower" ? n - o : o - n;
    const worse = o !== 0 ? delta / Math.abs(o) : delta > 0 ? Infinity : 0;
    const beyondNoise = Math.abs(delta) > (spec.floor ?? 0);
    const verdict: Verdict =
      beyondNoise && worse > threshold
        ? "REGRESSED"
        : beyondNoise && worse < -threshold
          ? "better"
          : "ok";
    return { ...row, worse, verdict };
  });
}

/**
 * Rows that make the comparison fail: a gating figure worse than the threshold, changed, or no
 * longer printed by the new build.
 */
export function failing(rows: readonly Row[]): Row[] {
  return rows.filter(
    (r) =>
      r.verdict === "REGRESSED" ||
      r.verdict === "CHANGED" ||
      r.verdict === "missing",
  );
}

const show = (v: Scalar | null): string =>
  v === null
    ? "-"
    : typeof v === "number"
      ? Number.isInteger(v)
        ? v.toLocaleString("en-US")
        : Number(v.toPrecision(4)).toLocaleString("en-US", {
            maximumFractionDigits: 4,
          })
      : String(v);

/** The table as lines: bench, figure, better, old median, new median, new/old, verdict. */
export function formatTable(rows: readonly Row[]): string[] {
  const cells = rows.map((r) => [
    r.bench,
    r.figure,
    r.better,
    show(r.old),
    show(r.new),
    r.ratio === null ? "-" : r.ratio.toFixed(3),
    r.verdict === "REGRESSED" || r.verdict === "better"
      ? `${r.verdict} ${(Math.abs(r.worse!) * 100).toFixed(0)}%`
      : r.verdict,
  ]);
  const head = ["bench", "figure", "better", "old", "new", "new/old", ""];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...cells.map((c) => c[i]!.length)),
  );
  const right = new Set([3, 4, 5]);
  const line = (c: string[]) =>
    c
      .map((x, i) =>
        right.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!),
      )
      .join("  ")
      .trimEnd();
  return [line(head), ...cells.map(line)];
}
