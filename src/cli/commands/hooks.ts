import type { Command } from "commander";
import { Option } from "commander";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

async function hooksDir(cwd: string): Promise<string> {
  const { AppError } = await import("../../kernel/index.js");
  const { spawnSync } = await import("node:child_process");
  const { resolve } = await import("node:path");
  const r = spawnSync("git", ["rev-parse", "--git-path", "hooks"], {
    cwd,
    encoding: "utf8",
  });
  if (r.status !== 0)
    throw new AppError(
      "INVALID_ARGUMENT",
      `${cwd} is not inside a git repository`,
    );
  const { mkdirSync } = await import("node:fs");
  const dir = resolve(cwd, r.stdout.trim());
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `sluice hooks install|uninstall`: pre-commit secret scan and pre-push dependency scan. */
export function registerHooks(program: Command, ctx: CliContext): void {
  const hooks = program.command("hooks").description(summaryOf("hooks"));
  hooks
    .command("install")
    .description(
      "install pre-commit (sluice scan secrets --staged) and pre-push (sluice scan deps when a lockfile changed) hooks, chaining existing ones",
    )
    .option(
      "--force",
      "replace a previously chained hook when another foreign hook is present",
    )
    .addOption(
      new Option(
        "--confidence <level>",
        "lowest confidence of a contextual secret finding the pre-commit hook reports",
      )
        .choices(["low", "medium", "high"])
        .default("medium"),
    )
    .action(
      async (flags: {
        force?: boolean;
        confidence: "low" | "medium" | "high";
      }) => {
        const { installHooks } = await import("../../scan/hooks/index.js");
        const dir = await hooksDir(ctx.cwd);
        // The hooks run this very CLI: the node binary and script that run now.
        const command = [process.execPath, process.argv[1] ?? "sluice"];
        for (const c of installHooks(dir, command, {
          force: flags.force === true,
          confidence: flags.confidence,
        }))
          ctx.stdout(
            `${c.hook}: ${c.action}${c.detail ? ` (${c.detail})` : ""}`,
          );
      },
    );
  hooks
    .command("uninstall")
    .description("remove sluice's hooks and restore the hooks they chained")
    .action(async () => {
      const { uninstallHooks } = await import("../../scan/hooks/index.js");
      const dir = await hooksDir(ctx.cwd);
      for (const c of uninstallHooks(dir))
        ctx.stdout(`${c.hook}: ${c.action}${c.detail ? ` (${c.detail})` : ""}`);
    });
}
