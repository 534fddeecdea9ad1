import { CommanderError } from "commander";
import { isAppError } from "../kernel/index.js";
import { createCliContext } from "./context.js";
import { exitCodeFor, exitCodes } from "./exit-codes.js";
import { formatError } from "./format-error.js";
import { buildProgram } from "./program.js";

/** Runs the CLI and returns the exit code; errors become one line (a stack only with --debug). */
export async function main(argv: string[]): Promise<number> {
  const ctx = createCliContext();
  const debug = argv.includes("--debug");
  try {
    const program = await buildProgram(ctx, argv);
    await program.parseAsync(argv);
    return typeof process.exitCode === "number"
      ? process.exitCode
      : exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.error;
    }
    if (isAppError(error)) {
      ctx.stderr(formatError(error, debug));
      return exitCodeFor(error.code);
    }
    ctx.stderr(
      debug && error instanceof Error
        ? (error.stack ?? String(error))
        : `sluice: internal error: ${String((error as Error)?.message ?? error)}`,
    );
    return exitCodes.error;
  } finally {
    await ctx.closeApp();
  }
}
