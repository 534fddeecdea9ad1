import { AppError, messageOf } from "../kernel/index.js";
import type { DeployService } from "./service.js";
import { parseDeploySpec } from "./spec.js";
import { supersededLine } from "./supersede.js";
import type { RolloutSpec } from "./spec.js";

/** The parts of a built-in step's context the deploy step uses (the pipeline's BuiltinStepContext). */
export interface DeployStepContext {
  with: Record<string, unknown>;
  env: Record<string, string>;
  workdir: string;
  /** The run the step is part of (its evidence names it). */
  runId?: string;
  facts: { commit?: string | undefined; branch?: string | undefined };
  log(line: string): void;
  signal: AbortSignal;
}

export interface DeployStepResult {
  status: "success" | "failure";
  outputs?: Record<string, string>;
  message?: string;
}

/** What a deploy step's `with` names besides the rollout spec. */
export interface DeployStepTarget {
  environment?: string;
  project?: string;
  /** The release's name (ADR 075). */
  version?: string;
}

/**
 * Splits a deploy step's `with` into the keys the step reads itself (`environment`, `project`,
 * `version`) and the rollout spec's input, so the step and `sluice deploy` read one file alike.
 */
export function splitDeployStepWith(
  input: Record<string, unknown>,
  where = "with",
): { target: DeployStepTarget; specInput: Record<string, unknown> } {
  const { environment, project, version, ...specInput } = input;
  const target: DeployStepTarget = {};
  for (const [key, value] of [
    ["environment", environment],
    ["project", project],
    ["version", version],
  ] as const) {
    if (value === undefined) continue;
    // YAML reads `version: 1.10` as the number 1.1: ask for the quotes rather than guess.
    if (typeof value !== "string" || value === "")
      throw new AppError(
        "CONFIG_INVALID",
        `${where} ${key}: ${JSON.stringify(value)} is not a name (write it as a quoted string)`,
      );
    target[key] = value;
  }
  return { target, specInput };
}

/** The rollout spec of a deploy step's `with`, without the keys the step reads itself. */
function specOf(
  input: Record<string, unknown>,
): RolloutSpec & { release: NonNullable<RolloutSpec["release"]> } {
  const spec = parseDeploySpec(splitDeployStepWith(input).specInput, "with");
  const { release } = spec;
  if (!release) throw new Error("with.release.command is required");
  return { ...spec, release };
}

/**
 * Checks a deploy step's `with` as `sluice config` and `sluice run` load sluice.yml, so a
 * malformed rollout is refused before any job runs.
 */
export function checkDeployStepInput(
  input: Record<string, unknown>,
): string | undefined {
  try {
    specOf(input);
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

/**
 * `uses: sluice/deploy`: the step's `with` is the rollout spec, plus `environment` (default
 * `$SLUICE_ENVIRONMENT` or production) and `project` (default `$SLUICE_PROJECT` or the folder).
 * The release is named after the commit. Healthy and Paused succeed (Paused waits for `sluice
 * rollout promote`); Degraded fails the step. A rollout of the environment left paused (by an
 * earlier run) is superseded: aborted back to stable, and the log says so.
 */
export function createDeployStep(deploy: () => DeployService) {
  return async (ctx: DeployStepContext): Promise<DeployStepResult> => {
    try {
      const { environment, project, version } = splitDeployStepWith(
        ctx.with,
      ).target;
      const env = environment ?? ctx.env.SLUICE_ENVIRONMENT ?? "production";
      const name =
        project ??
        ctx.env.SLUICE_PROJECT ??
        ctx.workdir.split("/").filter(Boolean).at(-1) ??
        "project";
      const spec = specOf(ctx.with);
      const release = { ...spec.release, cwd: spec.release.cwd ?? ctx.workdir };
      const service = deploy();
      const record = await service.deploy({
        project: name,
        environment: env,
        spec,
        release,
        ...(ctx.facts.commit ? { commit: ctx.facts.commit } : {}),
        ...(ctx.runId ? { runId: ctx.runId } : {}),
        onSuperseded: (old) => ctx.log(supersededLine(old)),
        ...((version ?? ctx.facts.commit)
          ? { version: version ?? ctx.facts.commit!.slice(0, 12) }
          : {}),
      });
      ctx.log(`rollout ${record.id} of ${name} to ${env}`);
      const done = await service.drive(record.id, {
        stopWhenPaused: true,
        signal: ctx.signal,
        onProgress: (entry) =>
          ctx.log(
            `${new Date(entry.at).toISOString()} ${entry.event}${entry.weight !== undefined ? ` ${entry.weight}%` : ""}${entry.detail ? ` ${entry.detail}` : ""}`,
          ),
      });
      const outputs = {
        rollout: done.id,
        deployment: done.deploymentId,
        phase: done.status.phase,
      };
      ctx.log(`${done.status.phase}: ${done.status.message}`);
      return done.status.phase === "Degraded"
        ? { status: "failure", outputs, message: done.status.message }
        : { status: "success", outputs };
    } catch (error) {
      return { status: "failure", message: messageOf(error) };
    }
  };
}
