/**
 * The names of the built-in steps (`uses: sluice/...`) that `openApp` registers, known without
 * opening the database or loading any capability: `sluice config` checks `uses` against them.
 * A capability that registers a built-in step in src/app.ts adds its name here too
 * (src/builtin-steps.test.ts opens an App and compares).
 */
export const builtinStepNames: readonly string[] = [
  "sluice/scan",
  "sluice/gate",
  "sluice/deploy",
];

/**
 * Checks the `with` of a built-in step as sluice.yml is loaded (`sluice config`, `sluice run`):
 * each capability that owns a step says what its input may be. Loaded on demand, so commands that
 * never read sluice.yml load none of it.
 */
export async function loadBuiltinStepChecks(): Promise<
  (uses: string, input: Record<string, unknown>) => string | undefined
> {
  const [
    { checkDeployStepInput },
    { checkScanStepInput },
    { checkGateStepInput },
  ] = await Promise.all([
    import("./deploy/index.js"),
    import("./scan/step-input.js"),
    import("./policy/index.js"),
  ]);
  const checks: Record<
    string,
    (input: Record<string, unknown>) => string | undefined
  > = {
    "sluice/deploy": checkDeployStepInput,
    "sluice/scan": checkScanStepInput,
    "sluice/gate": checkGateStepInput,
  };
  return (uses, input) => checks[uses]?.(input);
}
