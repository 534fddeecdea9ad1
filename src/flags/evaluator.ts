import type { Clock } from "../kernel/index.js";
import { compileLogic, LogicCompileError } from "./logic.js";
import type { Compiled, Scope } from "./logic.js";
import { flagdOperators } from "./operators.js";
import type {
  Evaluation,
  FlagMetadata,
  FlagType,
  FlagValue,
  FractionalVersion,
  ResolutionDetails,
} from "./types.js";
import { deeperThan, maxFlagSetDepth } from "./depth.js";

export interface EvaluatorOptions {
  /** `$flagd.timestamp` comes from here, so time-based percentage splits are testable. */
  clock: Clock;
  /** Fractional bucketing algorithm; default 2 (flagd today). */
  fractionalVersion?: FractionalVersion;
}

/** One flag, compiled: variants in a Map, merged metadata, targeting as closures. */
interface CompiledFlag {
  key: string;
  disabled: boolean;
  variants: Map<string, FlagValue>;
  defaultVariant: string | undefined;
  targeting: Compiled | undefined;
  /** Set when the targeting did not compile: every evaluation is ERROR/PARSE_ERROR. */
  parseError: string | undefined;
  metadata: FlagMetadata;
}

/**
 * A flag set compiled once (per version) for evaluation. Evaluation never throws: every
 * outcome, errors included, is an `Evaluation` value.
 */
export class FlagEvaluator {
  readonly #flags: Map<string, CompiledFlag>;
  readonly #clock: Clock;
  /** Flag-set metadata (`flagSetId`, `version`, ...). */
  readonly metadata: FlagMetadata;

  constructor(document: unknown, options: EvaluatorOptions) {
    this.#clock = options.clock;
    const { flags, metadata } = compileDocument(
      document,
      options.fractionalVersion ?? 2,
    );
    this.#flags = flags;
    this.metadata = metadata;
  }

