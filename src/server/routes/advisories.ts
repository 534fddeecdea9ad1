import { isAbsolute } from "node:path";
import { z } from "zod";
import type { App } from "../../app.js";
import type { AdvisoryImport } from "../../scan/index.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

const date = z.date().meta({ type: "string", format: "date-time" });

const Snapshot = z
  .object({
    id: z.string(),
    hash: z.string(),
    source: z.string(),
    imported: z.number().int(),
    skipped: z.number().int(),
    total: z.number().int(),
    skippedReasons: z.record(z.string(), z.number()),
    createdAt: date,
  })
  .describe("an advisory snapshot");

/**
 * Stores an import as a new snapshot; the embedded store's advisory file (ADR 042) is removed
 * while the import runs, so a scan never reads a copy older than the database, then rewritten.
 */
async function storeImport(
  app: Pick<App, "scan" | "home" | "database">,
  batch: AdvisoryImport,
) {
  const { advisoryFilePath, removeAdvisoryFile, writeAdvisoryFile } =
    await import("../../scan/deps/advisory-file.js");
  const file =
    app.database.kind === "pglite" ? advisoryFilePath(app.home) : undefined;
  if (file) removeAdvisoryFile(file);
  const snapshot = await app.scan.importAdvisories(batch);
  if (file) writeAdvisoryFile(file, snapshot, await app.scan.advisoryEntries());
  return snapshot;
}

/**
 * The OSV advisory database that `sluice scan deps` matches against (`sluice advisories`;
 * issue 14). An import reads folders and archives of this machine, so it is the local socket's
 * owner's only; what is imported is public data, shown to any signed-in caller.
 */
export const advisoryRoutes: RouteModule<
  "scan" | "home" | "database" | "clock"
> = (base, deps) => {
  const server = base.withTypeProvider<ZodTypeProvider>();
  const { app } = deps;

  server.get(
    "/api/v1/advisories",
    {
      config: { auth: { kind: "signedIn" } },
      schema: {
        summary:
          "the current advisory snapshot and the advisories per ecosystem (`sluice advisories status`)",
        response: {
          200: z.object({
            snapshot: Snapshot.nullable(),
            byEcosystem: z.record(z.string(), z.number()),
          }),
        },
      },
    },
    async () => ({
      snapshot: (await app.scan.currentSnapshot()) ?? null,
      byEcosystem: await app.scan.countByEcosystem(),
    }),
  );

  server.post(
    "/api/v1/advisories/file",
    {
      config: { auth: { kind: "local" } },
      schema: {
        summary:
          "write the embedded store's advisory file again from the current snapshot, when it is missing (`sluice scan deps` reads it); the socket's owner only",
        body: z.object({}).nullish().describe("nothing: an empty object"),
        response: {
          200: z.object({
            written: z
              .boolean()
              .describe(
                "false without a snapshot, or when the store is not the embedded one",
              ),
          }),
        },
      },
    },
    async () => {
      const snapshot = await app.scan.currentSnapshot();
      if (!snapshot || app.database.kind !== "pglite")
        return { written: false };
      const { advisoryFilePath, writeAdvisoryFile } =
        await import("../../scan/deps/advisory-file.js");
      writeAdvisoryFile(
        advisoryFilePath(app.home),
        snapshot,
        await app.scan.advisoryEntries(),
      );
      return { written: true };
    },
  );

  server.post(
    "/api/v1/advisories/import",
    {
      config: { auth: { kind: "local" } },
      schema: {
        summary:
          "import OSV advisories from folders of JSON records or OSV export zips of this machine as a new snapshot (`sluice advisories import|update`); the socket's owner only",
        body: z.object({
          paths: z
            .array(
              z.string().min(1).refine(isAbsolute, "must be an absolute path"),
            )
            .min(1),
        }),
        response: { 200: Snapshot },
      },
    },
    async ({ body }) => {
      const { loadAdvisories } = await import("../../scan/index.js");
      // Read and validate everything first: a corrupted archive leaves the store untouched.
      const batch = loadAdvisories(body.paths, app.clock);
      return storeImport(app, batch);
    },
  );
};
