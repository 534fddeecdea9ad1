import { resolve } from "node:path";
import type { Command } from "commander";
import {
  advisoryFilePath,
  removeAdvisoryFile,
  writeAdvisoryFile,
} from "../../store/advisory-file.js";
import type { CliContext } from "../context.js";

/** `sluice advisories import|status`: the local OSV advisory database. */
export function registerAdvisories(program: Command, ctx: CliContext): void {
  const advisories = program
    .command("advisories")
    .description(
      "the local OSV advisory database that `sluice scan deps` matches against",
    );

  advisories
    .command("import")
    .description(
      "import OSV advisories from a folder of JSON records or an OSV export zip (e.g. npm/all.zip); records a new snapshot",
    )
    .argument("<path>", "a folder of *.json / *.zip, or one all.zip")
    .option("--json", "print the snapshot as JSON")
    .action(async (path: string, options: { json?: boolean }) => {
      const { loadAdvisories } = await import("../../scan/index.js");
      const app = await ctx.app();
      const progress = process.stderr.isTTY
        ? (m: string) => ctx.stderr(`sluice: ${m}`)
        : undefined;
      // Read and validate everything first: a corrupted archive leaves the store untouched.
      const batch = loadAdvisories(resolve(ctx.cwd, path), app.clock, progress);
      progress?.(`storing ${batch.records.length} advisories`);
      // The embedded store keeps a file copy for `sluice scan deps` (ADR 042): gone while the
      // import runs, so a scan never reads a copy older than the database.
      const file = ctx.databaseUrl ? undefined : advisoryFilePath(ctx.home);
      if (file) removeAdvisoryFile(file);
      const snapshot = await app.scan.importAdvisories(batch);
      if (file) {
        progress?.("writing the advisory file for scans");
        writeAdvisoryFile(file, snapshot, await app.scan.advisoryEntries());
      }
      if (options.json) {
        ctx.json(snapshot);
        return;
      }
      const reasons = Object.entries(snapshot.skippedReasons)
        .map(([reason, n]) => `${n} ${reason}`)
        .join(", ");
      ctx.stdout(
        `imported ${snapshot.imported} advisories from ${path} as snapshot ${snapshot.id} (${snapshot.total} in the store)` +
          (snapshot.skipped > 0 || reasons
            ? `\nskipped ${snapshot.skipped} records${reasons ? ` (${reasons})` : ""}`
            : ""),
      );
    });

  advisories
    .command("status")
    .description(
      "show the current advisory snapshot and the advisories per ecosystem",
    )
    .option("--json", "print as JSON")
    .action(async (options: { json?: boolean }) => {
      const app = await ctx.app();
      const snapshot = await app.scan.currentSnapshot();
      const byEcosystem = await app.scan.countByEcosystem();
      if (options.json) {
        ctx.json({ snapshot: snapshot ?? null, byEcosystem });
        return;
      }
      if (!snapshot) {
        ctx.stdout(
          "no advisories imported yet: run `sluice advisories import PATH`",
        );
        return;
      }
      ctx.stdout(
        [
          `snapshot ${snapshot.id}, imported ${snapshot.createdAt.toISOString()} from ${snapshot.source}`,
          `hash ${snapshot.hash}`,
          `${snapshot.total} advisories: ${Object.entries(byEcosystem)
            .map(([e, n]) => `${e} ${n}`)
            .join(", ")}`,
        ].join("\n"),
      );
    });
}
