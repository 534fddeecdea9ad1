// YAML of policy files with config's position machinery: every problem is file:line:col.
import { readFileSync, statSync } from "node:fs";
import type { z } from "zod";
import { AppError, messageOf } from "../kernel/index.js";
import {
  ConfigSource,
  problemsFromIssues,
  yamlValue,
} from "../config/index.js";

/** A policy or case file is refused over this size (1 MiB). */
const maxBytes = 1024 * 1024;

/** Reads a file for {@link parseYaml}: a missing file is NOT_FOUND, a huge one refused. */
export function readPolicyText(file: string): string {
  try {
    const size = statSync(file).size;
    if (size > maxBytes)
      throw new AppError(
        "CONFIG_INVALID",
        `${file} is ${size} bytes, over the ${maxBytes}-byte limit`,
      );
    return readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof AppError) throw error;
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new AppError("NOT_FOUND", `${file} does not exist`);
    throw new AppError(
      "CONFIG_INVALID",
      `cannot read ${file}: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/**
 * Parses YAML text and validates it with a zod schema; YAML and schema problems throw one
 * CONFIG_INVALID error at the first problem's file:line:col. `what` names the file's kind.
 */
export function parseYaml<T extends z.ZodType>(
  text: string,
  file: string,
  schema: T,
  what: string,
  describe: (path: readonly (string | number)[]) => string,
): { source: ConfigSource; value: z.infer<T> } {
  const source = new ConfigSource(file, text);
  const raw = yamlValue(source);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw source.error([
      source.problem(`${what} must be a mapping`, source.offsetOf([])),
    ]);
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw source.error(
      problemsFromIssues(
        { source, schema, value: raw, root: [], describe },
        parsed.error.issues,
      ),
    );
  return { source, value: parsed.data };
}
