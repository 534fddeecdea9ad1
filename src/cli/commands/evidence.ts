import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface ExportOptions {
  since?: string;
  env?: string;
  out?: string;
}

interface VerifyOptions {
  key?: string;
  json?: boolean;
}

/** `--since`: an ISO date or time, or a duration back from now (`7d`, `12h`). */
async function sinceDate(value: string, now: Date): Promise<Date> {
  const { AppError, parseDuration } = await import("../../kernel/index.js");
  const ms = parseDuration(value);
  if (ms !== undefined) return new Date(now.getTime() - ms);
  const date = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime()))
    throw new AppError(
      "INVALID_ARGUMENT",
      `--since ${value}: give a date (2026-12-01), a time (2026-12-01T10:00:00Z) or a duration (7d)`,
    );
  return date;
}

/** The signing key named by `--key`, else $SLUICE_EVIDENCE_KEY, else the home's own. */
const keyPath = (ctx: CliContext, option: string | undefined) =>
  option ?? (ctx.env.SLUICE_EVIDENCE_KEY || undefined);

export function registerEvidence(program: Command, ctx: CliContext): void {
  const evidence = program
    .command("evidence")
    .description(summaryOf("evidence"));

  evidence
    .command("export")
    .description(
      "write the evidence records as JSON lines (stdout or --out), then their head signed with the evidence key",
    )
    .option(
      "--since <when>",
      "only records from this date, time or duration ago (7d)",
    )
    .option("--env <environment>", "only the records of one environment")
    .option("--out <file>", "write to this file instead of stdout")
    .action(async (options: ExportOptions) => {
      const { evidenceLogFile, exportEvidence, loadSigningKey } =
        await import("../../policy/index.js");
      const { systemClock } = await import("../../kernel/index.js");
      const since =
        options.since === undefined
          ? undefined
          : await sinceDate(options.since, new Date(systemClock.now()));
      // The export ends with a head signed by the evidence key (ADR 101).
      const given = keyPath(ctx, undefined);
      const key = loadSigningKey({
        home: ctx.home,
        ...(given ? { path: given } : {}),
      });
      const lines = exportEvidence(
        join(ctx.home, evidenceLogFile),
        {
          ...(options.env === undefined ? {} : { environment: options.env }),
          ...(since === undefined ? {} : { since }),
        },
        key.privateKey,
      );
      const text = lines.map((l) => `${l}\n`).join("");
      if (options.out === undefined) {
        process.stdout.write(text);
        return;
      }
      writeFileSync(options.out, text);
      ctx.stderr(
        `${lines.length - 1} evidence records and their signed head written to ${options.out}`,
      );
    });

  evidence
    .command("verify")
    .description(
      "check every signature and the chain of an exported file; exit 1 naming the first record edited, removed or reordered",
    )
    .argument("<file>", "a file written by `sluice evidence export`")
    .option(
      "--key <file>",
      "the public key (PEM) to verify with; default: $SLUICE_EVIDENCE_KEY or the home's key",
    )
    .option("--json", "print the result as JSON")
    .action(async (file: string, options: VerifyOptions) => {
      const { evidenceKeyFile, loadPublicKey, readRecords, verifyExport } =
        await import("../../policy/index.js");
      const { AppError } = await import("../../kernel/index.js");
      const given = keyPath(ctx, options.key);
      // Verifying never makes a key: a new key could only say "not signed by me".
      const own = join(ctx.home, evidenceKeyFile);
      if (given === undefined && !existsSync(own))
        throw new AppError(
          "INVALID_ARGUMENT",
          `no evidence key at ${own}: give the public key with --key`,
        );
      const publicKey = loadPublicKey(given ?? own);
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (error) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
        );
      }
      const read = readRecords(text);
      if (!read.ok)
        throw new AppError(
          "INVALID_ARGUMENT",
          `${file}:${read.line}: ${read.problem}`,
        );
      const result = verifyExport(read, publicKey);
      if (options.json) ctx.json({ file, ...result });
      if (!result.ok) {
        process.exitCode = 1;
        if (!options.json)
          ctx.stderr(`sluice: ${file}:${result.line}: ${result.problem}`);
        return;
      }
      if (options.json) return;
      ctx.stdout(
        `${file}: ${result.records} records, every signature, link and the signed head verify`,
      );
      for (const c of result.chains)
        ctx.stdout(
          `  ${c.environment}: records ${c.first}–${c.last}${c.first > 1 ? ` (the file starts at record ${c.first})` : ""}`,
        );
    });

  evidence
    .command("key")
    .description(
      "print the public key (PEM) that verifies this home's evidence",
    )
    .action(async () => {
      const { loadSigningKey, keyIdOf } = await import("../../policy/index.js");
      const given = keyPath(ctx, undefined);
      const key = loadSigningKey({
        home: ctx.home,
        ...(given ? { path: given } : {}),
      });
      process.stdout.write(
        key.publicKey.export({ type: "spki", format: "pem" }).toString(),
      );
      ctx.stderr(
        `keyid ${keyIdOf(key.publicKey)} (${key.path}${key.created ? ", made now" : ""})`,
      );
    });
}
