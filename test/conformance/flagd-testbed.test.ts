import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const testbed = fileURLToPath(
  new URL("../../../shared/conformance/flagd-testbed", import.meta.url),
);
const cucumber = fileURLToPath(
  new URL(
    "../../node_modules/@cucumber/cucumber/bin/cucumber-js",
    import.meta.url,
  ),
);
const steps = fileURLToPath(new URL("./flagd.steps.ts", import.meta.url));

interface Counts {
  scenarios: number;
  passed: number;
  output: string;
}

/** Runs cucumber-js 12.9 on features with our step file and returns its summary counts. */
async function cucumberRun(
  features: string[],
  tags: string,
  env: Record<string, string>,
): Promise<Counts> {
  const result = await run(
    process.execPath,
    [
      "--import",
      "tsx",
      cucumber,
      ...features,
      "--import",
      steps,
      "--tags",
      tags,
      "--format",
      "summary",
    ],
    {
      cwd: root,
      env: { ...process.env, ...env, FLAGD_TESTBED: testbed },
      maxBuffer: 64 << 20,
    },
  ).catch((error: { stdout?: string; stderr?: string }) => ({
    stdout: error.stdout ?? "",
    stderr: error.stderr ?? "",
  }));
  const output = `${result.stdout}${result.stderr}`;
  const match = /(\d+) scenarios? \(([^)]*)\)/.exec(output);
  const scenarios = Number(match?.[1] ?? 0);
  const passed = Number(/(\d+) passed/.exec(match?.[2] ?? "")?.[1] ?? 0);
  return { scenarios, passed, output };
}

function report(name: string, counts: Counts): void {
  console.log(
    `flagd testbed ${name}: ${counts.passed}/${counts.scenarios} scenarios passed`,
  );
  if (counts.passed !== counts.scenarios)
    console.log(counts.output.slice(-8000));
}

describe.skipIf(!existsSync(testbed))("flagd testbed (cucumber 12.9)", () => {
  it("passes every evaluator/gherkin scenario (fractional v2)", async () => {
    const counts = await cucumberRun(
      [`${testbed}/evaluator/gherkin/`],
      "not @fractional-v1 and not @fractional-v3 and not @deprecated",
      { FLAGD_SUITE: "evaluator", FLAGD_FRACTIONAL: "2" },
    );
    report("evaluator/gherkin", counts);
    expect(counts.scenarios).toBeGreaterThanOrEqual(125);
    expect(counts.passed).toBe(counts.scenarios);
  });

  it("passes every gherkin/{targeting,evaluation,metadata,disabled} scenario (fractional v2)", async () => {
    const counts = await cucumberRun(
      ["targeting", "evaluation", "metadata", "disabled"].map(
        (f) => `${testbed}/gherkin/${f}.feature`,
      ),
      "not @fractional-v1 and not @fractional-v3 and not @deprecated",
      { FLAGD_SUITE: "provider", FLAGD_FRACTIONAL: "2" },
    );
    report("gherkin (provider level)", counts);
    expect(counts.scenarios).toBeGreaterThanOrEqual(132);
    expect(counts.passed).toBe(counts.scenarios);
  });

  it("passes every @fractional-v3 scenario with fractional v3 selected", async () => {
    const counts = await cucumberRun(
      [`${testbed}/gherkin/targeting.feature`],
      "@fractional-v3 and not @deprecated",
      { FLAGD_SUITE: "provider", FLAGD_FRACTIONAL: "3" },
    );
    report("gherkin @fractional-v3", counts);
    expect(counts.scenarios).toBeGreaterThanOrEqual(100);
    expect(counts.passed).toBe(counts.scenarios);
  });
});

describe.runIf(!existsSync(testbed))("flagd testbed", () => {
  it("is skipped: ../shared/conformance/flagd-testbed is absent", () => {
    console.warn(`flagd testbed skipped: ${testbed} not found`);
    expect(existsSync(testbed)).toBe(false);
  });
});
