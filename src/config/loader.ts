import { readFileSync, statSync } from "node:fs";
import type { z } from "zod";
import { basename, dirname, join, resolve } from "node:path";
import { AppError, messageOf } from "../kernel/index.js";
import { checkPipeline } from "./checks.js";
import type { CheckOptions } from "./checks.js";
import { describePath, expand } from "./expand.js";
import { closest } from "./did-you-mean.js";
import { allowedKeys, problemsFromIssues } from "./issues.js";
import { SluiceConfig } from "./schema.js";
import type { PipelineConfig } from "./schema.js";
import { ConfigSource } from "./source.js";
import type { Problem } from "./source.js";
import { createTemplateRegistry } from "./templates/index.js";
import { yamlValue } from "./yaml-value.js";
import type { TemplateRegistry } from "./templates/index.js";

/** The default name of the config file in a repository. */
export const configFileName = "sluice.yml";

/** A config file larger than this is refused before it is read (1 MiB). */
export const defaultMaxBytes = 1024 * 1024;

export interface LoadOptions {
  /** Built-in step names from the pipeline's step registry; an unknown `uses` is then an error. */
  knownSteps?: ReadonlySet<string> | undefined;
  /** Checks a built-in step's `with` (the capability owning the step decides); see CheckOptions. */
  checkWith?: CheckOptions["checkWith"];
  /** Templates `extends` may name; default: the built-in golden paths. */
  templates?: TemplateRegistry | undefined;
  /** The pipeline's name when the file has none; default: the folder holding the file. */
  name?: string | undefined;
  maxBytes?: number | undefined;
  /** The folder a relative path is taken from (default: this process's); messages show it as given. */
  cwd?: string | undefined;
}

export interface LoadedConfig {
  /** The expanded pipeline: templates applied, every job explicit. What the planner takes. */
  config: PipelineConfig;
  /** The file as written (validated), before expansion. */
  source: SluiceConfig;
  file: string;
  /** `golden/node@1` when the file extends a template. */
  template?: string;
}

function sizeError(file: string, bytes: number, limit: number): AppError {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  return new AppError(
    "CONFIG_INVALID",
    `${basename(file)} is ${mb(bytes)}, over the ${mb(limit)} limit for a config file`,
    { location: { file, line: 1, column: 1 } },
  );
}

/**
 * Reads and validates a sluice.yml (a file, or a folder holding one) and expands its template.
 * The size is checked before reading, so a huge file fails at once.
 */
export function loadConfig(
  path: string,
  options: LoadOptions = {},
): LoadedConfig {
  let file = path;
  let size: number;
  const at = (p: string) => (options.cwd ? resolve(options.cwd, p) : p);
  try {
    let stat = statSync(at(file));
    if (stat.isDirectory()) {
      file = join(file, configFileName);
      stat = statSync(at(file));
    }
    size = stat.size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new AppError(
        "NOT_FOUND",
        basename(file) === configFileName
          ? `no ${configFileName} in ${dirname(resolve(at(file)))}; run \`sluice init\` to write one`
          : `${file} does not exist`,
      );
    }
    throw new AppError(
      "CONFIG_INVALID",
      `cannot read ${file}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  const limit = options.maxBytes ?? defaultMaxBytes;
  if (size > limit) throw sizeError(file, size, limit);
  let text: string;
  try {
    text = readFileSync(at(file), "utf8");
  } catch (error) {
    throw new AppError(
      "CONFIG_INVALID",
      `cannot read ${file}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  return parseConfig(text, file, options);
}

/** Validates and expands the text of a sluice.yml; `file` is only used in messages. */
export function parseConfig(
  text: string,
  file: string,
  options: LoadOptions = {},
): LoadedConfig {
  const limit = options.maxBytes ?? defaultMaxBytes;
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > limit) throw sizeError(file, bytes, limit);

  const source = new ConfigSource(file, text);
  const raw = yamlValue(source);
  if (raw === null || raw === undefined) {
    throw source.error([
      source.problem(
        `${basename(file)} is empty; start with \`extends: golden/node@1\` or run \`sluice init\``,
        0,
      ),
    ]);
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw source.error([
      source.problem(
        `${basename(file)} must be a mapping of keys such as \`extends\` and \`jobs\`, not ${Array.isArray(raw) ? "a list" : "a single value"}`,
        source.offsetOf([]),
      ),
    ]);
  }

  const problems: Problem[] = [];
  let parsed = SluiceConfig.safeParse(raw);
  if (!parsed.success) {
    problems.push(
      ...problemsFromIssues(
        {
          source,
          schema: SluiceConfig,
          value: raw,
          root: [],
          describe: describePath,
        },
        parsed.error.issues,
      ),
    );
    // Unknown keys are the usual typo: read as meant, the file may validate, and the later checks
    // then report the rest of what is wrong in the same run.
    const stripped = readAsMeant(raw, parsed.error.issues);
    parsed = stripped ? SluiceConfig.safeParse(stripped) : parsed;
    if (!parsed.success) throw source.error(problems);
  }

  const templates = options.templates ?? createTemplateRegistry();
  const name =
    options.name ?? basename(dirname(resolve(options.cwd ?? ".", file)));
  const expansion = expand(source, parsed.data, templates, name);
  if (Array.isArray(expansion)) throw source.error([...problems, ...expansion]);

  problems.push(
    ...checkPipeline(expansion.config, {
      source,
      origins: expansion.origins,
      knownSteps: options.knownSteps,
      checkWith: options.checkWith,
    }),
  );
  if (problems.length > 0) throw source.error(problems);

  const loaded: LoadedConfig = {
    config: expansion.config,
    source: parsed.data,
    file,
  };
  if (expansion.template) loaded.template = expansion.template;
  return loaded;
}

/**
 * A copy of `raw` read as its author meant it: an unknown key that is a likely typo of a known one
 * (`stpes`) becomes that key, any other unknown key goes. Undefined when any issue is of another
 * kind (then the file is not valid whatever is renamed).
 */
function readAsMeant(
  raw: object,
  issues: readonly z.core.$ZodIssue[],
): object | undefined {
  if (issues.some((issue) => issue.code !== "unrecognized_keys"))
    return undefined;
  const copy = structuredClone(raw) as Record<string | number, unknown>;
  for (const issue of issues) {
    const path = issue.path as (string | number)[];
    let node: unknown = copy;
    for (const key of path)
      node = (node as Record<string | number, unknown> | undefined)?.[key];
    if (issue.code !== "unrecognized_keys" || !node || typeof node !== "object")
      return undefined;
    const object = node as Record<string, unknown>;
    for (const key of issue.keys) {
      const meant = closest(key, allowedKeys(SluiceConfig, path));
      if (meant !== undefined && !(meant in object))
        object[meant] = object[key];
      delete object[key];
    }
  }
  return copy;
}
