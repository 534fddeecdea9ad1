import { AppError } from "../kernel/index.js";
import type { Database } from "./database.js";

/**
 * Database errors become one AppError here, at the database handle, for every store: drizzle's
 * "Failed query: <sql> params: <values>" and the driver's own text (which may quote a value) stay
 * in `cause` only; the message names the SQLSTATE class, and the SQLSTATE is kept as
 * `driverCode` for logic such as unique violations (ADR 095).
 */
export function guardDatabase(database: Database): Database {
  guardSession((database.db as unknown as { session: Session }).session);
  const holder = database.db as unknown as { $client?: object };
  if (holder.$client) holder.$client = guardClient(holder.$client);
  const executeSql = database.executeSql.bind(database);
  return Object.assign(database, {
    executeSql: (text: string, values?: unknown[]) =>
      executeSql(text, values).catch(rethrow),
  });
}

/** The AppError a failed query becomes (an AppError passes through unchanged). */
function storeError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const sqlState = sqlStateOf(error);
  const unavailable = sqlState === undefined || /^(08|53|57|58)/.test(sqlState);
  const what = sqlState
    ? `${classes[sqlState.slice(0, 2)] ?? "error"} (SQLSTATE ${sqlState})`
    : "the database is closed or unreachable";
  return new AppError(
    unavailable ? "STORE_UNAVAILABLE" : "INTERNAL",
    `a database query failed: ${what}`,
    { cause: error, ...(sqlState ? { driverCode: sqlState } : {}) },
  );
}

function rethrow(error: unknown): never {
  throw storeError(error);
}

/** The SQLSTATE of a driver error, also under drizzle's wrapper. */
function sqlStateOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = current.cause;
  }
  return undefined;
}

/** SQLSTATE classes by their first two characters (PostgreSQL, appendix A). */
const classes: Record<string, string> = {
  "08": "connection exception",
  "22": "data exception",
  "23": "integrity constraint violation",
  "25": "invalid transaction state",
  "40": "transaction rollback",
  "42": "syntax error or access rule violation",
  "53": "insufficient resources",
  "54": "program limit exceeded",
  "55": "object not in prerequisite state",
  "57": "operator intervention",
  "58": "system error",
  XX: "internal error",
};

/** The part of drizzle's session (PGlite and node-postgres alike) every query goes through. */
interface Session {
  prepareQuery(...args: unknown[]): object;
  transaction(
    run: (tx: { session: Session }) => Promise<unknown>,
    config?: unknown,
  ): Promise<unknown>;
}

const guarded = new WeakSet<object>();

/**
 * Every drizzle query (builders, relational queries, `db.execute`, the migrator) is prepared by
 * its session, and a transaction runs on a session of its own: guarding both reaches them all.
 */
function guardSession(session: Session): void {
  if (guarded.has(session)) return;
  guarded.add(session);
  const prepare = session.prepareQuery.bind(session);
  session.prepareQuery = (...args) => guardQuery(prepare(...args));
  const transaction = session.transaction.bind(session);
  session.transaction = async (run, config) => {
    let thrown: { error: unknown } | undefined;
    try {
      return await transaction(async (tx) => {
        guardSession(tx.session);
        try {
          return await run(tx);
        } catch (error) {
          thrown = { error };
          throw error;
        }
      }, config);
    } catch (error) {
      // What the callback threw is the store's own; begin, commit and rollback are the database's.
      if (thrown && thrown.error === error) throw error;
      throw storeError(error);
    }
  };
}

function guardQuery(query: object): object {
  const methods = query as Record<string, unknown>;
  for (const name of ["execute", "all", "values"]) {
    const method = methods[name];
    if (typeof method !== "function") continue;
    methods[name] = (...args: unknown[]) =>
      (method as (...a: unknown[]) => Promise<unknown>)
        .apply(query, args)
        .catch(rethrow);
  }
  return query;
}

/** The raw client drizzle exposes as `$client` (the COPY path of the metrics store uses it). */
function guardClient(client: object): object {
  return new Proxy(client, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name, target);
      if (typeof value !== "function") return value;
      const method = value as (...a: unknown[]) => unknown;
      if (name !== "query" && name !== "exec")
        return method.bind(target) as unknown;
      return (...args: unknown[]) =>
        (method.apply(target, args) as Promise<unknown>).catch(rethrow);
    },
  });
}
