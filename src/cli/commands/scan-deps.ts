import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { AppError, embeddedDataDir } from "../../kernel/index.js";
import {
  advisoryFilePath,
  openAdvisoryFile,
} from "../../scan/deps/advisory-file.js";
import type { CliContext } from "../context.js";
import {
  defaultFailOn,
  parseFormat,
  parseSeverity,
  writeReport,
} from "./scan-options.js";

/** An embedded store's home without an advisory file: nothing imported. */
const noAdvisories = {
  currentSnapshot: () => Promise.resolve(undefined),
  recordsFor: () => Promise.resolve([]),
};

/** The embedded store's advisory file; written again by the server when it is missing. */
async function advisoryFile(ctx: CliContext) {
  const path = advisoryFilePath(ctx.home);
  const file = openAdvisoryFile(path);
  if (file || !existsSync(embeddedDataDir(ctx.home))) return file;
  const { localClient } = await import("../client/local-server.js");
  const { written } = await localClient(ctx).json<{ written: boolean }>(
    "POST",
    "/api/v1/advisories/file",
    {},
  );
  return written ? openAdvisoryFile(path) : undefined;
}

interface DepsOptions {
  format: string;
  output?: string;
  failOn: string;
  online?: boolean;
  allowNoLockfiles?: boolean;
  maxLockfileMegabytes: string;
}

/** The exit status when no lockfile was found: osv-scanner's, so CI scripts written for it work. */
const noLockfilesExit = 128;

/** `sluice scan deps [PATH]`: lockfiles against the imported OSV advisories. */
export function registerScanDeps(scan: Command, ctx: CliContext): void {
  scan
    .command("deps")
    .description(
      "find packages with known vulnerabilities in the lockfiles under PATH (node_modules skipped), using the advisories imported with `sluice advisories import`",
    )
    .argument("[path]", "a folder or one lockfile", ".")
    .option("--format <format>", "human, json or sarif", "human")
    .option(
      "--output <file>",
      "write the report to this file instead of stdout",
    )
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at or above: info, low, medium, high, critical",
      defaultFailOn,
    )
    .option(
      "--online",
      "also ask the OSV API (api.osv.dev) about every package",
    )
    .option(
      "--allow-no-lockfiles",
      `exit 0, not ${noLockfilesExit}, when PATH holds no lockfile (as osv-scanner's flag)`,
    )
    .option(
      "--max-lockfile-megabytes <n>",
      "refuse lockfiles larger than this, unread",
      "64",
    )
    .addHelpText(
      "after",
      "\nExit status: 0 no finding at or above --fail-on; 1 findings; 2 an error (a lockfile that\n" +
        `cannot be read, no advisories imported); ${noLockfilesExit} no lockfile found, so nothing was scanned\n` +
        "(as osv-scanner; --allow-no-lockfiles makes it 0). A package.json, pyproject.toml, Cargo.toml,\n" +
        "… with no lockfile beside it is named on stderr: its dependencies were not scanned.\n" +
        "Advisories: `sluice advisories update` downloads OSV's per-ecosystem exports.",
    )
    .action(async (path: string, options: DepsOptions) => {
      const format = parseFormat(options.format);
      const failOn = parseSeverity(options.failOn);
      const megabytes = Number(options.maxLockfileMegabytes);
      if (!(megabytes > 0) || !Number.isFinite(megabytes)) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `--max-lockfile-megabytes must be a positive number, not '${options.maxLockfileMegabytes}'`,
        );
      }
      const target = resolve(ctx.cwd, path);
      // The embedded store's advisory file answers without starting the database; every import
      // writes it. When it is gone the home's server, which holds the store, writes it again
      // (issue 14). Postgres is opened here, while the lockfiles are read (ADR 042).
      const file = ctx.databaseUrl ? undefined : await advisoryFile(ctx);
      const advisories =
        file ??
        (ctx.databaseUrl ? ctx.app().then((app) => app.scan) : noAdvisories);
      // Only the dependency scanner and the reports: the secret rules stay unloaded.
      const { scanDependencies } = await import("../../scan/deps/index.js");
      const { formatReport, findingsAtOrAbove, sourceReader } =
        await import("../../scan/report/index.js");
      const progress = process.stderr.isTTY
        ? (m: string) => ctx.stderr(`sluice: ${m}`)
        : undefined;
      const result = await scanDependencies({
        target,
        advisories,
        requireSnapshot: !options.online,
        maxLockfileBytes: Math.floor(megabytes * 1024 * 1024),
        ...(options.online
          ? {
              online: {
                baseUrl: ctx.env.SLUICE_OSV_API_URL || "https://api.osv.dev",
              },
            }
          : {}),
        ...(progress ? { progress } : {}),
      }).finally(() => file?.close());
      for (const error of result.errors) ctx.stderr(`sluice: ${error.message}`);
      for (const note of result.notes) ctx.stderr(`sluice: warning: ${note}`);
      const empty = result.lockfiles.length === 0;
      if (empty) {
        ctx.stderr(
          `sluice: ${options.allowNoLockfiles ? "warning: " : ""}no lockfile found in ${path}: nothing was scanned` +
            (options.allowNoLockfiles
              ? ""
              : ` (exit ${noLockfilesExit}; --allow-no-lockfiles accepts it)`),
        );
      }
      const root = statSync(target).isDirectory() ? target : dirname(target);
      const metadata = {
        target: path,
        lockfiles: result.lockfiles,
        packages: result.packageCount,
        ...(result.unlocked.length > 0 ? { unlocked: result.unlocked } : {}),
        ...(result.notes.length > 0 ? { warnings: result.notes } : {}),
        ...(result.snapshot
          ? {
              snapshot: {
                id: result.snapshot.id,
                hash: result.snapshot.hash,
                importedAt: result.snapshot.createdAt.toISOString(),
                advisories: result.snapshot.total,
              },
            }
          : {}),
        online: Boolean(options.online),
      };
      const report = formatReport(
        format,
        { findings: result.findings, tools: [{ name: "deps" }], metadata },
        { readSource: sourceReader(root) },
      );
      if (format === "human") {
        const head =
          `scanned ${result.packageCount} packages in ${result.lockfiles.length} lockfile${result.lockfiles.length === 1 ? "" : "s"}` +
          (result.snapshot
            ? ` against advisory snapshot ${result.snapshot.id} (${result.snapshot.total} advisories, imported ${result.snapshot.createdAt.toISOString()})`
            : "") +
          (options.online ? " and the OSV API" : "");
        await writeReport(`${head}\n\n${report}`, options.output);
      } else {
        await writeReport(report, options.output);
      }
      if (result.errors.length > 0) process.exitCode = 2;
      else if (empty && !options.allowNoLockfiles)
        process.exitCode = noLockfilesExit;
      else if (findingsAtOrAbove(result.findings, failOn).length > 0)
        process.exitCode = 1;
    });
}
