import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError, isAlive, messageOf } from "../kernel/index.js";
import type { Database } from "./database.js";
import { guardDatabase } from "./guard.js";
import { preparePglite } from "./pglite-assets.js";
import { extractTemplate } from "./template.js";

/** The folder of generated SQL migrations; the same relative path from src/store and dist/store. */
export const migrationsFolder = fileURLToPath(
  new URL("../../src/store/migrations", import.meta.url),
);

/**
 * A migrated, empty embedded database written by `npm run build` (scripts/pglite-template.ts) next
 * to the built store. Only the built CLI finds it; elsewhere a fresh folder runs initdb.
 */
export const pgliteTemplateFile = fileURLToPath(
  new URL("../../dist/store/pglite-template.tar", import.meta.url),
);

export type DatabaseTarget =
  /** Embedded PGlite in a folder (`$SLUICE_HOME/db`), or in memory when `dataDir` is omitted. */
  | { kind: "pglite"; dataDir?: string; loadDataDir?: Blob }
  | { kind: "postgres"; url: string };

/** Opens the database, applies pending migrations and returns it. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  // Every query's failure is an AppError without SQL, values or driver text from here on.
  const database = guardDatabase(
    target.kind === "pglite"
      ? await openPglite(target)
      : await openPostgres(target.url),
  );
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw new AppError(
      "STORE_UNAVAILABLE",
      `cannot migrate the database: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return database;
}

async function migrate(database: Database): Promise<void> {
  if (database.kind === "pglite") {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator is typed per driver
    await migrate(database.db as any, { migrationsFolder });
  } else {
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator is typed per driver
    await migrate(database.db as any, { migrationsFolder });
  }
}

async function openPglite(target: {
  dataDir?: string;
  loadDataDir?: Blob;
}): Promise<Database> {
  const early = target.dataDir ? takePrepared(target.dataDir) : undefined;
  const release =
    early?.release ?? (target.dataDir ? lockFolder(target.dataDir) : () => {});
  try {
    const assets = preparePglite();
    const laidOut =
      early?.laidOut ??
      (target.dataDir && !target.loadDataDir
        ? fromTemplate(target.dataDir)
        : undefined);
    laidOut?.catch(() => {}); // awaited below, after the imports
    const { PGlite } = await import("@electric-sql/pglite");
    const { drizzle } = await import("drizzle-orm/pglite");
    await laidOut;
    const loadDataDir = target.loadDataDir;
    const client = await PGlite.create({
      ...(await assets),
      ...(target.dataDir ? { dataDir: target.dataDir } : {}),
      ...(loadDataDir ? { loadDataDir } : {}),
      // The store's working set is small (logs are files): this takes ~110 MB off every open (ADR 031).
      postgresqlconf: ["shared_buffers = 16MB"],
    });
    // What the engine wrote while starting (its relcache init files) is private now too, not
    // only at close: a long-lived process (the local server) keeps the folder open for minutes.
    if (target.dataDir) ownerOnly(target.dataDir);
    const db = drizzle(client);
    return {
      kind: "pglite",
      db,
      async executeSql(text, values) {
        if (values && values.length > 0) {
          const result = await client.query<Record<string, unknown>>(
            text,
            values,
          );
          return { rows: result.rows };
        }
        // Without parameters the text may hold several statements (pg-boss migrations).
        const results = await client.exec(text);
        return {
          rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[],
        };
      },
      async close() {
        try {
          await client.close();
          if (target.dataDir) ownerOnly(target.dataDir);
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    if (error instanceof AppError) throw error;
    throw new AppError(
      "STORE_UNAVAILABLE",
      `cannot open the embedded database in ${target.dataDir}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * A folder that holds no database yet (no PG_VERSION) starts as the build's template, when the
 * build made one, written out as files; without one, PGlite runs initdb.
 */
async function fromTemplate(dataDir: string): Promise<void> {
  if (
    existsSync(join(dataDir, "PG_VERSION")) ||
    !existsSync(pgliteTemplateFile)
  )
    return;
  await extractTemplate(await readFile(pgliteTemplateFile), dataDir);
}

/** Data folders locked and being laid out ahead of their open (`prepareDataDir`). */
const prepared = new Map<
  string,
  { release: () => void; laidOut: Promise<void> }
>();

/**
 * Begins now what opening the embedded database in `dataDir` does first: it locks the folder
 * and, when it holds no database yet, writes the template into it on libuv's threads. Called
 * before the modules that open the store load (`ctx.app()`), so that on a fresh home the
 * writing overlaps their loading. The next `openDatabase` of that folder in this process
 * takes both over and reports their errors; a folder locked by another process is left to it.
 */
export function prepareDataDir(dataDir: string): void {
  if (prepared.has(dataDir)) return;
  let release: () => void;
  try {
    release = lockFolder(dataDir);
  } catch {
    return; // the open reports it
  }
  const laidOut = fromTemplate(dataDir);
  laidOut.catch(() => {}); // awaited by the open
  prepared.set(dataDir, { release, laidOut });
}

function takePrepared(
  dataDir: string,
): { release: () => void; laidOut: Promise<void> } | undefined {
  const early = prepared.get(dataDir);
  prepared.delete(dataDir);
  return early;
}

async function openPostgres(url: string): Promise<Database> {
  const pg = await import("pg");
  const { drizzle } = await import("drizzle-orm/node-postgres");
  const pool = new pg.default.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5_000,
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new AppError(
      "STORE_UNAVAILABLE",
      `cannot connect to Postgres at ${redactUrl(url)}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  const db = drizzle(pool);
  return {
    kind: "postgres",
    db,
    async executeSql(text, values) {
      const result = await pool.query(text, values as unknown[] | undefined);
      // A multi-statement query returns an array of results.
      const last = Array.isArray(result) ? result.at(-1) : result;
      return { rows: (last?.rows ?? []) as Record<string, unknown>[] };
    },
    async close() {
      await pool.end();
    },
  };
}

/** Hides the password of a connection string in messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable database URL)";
  }
}

/**
 * Only one process may open a PGlite folder. A lock file holds the owner's pid; a lock whose
 * process is gone is taken over.
 */
function lockFolder(dataDir: string): () => void {
  try {
    // Private to the user whatever the umask, as Postgres wants its data folder.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new AppError(
      "STORE_UNAVAILABLE",
      `cannot create the data folder ${dataDir}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  const lockFile = join(dataDir, "sluice.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx", mode: 0o600 });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EEXIST") {
        throw new AppError(
          "STORE_UNAVAILABLE",
          `cannot lock the data folder ${dataDir}: ${messageOf(error)}`,
          { cause: error },
        );
      }
      const holder = Number(readFileSync(lockFile, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new AppError(
          "STORE_LOCKED",
          `the database in ${dataDir} is in use by process ${holder}`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new AppError("STORE_LOCKED", `cannot lock the data folder ${dataDir}`);
}

/**
 * Takes the group's and others' bits off every file and folder under `dir`. Postgres sets its
 * umask to 077 when it starts; PGlite, inside this process, does not, so the files it creates with
 * `fopen` (`pg_internal.init`, `pg_stat/`) follow the process's umask. Run when the database
 * closes (a few ms for a thousand files); the folder itself is 0700 in the meantime.
 */
function ownerOnly(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const path = join(dir, entry.name);
    try {
      const mode = lstatSync(path).mode & 0o777;
      if ((mode & 0o077) !== 0) chmodSync(path, mode & 0o700);
    } catch {
      continue; // removed meanwhile
    }
    if (entry.isDirectory()) ownerOnly(path);
  }
}
