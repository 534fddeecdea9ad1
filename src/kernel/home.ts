import { accessSync, constants, mkdirSync } from "node:fs";
import { join } from "node:path";
import { AppError, messageOf } from "./errors.js";

/**
 * Creates `$SLUICE_HOME` when missing and checks that it is writable, with one clear line for
 * each failure (the log file, the database and the local server's socket fail later, and less
 * clearly).
 */
export function ensureHome(home: string): void {
  try {
    // Created private to the user (0700), whatever the umask, as ssh and gpg do: runs' logs and
    // the database live here. A folder that exists already keeps the mode its owner gave it.
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new AppError(
      "STORE_UNAVAILABLE",
      `cannot create SLUICE_HOME ${home}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  try {
    accessSync(home, constants.W_OK);
  } catch (error) {
    throw new AppError(
      "STORE_UNAVAILABLE",
      `SLUICE_HOME ${home} is not writable: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/** The embedded database's data folder in `$SLUICE_HOME`. */
export function embeddedDataDir(home: string): string {
  return join(home, "db");
}
