import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { AppError, messageOf } from "../kernel/index.js";
import { detectProject, filesIn } from "./detect.js";
import type { Detection } from "./detect.js";
import { configFileName, parseConfig } from "./loader.js";

/** The sluice.yml `sluice init` writes: `extends` plus the inputs that differ from the defaults. */
export function renderInitConfig(
  detection: Pick<Detection, "template" | "inputs">,
): string {
  const doc: Record<string, unknown> = { extends: detection.template };
  if (Object.keys(detection.inputs).length > 0) doc.with = detection.inputs;
  return stringify(doc, { lineWidth: 0 });
}

export interface InitResult {
  file: string;
  text: string;
  detection: Detection;
  /** True when an existing file was replaced (with `force`). */
  replaced: boolean;
}

/**
 * Detects the project in `dir` and writes its sluice.yml. Refuses to replace an existing file unless
 * `force`; the text is validated with the loader before it is written.
 */
export function initProject(
  dir: string,
  options: { force?: boolean } = {},
): InitResult {
  const file = join(dir, configFileName);
  const exists = existsSync(file);
  if (exists && !options.force) {
    throw new AppError(
      "CONFLICT",
      `${configFileName} already exists in ${dir}; use --force to replace it`,
    );
  }
  const detection = detectProject(filesIn(dir), dir);
  const text = renderInitConfig(detection);
  parseConfig(text, file);
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `cannot write ${file}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  return { file, text, detection, replaced: exists };
}
