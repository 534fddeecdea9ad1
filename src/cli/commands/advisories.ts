import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { AdvisorySnapshot } from "../../scan/index.js";
import type {
  DownloadProgress,
  ExportDownload,
} from "../../scan/deps/index.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

/** `sluice advisories import|update|status`: the local OSV advisory database. */
export function registerAdvisories(program: Command, ctx: CliContext): void {
  const advisories = program
    .command("advisories")
    .description(summaryOf("advisories"));

  advisories
    .command("import")
    .description(
      "import OSV advisories from a folder of JSON records or an OSV export zip (e.g. npm/all.zip); records a new snapshot",
    )
    .argument("<path>", "a folder of *.json / *.zip, or one all.zip")
    .option("--json", "print the snapshot as JSON")
    .action(async (path: string, options: { json?: boolean }) => {
      const progress = process.stderr.isTTY
        ? (m: string) => ctx.stderr(`sluice: ${m}`)
        : undefined;
      const snapshot = await importThroughServer(
        ctx,
        [resolve(ctx.cwd, path)],
        progress,
      );
      if (options.json) {
        ctx.json(snapshot);
        return;
      }
      ctx.stdout(describeImport(snapshot, path));
    });

  advisories
    .command("update")
    .description(
      "download OSV's per-ecosystem exports (<source>/<ecosystem>/all.zip, the layout osv-scanner's offline mode uses) and import them as a new snapshot; an interrupted download resumes where it stopped",
    )
    .option(
      "--ecosystem <list>",
      "comma-separated OSV ecosystems, e.g. npm,PyPI,Go (default: those of the lockfiles and manifests here, else npm, PyPI, Go, crates.io, Maven)",
    )
    .option(
      "--source <url>",
      "where the exports are (default: $SLUICE_OSV_EXPORT_URL, else OSV's public bucket https://osv-vulnerabilities.storage.googleapis.com)",
    )
    .option("--json", "print the snapshot as JSON")
    .addHelpText(
      "after",
      "\nDownloads go to $SLUICE_HOME/advisories/osv/<ecosystem>/all.zip and are kept: the next\n" +
        "update asks the server whether each changed (ETag) and downloads only what did. A download\n" +
        "that stops (network, Ctrl-C) is resumed with an HTTP range request; a file whose length or\n" +
        "MD5 does not match is not imported. Exit status: 0 imported, 2 an error.",
    )
    .action(
      async (options: {
        ecosystem?: string;
        source?: string;
        json?: boolean;
      }) => {
        const deps = await import("../../scan/deps/index.js");
        const ecosystems = options.ecosystem
          ? [
              ...new Set(
                options.ecosystem
                  .split(",")
                  .filter((e) => e.trim() !== "")
                  .map(deps.canonicalEcosystem),
              ),
            ]
          : undefined;
        if (ecosystems?.length === 0) {
          throw new AppError(
            "INVALID_ARGUMENT",
            "--ecosystem names no ecosystem",
          );
        }
        const detected = ecosystems ? [] : deps.projectEcosystems(ctx.cwd);
        const chosen =
          ecosystems ??
          (detected.length > 0 ? detected : deps.defaultExportEcosystems);
        const source = parseSource(
          options.source ??
            (ctx.env.SLUICE_OSV_EXPORT_URL || deps.osvExportBaseUrl),
        );
        if (!ecosystems) {
          ctx.stderr(
            detected.length > 0
              ? `sluice: ecosystems of this project: ${chosen.join(", ")} (--ecosystem chooses others)`
              : `sluice: no lockfile or manifest here: downloading ${chosen.join(", ")} (--ecosystem chooses others)`,
          );
        }
        const dir = join(ctx.home, "advisories", "osv");
        const show = downloadProgress(ctx);
        const got: ExportDownload[] = [];
        for (const ecosystem of chosen) {
          got.push(
            await deps.downloadExport({
              baseUrl: source,
              ecosystem,
              dir,
              progress: show,
            }),
          );
        }
        const paths = got.map((g) => g.path);
        const server = await advisoriesClient(ctx);
        // Nothing new since these very files went into the current snapshot: no new snapshot.
        const marker = join(dir, "imported.json");
        const imported = readImported(marker);
        const current = (await server.json<Status>("GET", "/api/v1/advisories"))
          .snapshot;
        if (
          current &&
          imported?.snapshot === current.id &&
          got.every(
            (g) => g.unchanged && imported.versions[g.ecosystem] === g.version,
          )
        ) {
          if (options.json) ctx.json(current);
          else
            ctx.stdout(
              `advisories are up to date: snapshot ${current.id} already holds ${chosen.join(", ")} as ${source} serves them`,
            );
          return;
        }
        const progress = (m: string) => ctx.stderr(`sluice: ${m}`);
        progress(
          `reading ${paths.length} export${paths.length === 1 ? "" : "s"}`,
        );
        const snapshot = await importThroughServer(ctx, paths, progress);
        writeFileSync(
          marker,
          JSON.stringify({
            snapshot: snapshot.id,
            versions: {
              // Kept only while the snapshot is current; a later one from elsewhere resets them.
              ...(imported?.snapshot === current?.id ? imported?.versions : {}),
              ...Object.fromEntries(got.map((g) => [g.ecosystem, g.version])),
            },
          }),
        );
        if (options.json) {
          ctx.json(snapshot);
          return;
        }
        ctx.stdout(
          describeImport(snapshot, `${source} (${chosen.join(", ")})`),
        );
      },
    );

  advisories
    .command("status")
    .description(
      "show the current advisory snapshot and the advisories per ecosystem",
    )
    .option("--json", "print as JSON")
    .action(async (options: { json?: boolean }) => {
      const { snapshot, byEcosystem } = await (
        await advisoriesClient(ctx)
      ).json<Status>("GET", "/api/v1/advisories");
      if (options.json) {
        ctx.json({ snapshot, byEcosystem });
        return;
      }
      if (!snapshot) {
        ctx.stdout(
          "no advisories imported yet: run `sluice advisories update` (downloads OSV's exports) or `sluice advisories import PATH`",
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

/** What `GET /api/v1/advisories` answers. */
interface Status {
  snapshot: AdvisorySnapshot | null;
  byEcosystem: Record<string, number>;
}

/** The home's server: it owns the store, so `sluice advisories` works while it holds it. */
async function advisoriesClient(ctx: CliContext) {
  const { localClient } = await import("../client/local-server.js");
  return localClient(ctx);
}

/**
 * Stores folders and archives of this machine as a new snapshot, through the server, which
 * reads and validates everything first (a corrupted archive leaves the store untouched) and
 * rewrites the embedded store's advisory file (ADR 042).
 */
async function importThroughServer(
  ctx: CliContext,
  paths: string[],
  progress: ((m: string) => void) | undefined,
): Promise<AdvisorySnapshot> {
  progress?.("storing the advisories (the local server reads them)");
  return (await advisoriesClient(ctx)).json<AdvisorySnapshot>(
    "POST",
    "/api/v1/advisories/import",
    { paths },
  );
}

/** Which export versions went into which snapshot (`imported.json` beside the downloads). */
function readImported(
  path: string,
): { snapshot: string; versions: Record<string, string> } | undefined {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as {
      snapshot?: unknown;
      versions?: unknown;
    };
    if (
      typeof value.snapshot !== "string" ||
      typeof value.versions !== "object" ||
      value.versions === null
    )
      return undefined;
    return {
      snapshot: value.snapshot,
      versions: value.versions as Record<string, string>,
    };
  } catch {
    return undefined;
  }
}

function describeImport(snapshot: AdvisorySnapshot, from: string): string {
  const reasons = Object.entries(snapshot.skippedReasons)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(", ");
  return (
    `imported ${snapshot.imported} advisories from ${from} as snapshot ${snapshot.id} (${snapshot.total} in the store)` +
    (snapshot.skipped > 0 || reasons
      ? `\nskipped ${snapshot.skipped} records${reasons ? ` (${reasons})` : ""}`
      : "")
  );
}

function parseSource(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new AppError(
      "INVALID_ARGUMENT",
      `--source must be an http(s) URL, not '${text}'`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AppError(
      "INVALID_ARGUMENT",
      `--source must be an http(s) URL, not '${text}'`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

const megabyte = 1024 * 1024;

/** Download progress on stderr: a line that redraws on a terminal, start and end lines elsewhere. */
function downloadProgress(ctx: CliContext): (event: DownloadProgress) => void {
  const tty = Boolean(process.stderr.isTTY);
  let last = 0;
  let quarters = 0;
  const size = (bytes: number) => `${(bytes / megabyte).toFixed(1)} MB`;
  return (event) => {
    const name = `${event.ecosystem}/all.zip`;
    switch (event.kind) {
      case "start":
        quarters = 0;
        ctx.stderr(
          `sluice: ${event.from > 0 ? `resuming ${name} at ${size(event.from)}` : `downloading ${name}`}${event.total !== undefined ? ` (${size(event.total)})` : ""}`,
        );
        return;
      case "bytes": {
        const share =
          event.total !== undefined && event.total > 0
            ? Math.floor((event.done / event.total) * 100)
            : undefined;
        const percent = share === undefined ? "" : ` (${share} %)`;
        if (!tty) {
          // A log (CI) gets a line at each quarter, not a redrawn one.
          const quarter = share === undefined ? 0 : Math.floor(share / 25);
          if (quarter > quarters && share! < 100) {
            quarters = quarter;
            ctx.stderr(`sluice: ${name} ${size(event.done)}${percent}`);
          }
          return;
        }
        if (Date.now() - last < 200) return;
        last = Date.now();
        process.stderr.write(
          `\r\x1b[Ksluice: ${name} ${size(event.done)}${percent}`,
        );
        return;
      }
      case "restart":
        ctx.stderr(`sluice: ${name}: starting over: ${event.why}`);
        return;
      case "done":
        if (tty) process.stderr.write("\r\x1b[K");
        ctx.stderr(
          event.unchanged
            ? `sluice: ${name} unchanged since the last update (${size(event.bytes)})`
            : `sluice: ${name} downloaded (${size(event.bytes)})`,
        );
        return;
    }
  };
}
