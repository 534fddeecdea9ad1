// The database: open (PGlite or Postgres), migrations, the query guard and the shared drizzle
// helpers. Each capability's store (`<capability>/store.ts`) and its tables live beside its service.
export type { Database, Db } from "./database.js";
export { openDatabase, prepareDataDir } from "./open.js";
export { copyBinary } from "./copy-binary.js";
export type { Column } from "./copy-binary.js";
