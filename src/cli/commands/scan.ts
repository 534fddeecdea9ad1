import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { registerScanDeps } from "./scan-deps.js";
import { registerScanSarif } from "./scan-sarif.js";
import { registerScanSecrets } from "./scan-secrets.js";

/** Each scanner adds its subcommands to `sluice scan`. */
type RegisterScan = (scan: Command, ctx: CliContext) => void;

const scanners: RegisterScan[] = [
  registerScanSecrets,
  registerScanDeps,
  registerScanSarif,
];

export function registerScan(program: Command, ctx: CliContext): void {
  const scan = program
    .command("scan")
    .description(
      "find secrets and vulnerable dependencies; exit 0 clean, 1 findings at or above --fail-on, 2 error",
    );
  for (const register of scanners) register(scan, ctx);
}
