/**
 * The names of the built-in steps (`uses: sluice/...`) that `openApp` registers, known without
 * opening the database or loading any capability: `sluice config` checks `uses` against them.
 * A capability that registers a built-in step in src/app.ts adds its name here too
 * (src/builtin-steps.test.ts opens an App and compares).
 */
export const builtinStepNames: readonly string[] = [
  "sluice/scan",
  "sluice/deploy",
];
