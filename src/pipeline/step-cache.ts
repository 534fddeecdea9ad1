import { messageOf } from "../kernel/index.js";
import { cacheScope } from "./cache.js";
import { expand } from "./expressions.js";
import type { AttemptContext } from "./step-attempt.js";
import type { CacheStatus, PlannedStep, StepLog } from "./ports.js";

/** A step's cache entry with its key and restore keys expanded. */
export interface StepCacheSpec {
  key: string;
  restoreKeys: string[];
  paths: string[];
  scope: string;
  /** A hashFiles() in the key matched no file: the key names no content. */
  unhashed: boolean;
}

/**
 * Expands a step's cache key and restores the best entry into the workspace. A cache that cannot
 * be read must not break the build: the step then runs as on a miss (`spec` undefined, so
 * nothing is saved either).
 */
export async function restoreStepCache(
  step: PlannedStep,
  ctx: Omit<AttemptContext, "log">,
  log: StepLog,
): Promise<{ status?: CacheStatus; spec?: StepCacheSpec }> {
  if (!step.cache || !ctx.deps.cache) return {};
  let spec: StepCacheSpec | undefined;
  try {
    const what = `the cache key of step ${step.name}`;
    // A hashFiles() that matched no file gives "" (as GitHub's): the key then names no
    // content, and the cache never calls a hit by it exact.
    let unhashed = false;
    const keyFunctions = {
      ...ctx.functions,
      hashFiles: (...patterns: unknown[]) => {
        const hash = ctx.functions.hashFiles?.(...patterns);
        if (hash === "") unhashed = true;
        return hash;
      },
    };
    const key = expand(step.cache.key, ctx.context, keyFunctions, what);
    spec = {
      key,
      unhashed,
      restoreKeys: step.cache.restoreKeys.map((k) =>
        expand(k, ctx.context, ctx.functions, what),
      ),
      paths: step.cache.paths,
      scope: cacheScope(ctx.facts),
    };
    const restored = await ctx.deps.cache.restore(
      { ...spec, scopes: [spec.scope, cacheScope(ctx.facts, "default")] },
      { workdir: ctx.workdir, env: ctx.env },
    );
    log.note(
      restored.matchedKey
        ? `cache ${restored.status}: restored ${restored.matchedKey}`
        : `cache miss: ${spec.key}`,
    );
    if (unhashed)
      log.note(
        "a hashFiles() in the cache key matched no file: the key names no content, so a hit by it is never exact",
      );
    return { status: restored.status, spec };
  } catch (error) {
    log.note(`cache restore failed, running without it: ${messageOf(error)}`);
    return { status: "miss", spec };
  }
}

/** Saves what a successful step made under its cache key; a failed save is only noted. */
export async function saveStepCache(
  step: PlannedStep,
  spec: StepCacheSpec,
  ctx: Omit<AttemptContext, "log">,
  log: StepLog,
): Promise<void> {
  if (!ctx.deps.cache) return;
  try {
    const saved = await ctx.deps.cache.save(
      { ...spec, allowEmpty: step.cache?.skipIfHit },
      { workdir: ctx.workdir, env: ctx.env },
    );
    const what = {
      saved: `cache saved: ${spec.key}`,
      exists: `cache entry ${spec.key} exists; not saved`,
      empty: step.cache?.skipIfHit
        ? `cache saved: ${spec.key} (no declared path exists: an empty entry, so the step is skipped next time)`
        : `cache not saved: none of ${spec.paths.join(", ")} exists`,
    }[saved.outcome];
    log.note(what);
    if (saved.evicted.length > 0) {
      log.note(
        `cache evicted (unused or over budget): ${saved.evicted.join(", ")}`,
      );
    }
  } catch (error) {
    log.note(`cache save failed: ${messageOf(error)}`);
  }
}
