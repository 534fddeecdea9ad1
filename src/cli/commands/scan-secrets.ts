import type { Command } from "commander";
import { Option } from "commander";
import type { CliContext } from "../context.js";
import { defaultFailOn } from "./scan-options.js";

interface SecretsFlags {
  staged?: boolean;
  since?: string;
  all?: boolean;
  format: string;
  output?: string;
  failOn: string;
  config?: string;
  baseline?: string;
  writeBaseline?: string;
  showSecrets?: boolean;
  maxFileSize: string;
  gitignore: boolean;
  workers?: string;
  timeBudget: string;
  scanBudget: string;
  stdinName?: string;
  confidence: "low" | "medium" | "high";
}

/** `10MB`, `512k`, `1048576` → bytes. */
function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[
    m[2]!.toLowerCase() as "" | "k" | "m" | "g"
  ];
  return Math.floor(Number(m[1]) * unit);
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `sluice scan secrets`: the secret scanner over a tree, the index, history or stdin. */
export function registerScanSecrets(scan: Command, ctx: CliContext): void {
  scan
    .command("secrets")
    .description(
      "find secrets in a tree (default: .), the staged changes, git history or stdin (-); exit 0 clean, 1 findings at or above --fail-on, 2 error or incomplete scan",
    )
    .argument("[path]", "folder or file to scan, or - for standard input", ".")
    .option("--staged", "scan only the lines added in the index (pre-commit)")
    .option(
      "--since <rev>",
      "scan the lines added by commits after REV (or in the range A..B)",
    )
    .option("--all", "scan the lines added by every commit of every branch")
    .addOption(
      new Option("--format <format>", "output format")
        .choices(["human", "json", "sarif"])
        .default("human"),
    )
    .option("--output <file>", "write the report to a file instead of stdout")
    .addOption(
      new Option("--fail-on <severity>", "lowest severity that fails the scan")
        .choices(["info", "low", "medium", "high", "critical"])
        .default(defaultFailOn),
    )
    .option(
      "--config <file>",
      "gitleaks-format TOML rule file ([extend] useDefault = true keeps ours; default: the project's .gitleaks.toml)",
    )
    .option(
      "--baseline <file>",
      "accept the findings recorded in this baseline (default: the project's .sluice/secrets-baseline.json)",
    )
    .option(
      "--write-baseline <file>",
      "record every current finding as accepted, then exit 0",
    )
    .option(
      "--show-secrets",
      "print secrets in full instead of a redacted prefix",
    )
    .option(
      "--max-file-size <size>",
      "skip files larger than this (e.g. 10MB, 512k)",
      "10MB",
    )
    .option(
      "--no-gitignore",
      "in a work tree, also scan files that .gitignore excludes",
    )
    .option(
      "--workers <n>",
      "worker threads (default: one thread per 32 MiB of content, up to the cores)",
    )
    .option(
      "--time-budget <ms>",
      "time allowed per rule and file before the rule is stopped",
      "5000",
    )
    .option(
      "--scan-budget <ms>",
      "time allowed for the whole scan; past it, rules stopped by --time-budget are cut off",
      "60000",
    )
    .addOption(
      new Option(
        "--confidence <level>",
        "lowest confidence reported: contextual findings (a password in a config file) carry low, medium or high; provider tokens are high",
      )
        .choices(["low", "medium", "high"])
        .default("medium"),
    )
    .option(
      "--stdin-name <path>",
      "path to report for content read from stdin",
      "-",
    )
    .action(async (path: string, flags: SecretsFlags) => {
      // Less inlining per optimized function: each thread's detector is compiled by TurboFan
      // while it scans, and smaller compiles cost less than the inlined calls save on one scan
      // (ADR 053: 7-8 % CPU on both bench trees). V8 flags are per process: this process is
      // this command's, and its workers share them.
      const { setFlagsFromString } = await import("node:v8");
      setFlagsFromString("--max-inlined-bytecode-size-cumulative=200");
      const { AppError, systemClock } = await import("../../kernel/index.js");
      const { writeFileSync } = await import("node:fs");
      const { resolve } = await import("node:path");
      // The secret scanner and the report formatters only: `scan/index.js` would also load the
      // dependency scanner (yaml, semver, lockfile parsers), which a pre-commit hook pays for.
      const [secrets, report] = await Promise.all([
        import("../../scan/secrets/index.js"),
        import("../../scan/report/index.js"),
      ]);

      const modes = [flags.staged, flags.since !== undefined, flags.all].filter(
        Boolean,
      ).length;
      if (modes > 1)
        throw new AppError(
          "INVALID_ARGUMENT",
          "use only one of --staged, --since and --all",
        );
      if (modes > 0 && path === "-")
        throw new AppError(
          "INVALID_ARGUMENT",
          "--staged, --since and --all scan a repository, not stdin",
        );
      const maxFileSize = parseSize(flags.maxFileSize);
      if (maxFileSize === undefined)
        throw new AppError(
          "INVALID_ARGUMENT",
          `--max-file-size: cannot read ${JSON.stringify(flags.maxFileSize)} as a size (e.g. 10MB)`,
        );
      const workers =
        flags.workers === undefined ? undefined : Number(flags.workers);
      if (workers !== undefined && !(Number.isInteger(workers) && workers > 0))
        throw new AppError(
          "INVALID_ARGUMENT",
          "--workers must be a positive integer",
        );
      const timeBudgetMs = Number(flags.timeBudget);
      if (!(timeBudgetMs > 0))
        throw new AppError(
          "INVALID_ARGUMENT",
          "--time-budget must be a positive number of milliseconds",
        );

      const scanBudgetMs = Number(flags.scanBudget);
      if (!(scanBudgetMs >= 0))
        throw new AppError(
          "INVALID_ARGUMENT",
          "--scan-budget must be a number of milliseconds",
        );

      const target = resolve(ctx.cwd, path === "-" ? "." : path);
      if (modes > 0 && secrets.repoRoot(target) === undefined)
        throw new AppError(
          "INVALID_ARGUMENT",
          `${path} is not inside a git repository`,
        );

      const scanTarget =
        path === "-"
          ? {
              kind: "stdin" as const,
              path: ctx.cwd,
              data: await readStdin(),
              name: flags.stdinName ?? "-",
            }
          : flags.staged
            ? { kind: "staged" as const, path: target }
            : flags.since !== undefined
              ? {
                  kind: "history" as const,
                  path: target,
                  revs: [
                    flags.since.includes("..")
                      ? flags.since
                      : `${flags.since}..HEAD`,
                  ],
                }
              : flags.all
                ? { kind: "history" as const, path: target, revs: ["--all"] }
                : { kind: "tree" as const, path: target };
      const { existsSync } = await import("node:fs");
      if (scanTarget.kind === "tree" && !existsSync(target))
        throw new AppError(
          "INVALID_ARGUMENT",
          `${path}: no such file or folder`,
        );

      const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
      const { join } = await import("node:path");
      const writeBaseline = flags.writeBaseline
        ? resolve(ctx.cwd, flags.writeBaseline)
        : undefined;
      // The key of the report's secret hashes (ADR 044). A home that cannot hold it (read-only)
      // does not stop the scan: this scan's own key then, so fingerprints hold for it only.
      let hashKey: Buffer | undefined;
      try {
        hashKey = secrets.loadHashKey(join(ctx.home, secrets.hashKeyFileName));
      } catch (error) {
        ctx.stderr(
          `sluice: ${(error as Error).message}; the report's fingerprints hold for this scan only`,
        );
      }
      // Rules, baseline and ignores come from the project as the hook and the pipeline's step
      // read them: one use case in scan (issue 11).
      const result = await secrets.scanProjectSecrets({
        target: scanTarget,
        ...(flags.config ? { configFile: resolve(ctx.cwd, flags.config) } : {}),
        ...(flags.baseline
          ? { baselineFile: resolve(ctx.cwd, flags.baseline) }
          : {}),
        ...(writeBaseline
          ? {
              noBaseline: true,
              recordBaseline: true,
              alsoExclude: [writeBaseline],
            }
          : {}),
        ...(hashKey ? { hashKey } : {}),
        maxFileSize,
        gitignore: flags.gitignore,
        ...(workers ? { workers } : {}),
        timeBudgetMs,
        scanBudgetMs,
        showSecrets: flags.showSecrets === true,
        confidence: flags.confidence,
        clock: systemClock,
        onProgress: (s) => {
          if (s.elapsedMs > 2000)
            ctx.stderr(`sluice: scanning… ${s.files} files, ${mb(s.bytes)} MB`);
        },
      });

      // The human report prints its notices itself; JSON and SARIF carry them for machines.
      if (flags.format !== "human")
        for (const notice of result.notices) ctx.stderr(`sluice: ${notice}`);
      for (const p of result.problems)
        ctx.stderr(`sluice: rule ${p.ruleId} skipped: ${p.message}`);
      for (const t of result.timeouts)
        ctx.stderr(
          `sluice: rule ${t.ruleId ?? "(unknown)"} stopped on ${t.path}${t.commit ? ` @ ${t.commit.slice(0, 12)}` : ""}: over its ${timeBudgetMs} ms budget (its other rules' findings are kept)`,
        );
      if (result.cutOff.length > 0)
        ctx.stderr(
          `sluice: the scan ran past its ${scanBudgetMs} ms budget (--scan-budget): rule${result.cutOff.length === 1 ? "" : "s"} ${result.cutOff.map((c) => `${c.ruleId} (stopped on ${c.timeouts} file${c.timeouts === 1 ? "" : "s"})`).join(", ")} cut off for the rest of the scan; their findings there are missing`,
        );
      for (const e of result.errors)
        ctx.stderr(`sluice: ${e.path} not scanned: ${e.message}`);
      // Missing findings are never silent: the report and the exit status say so.
      const incomplete =
        result.timeouts.length > 0 ||
        result.cutOff.length > 0 ||
        result.problems.length > 0 ||
        result.errors.length > 0;
      const s = result.stats;
      const skipped = Object.entries(s.skipped)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ");
      ctx.stderr(
        `sluice: scanned ${s.files} files (${mb(s.bytes)} MB) in ${(s.elapsedMs / 1000).toFixed(2)} s${skipped ? `; skipped ${skipped}` : ""}`,
      );

      if (writeBaseline && result.baseline) {
        const { mkdirSync } = await import("node:fs");
        mkdirSync(join(writeBaseline, ".."), { recursive: true });
        writeFileSync(
          writeBaseline,
          `${JSON.stringify(result.baseline, null, 2)}\n`,
        );
        ctx.stderr(
          `sluice: wrote ${result.baseline.entries.length} findings to baseline ${flags.writeBaseline}`,
        );
        return;
      }
      const findings = result.findings;
      const accepted = result.accepted.length;
      if (result.unusedBaseline.length > 0)
        ctx.stderr(
          `sluice: ${result.unusedBaseline.length} baseline entries matched nothing`,
        );
      const rules = result.rules.map((r) => ({
        tool: "secrets",
        id: r.id,
        shortDescription: r.description,
        fullDescription: r.description,
        help: "Revoke or rotate this credential, remove it from the code (and history), and load it from a secret store instead.",
        tags: ["security", "secret", ...(r.tags ?? [])],
        precision: "high" as const,
      }));
      const text = report.formatReport(
        flags.format as "human" | "json" | "sarif",
        {
          findings,
          rules,
          tools: [
            {
              name: "secrets",
              driverName: "sluice-secrets",
              informationUri: "https://github.com/sluice-dev/sluice",
            },
          ],
          suppressed: result.accepted,
          masks: result.masks,
          notices: result.notices,
          metadata: {
            files: s.files,
            bytes: s.bytes,
            skipped: s.skipped,
            elapsedMs: Math.round(s.elapsedMs),
            baselined: accepted,
            timeouts: result.timeouts,
            cutOff: result.cutOff,
            ruleProblems: result.problems,
            errors: result.errors,
            incomplete,
          },
        },
        // A history finding's line is in its commit, not in the work tree: no code frame then.
        // A staged one's is in the index (the work tree may differ), and only the added lines
        // were scanned: the lines around them may hold a secret nobody looked for, so the
        // frame shows the finding's own lines only.
        scanTarget.kind === "tree"
          ? { readSource: report.sourceReader(result.root) }
          : scanTarget.kind === "staged"
            ? {
                readSource: report.indexSourceReader(result.root),
                contextLines: 0,
              }
            : {},
      );
      if (flags.output) writeFileSync(resolve(ctx.cwd, flags.output), text);
      else process.stdout.write(text);

      const failing = report.findingsAtOrAbove(
        findings,
        flags.failOn as "medium",
      );
      if (failing.length > 0) process.exitCode = 1;
      else if (incomplete) {
        ctx.stderr("sluice: the scan is incomplete (see above)");
        process.exitCode = 2;
      }
    });
}
