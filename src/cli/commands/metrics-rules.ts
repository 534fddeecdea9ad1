import { AppError } from "../../kernel/index.js";
import type { AttributionRule } from "../../metrics/index.js";
import type { CliContext } from "../context.js";

/**
 * Extra attribution rules: `metrics.attribution` of the sluice.yml in the working folder (when
 * there is one), then those of `--attribution-rules FILE` (YAML or JSON: `{ rules: [...] }`).
 */
export async function loadRules(ctx: CliContext, file: string | undefined) {
  const [{ existsSync }, { readFile }, { join, resolve }] = await Promise.all([
    import("node:fs"),
    import("node:fs/promises"),
    import("node:path"),
  ]);
  const rules: AttributionRule[] = [];
  const { configFileName, loadConfig } = await import("../../config/index.js");
  if (existsSync(join(ctx.cwd, configFileName))) {
    const loaded = loadConfig(ctx.cwd);
    rules.push(...(loaded.source.metrics?.attribution ?? []));
  }
  if (!file) return rules;
  const [{ parse }, { AttributionConfig }] = await Promise.all([
    import("yaml"),
    import("../../metrics/index.js"),
  ]);
  const path = resolve(ctx.cwd, file);
  const text = await readFile(path, "utf8").catch(() => {
    throw new AppError(
      "INVALID_ARGUMENT",
      `cannot read --attribution-rules ${file}`,
    );
  });
  const parsed = AttributionConfig.safeParse(parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  rules.push(...parsed.data.rules);
  return rules;
}
