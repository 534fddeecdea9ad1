import { z } from "zod";
import { defaultFailOn, severities } from "./finding.js";
import type { Severity } from "./finding.js";

/** `with:` of `uses: sluice/scan`. */
export const scanStepInput = z
  .object({
    secrets: z.boolean().default(true),
    deps: z.boolean().default(true),
    /** SARIF files other tools wrote in the workdir, imported as findings. */
    sarif: z.array(z.string().min(1)).default([]),
    /** Default: the one default of every scan (ADR 043). */
    "fail-on": z
      .enum(severities as [Severity, ...Severity[]])
      .default(defaultFailOn),
    /**
     * When the dependency scan scans nothing (no advisories imported, or no lockfile found):
     * `warn` (a warning in the run's summary) or `fail` (the step fails).
     */
    "on-empty": z.enum(["warn", "fail"]).default("warn"),
    /** Lowest confidence of a secret finding reported (contextual findings carry their own). */
    confidence: z.enum(["low", "medium", "high"]).default("medium"),
  })
  .strict();

/** The step's input, or the first problem as `with.<path>: message`. */
export function parseScanStepInput(
  input: unknown,
): z.infer<typeof scanStepInput> | string {
  const parsed = scanStepInput.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  return `with.${issue.path.join(".") || "?"}: ${issue.message}`;
}

/** Checks a scan step's `with` as sluice.yml is loaded (`sluice config`, `sluice run`). */
export function checkScanStepInput(
  input: Record<string, unknown>,
): string | undefined {
  const parsed = parseScanStepInput(input);
  return typeof parsed === "string" ? parsed : undefined;
}
