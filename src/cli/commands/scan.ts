import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { registerScanDeps } from "./scan-deps.js";
import { registerScanSarif } from "./scan-sarif.js";
import { registerScanSecrets } from "./scan-secrets.js";
import { summaryOf } from "../command-summaries.js";

/** Each scanner adds its subcommands to `sluice scan`. */
type RegisterScan = (scan: Command, ctx: CliContext) => void;

const scanners: RegisterScan[] = [
  registerScanSecrets,
  registerScanDeps,
  registerScanSarif,
];

export function registerScan(program: Command, ctx: CliContext): void {
  const scan = program.command("scan").description(summaryOf("scan"));
  for (const register of scanners) register(scan, ctx);
}