  /** The keys of every flag, in document order. */
  keys(): string[] {
    return [...this.#flags.keys()];
  }

  has(key: string): boolean {
    return this.#flags.has(key);
  }

  /** Evaluates a flag without a requested type (what OFREP sends). */
  evaluate(key: string, context: unknown): Evaluation {
    const flag = this.#flags.get(key);
    if (!flag)
      return {
        key,
        reason: "ERROR",
        errorCode: "FLAG_NOT_FOUND",
        errorMessage: `flag ${JSON.stringify(key)} not found`,
        flagMetadata: this.metadata,
      };
    return this.#evaluateFlag(flag, context);
  }

  /** Evaluates every flag for one context (OFREP bulk). */
  evaluateAll(context: unknown): Evaluation[] {
    const results: Evaluation[] = [];
    for (const flag of this.#flags.values())
      results.push(this.#evaluateFlag(flag, context));
    return results;
  }

  /** OpenFeature resolution: a typed request with the caller's code default. */
  resolve<T>(
    key: string,
    type: FlagType,
    defaultValue: T,
    context: unknown,
  ): ResolutionDetails<T> {
    const result = this.evaluate(key, context);
    const value = result.value;
    if (result.reason === "ERROR") {
      const details: ResolutionDetails<T> = {
        value: defaultValue,
        reason: "ERROR",
        errorCode: result.errorCode ?? "GENERAL",
        flagMetadata: result.flagMetadata,
      };
      if (result.errorMessage) details.errorMessage = result.errorMessage;
      return details;
    }
    if (value === undefined)
      return {
        value: defaultValue,
        reason: result.reason,
        flagMetadata: result.flagMetadata,
      };
    if (
      type === "object"
        ? typeof value !== "object" || value === null
        : typeof value !== type
    )
      return {
        value: defaultValue,
        reason: "ERROR",
        errorCode: "TYPE_MISMATCH",
        errorMessage: `flag ${JSON.stringify(key)} is not a ${type}`,
        flagMetadata: result.flagMetadata,
      };
    return {
      value: value as T,
      variant: result.variant as string,
      reason: result.reason,
      flagMetadata: result.flagMetadata,
    };
  }

  #evaluateFlag(flag: CompiledFlag, context: unknown): Evaluation {
    const { key, metadata } = flag;
    if (flag.disabled)
      return { key, reason: "DISABLED", flagMetadata: metadata };
    if (flag.parseError !== undefined)
      return {
        key,
        reason: "ERROR",
        errorCode: "PARSE_ERROR",
        errorMessage: flag.parseError,
        flagMetadata: metadata,
      };
    let variant = flag.defaultVariant;
    let reason: Evaluation["reason"] = "STATIC";
    if (flag.targeting) {
      const root = context === undefined || context === null ? {} : context;
      if (typeof root !== "object" || Array.isArray(root))
        return {
          key,
          reason: "ERROR",
          errorCode: "INVALID_CONTEXT",
          errorMessage: "the evaluation context must be an object",
          flagMetadata: metadata,
        };
      const scope: Scope = {
        root,
        flagd: {
          flagKey: key,
          timestamp: Math.floor(this.#clock.now() / 1000),
        },
      };
      let result: unknown;
      try {
        result = flag.targeting(root, scope);
      } catch {
        return {
          key,
          reason: "ERROR",
          errorCode: "GENERAL",
          errorMessage: `error evaluating the targeting rule of flag ${JSON.stringify(key)}`,
          flagMetadata: metadata,
        };
      }
      if (result === null || result === undefined) reason = "DEFAULT";
      else {
        // Boolean shorthand: true/false select the variants named "true"/"false".
        variant = String(result);
        reason = "TARGETING_MATCH";
      }
    }
    if (variant === undefined)
      return { key, reason: "DEFAULT", flagMetadata: metadata };
    const value = flag.variants.get(variant);
    if (value === undefined)
      return {
        key,
        reason: "ERROR",
        errorCode: "GENERAL",
        errorMessage: `variant ${JSON.stringify(variant)} not found in flag ${JSON.stringify(key)}`,
        flagMetadata: metadata,
      };
    return { key, reason, value, variant, flagMetadata: metadata };
  }
}

/** Thrown for a document flagd itself refuses to load (bad JSON, bad state, unknown default). */
export class FlagSetLoadError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "FlagSetLoadError";
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Substitutes `{"$ref": name}` with the named evaluator (one level, as flagd does). */
export function resolveRefs(
  rule: unknown,
  evaluators: Record<string, unknown>,
): unknown {
  if (Array.isArray(rule))
    return rule.map((item) => resolveRefs(item, evaluators));
  if (!isObject(rule)) return rule;
  const keys = Object.keys(rule);
  if (
    keys.length === 1 &&
    keys[0] === "$ref" &&
    typeof rule.$ref === "string"
  ) {
    return Object.hasOwn(evaluators, rule.$ref) ? evaluators[rule.$ref] : rule;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = resolveRefs(rule[k], evaluators);
  return out;
}

function compileDocument(
  document: unknown,
  fractionalVersion: FractionalVersion,
): { flags: Map<string, CompiledFlag>; metadata: FlagMetadata } {
  let doc = document;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch (error) {
      throw new FlagSetLoadError(
        `not valid JSON: ${(error as Error).message}`,
        "$",
      );
    }
  }
  if (!isObject(doc))
    throw new FlagSetLoadError("a flag set is a JSON object", "$");
  // Rules are resolved and compiled recursively: deep input is refused first.
  const deep = deeperThan(doc, maxFlagSetDepth);
  if (deep)
    throw new FlagSetLoadError(
      `objects and arrays nest more than ${maxFlagSetDepth} levels deep; a flag set may nest at most ${maxFlagSetDepth}`,
      `$${deep.map((k) => (typeof k === "number" ? `[${k}]` : `[${JSON.stringify(k)}]`)).join("")}`,
    );
  const evaluators = isObject(doc.$evaluators) ? doc.$evaluators : {};
  const setMetadata = cleanMetadata(doc.metadata);
  const operators = flagdOperators(fractionalVersion);
  const flags = new Map<string, CompiledFlag>();
  const entries: [string, unknown][] = Array.isArray(doc.flags)
    ? doc.flags.map((f, i) => [
        isObject(f) && typeof f.key === "string" ? f.key : `#${i}`,
        f,
      ])
    : isObject(doc.flags)
      ? Object.entries(doc.flags)
      : [];
  if (!Array.isArray(doc.flags) && !isObject(doc.flags))
    throw new FlagSetLoadError(
      "`flags` must be an object keyed by flag key",
      "$.flags",
    );
  for (const [key, raw] of entries) {
    const path = `$.flags[${JSON.stringify(key)}]`;
    if (!isObject(raw)) throw new FlagSetLoadError("a flag is an object", path);
    if (raw.state !== "ENABLED" && raw.state !== "DISABLED")
      throw new FlagSetLoadError(
        "`state` must be ENABLED or DISABLED",
        `${path}.state`,
      );
    if (!isObject(raw.variants))
      throw new FlagSetLoadError(
        "`variants` must be an object",
        `${path}.variants`,
      );
    const variants = new Map(
      Object.entries(raw.variants) as [string, FlagValue][],
    );
    const defaultVariant =
      raw.defaultVariant === null ||
      raw.defaultVariant === undefined ||
      raw.defaultVariant === ""
        ? undefined
        : String(raw.defaultVariant);
    if (defaultVariant !== undefined && !variants.has(defaultVariant))
      throw new FlagSetLoadError(
        `default variant ${JSON.stringify(defaultVariant)} is not one of the variants`,
        `${path}.defaultVariant`,
      );
    let targeting: Compiled | undefined;
    let parseError: string | undefined;
    if (isObject(raw.targeting) && Object.keys(raw.targeting).length > 0) {
      try {
        targeting = compileLogic(
          resolveRefs(raw.targeting, evaluators),
          operators,
        );
      } catch (error) {
        parseError =
          error instanceof LogicCompileError
            ? `invalid targeting of flag ${JSON.stringify(key)}: ${error.message}`
            : `invalid targeting of flag ${JSON.stringify(key)}`;
      }
    }
    flags.set(key, {
      key,
      disabled: raw.state === "DISABLED",
      variants,
      defaultVariant,
      targeting,
      parseError,
      metadata: Object.freeze({
        ...setMetadata,
        ...cleanMetadata(raw.metadata),
      }),
    });
  }
  return { flags, metadata: Object.freeze(setMetadata) };
}

/** Metadata keeps string, number and boolean values; nulls and others are dropped. */
function cleanMetadata(value: unknown): FlagMetadata {
  const out: FlagMetadata = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    if (
      typeof v === "string" ||
      typeof v === "number" ||
      typeof v === "boolean"
    )
      out[k] = v;
  }
  return out;
}
