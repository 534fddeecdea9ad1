import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job, PipelineConfig } from "../config/index.js";
import { systemClock } from "../kernel/index.js";
import { Masker } from "./logs/masker.js";
import { createLogSinkFactory } from "./logs/step-log.js";
import { createStepRegistry } from "./registry.js";
import type { JobDeps, RunRecorder } from "./ports.js";

/** Every recorder call, in order, as one line each (the store's recorder is tested by the runs part). */
export function memoryRecorder(): RunRecorder & { events: string[] } {
  const events: string[] = [];
  return {
    events,
    async jobStarted(jobKey) {
      events.push(`job ${jobKey} started`);
    },
    async stepStarted(jobKey, position, name) {
      events.push(`step ${jobKey}#${position} ${name} started`);
    },
    async stepFinished(jobKey, position, result) {
      const extra = [
        result.cache && `cache ${result.cache}`,
        result.exitCode !== undefined && `exit ${result.exitCode}`,
      ]
        .filter(Boolean)
        .join(" ");
      events.push(
        `step ${jobKey}#${position} ${result.status} attempts ${result.attempts}${extra ? ` ${extra}` : ""}`,
      );
    },
    async jobFinished(jobKey, result) {
      events.push(`job ${jobKey} ${result.status}`);
    },
  };
}

/** Engine deps on a temp home with a real log sink, masker and step registry. */
export function testDeps(overrides: Partial<JobDeps> = {}): JobDeps & {
  home: string;
  masker: Masker;
  recorder: ReturnType<typeof memoryRecorder>;
} {
  const home = mkdtempSync(join(tmpdir(), "sluice-engine-"));
  const masker = new Masker();
  const recorder = memoryRecorder();
  return {
    clock: systemClock,
    logs: createLogSinkFactory({ home, masker }),
    steps: createStepRegistry(),
    tempDir: mkdtempSync(join(tmpdir(), "sluice-tmp-")),
    baseEnv: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
    grace: { interruptMs: 300, terminateMs: 300 },
    ...overrides,
    recorder,
    home,
    masker,
  };
}

/** A pipeline config from jobs. */
export function pipeline(
  jobs: Record<string, Job>,
  rest: Partial<PipelineConfig> = {},
): PipelineConfig {
  return { name: "test", ...rest, jobs };
}

/** Live processes whose command line holds the marker (zombies do not count). */
export function survivors(marker: string): string[] {
  return execFileSync("ps", ["-eo", "pid,pgid,stat,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(marker) && !/\sZ\S*\s/.test(line));
}
