export type { Database, Db, SqlExecutor } from "./database.js";
export { openDatabase, redactUrl } from "./open.js";
export type { DatabaseTarget } from "./open.js";
