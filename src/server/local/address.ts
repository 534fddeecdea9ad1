import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { AppError } from "../../kernel/index.js";

/**
 * Where and what the local server is, for its clients too (a light module: every command that
 * needs the store loads it). A client of another version asks the server to stop and starts
 * its own (the API between them may differ).
 */
export const sluiceVersion: string = (
  createRequire(import.meta.url)("../../../package.json") as {
    version: string;
  }
).version;

// sockaddr_un holds 108 bytes on Linux, 104 on macOS, the terminating NUL included.
const maxSocketPath = 103;

/** The local server's Unix socket: `$SLUICE_HOME/server.sock`. */
export function localSocketPath(home: string): string {
  const path = join(home, "server.sock");
  if (Buffer.byteLength(path) > maxSocketPath)
    throw new AppError(
      "INVALID_ARGUMENT",
      `the local server's socket path ${path} is longer than ${maxSocketPath} bytes, the limit of Unix sockets: use a shorter SLUICE_HOME`,
    );
  return path;
}

/**
 * Which store a server serves, as it tells its clients (`x-sluice-store`): the embedded one, or
 * a hash of the Postgres URL (never the URL). A client whose SLUICE_DATABASE_URL names another
 * store is refused, so no command reads or records runs in a store it did not ask for.
 */
export function storeOf(databaseUrl: string | undefined): string {
  return databaseUrl
    ? `postgres-${createHash("sha256").update(databaseUrl).digest("hex").slice(0, 16)}`
    : "embedded";
}
