import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { AppError, messageOf } from "../../kernel/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import { summaryOf } from "../command-summaries.js";

interface ScopeOptions {
  project?: string;
  env?: string;
  json?: boolean;
  reason?: string;
}

function scopeOf(ctx: CliContext, options: ScopeOptions) {
  return {
    project: resolveProject(ctx.cwd, options.project).name,
    environment: options.env ?? "production",
  };
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `cannot read ${path}: ${messageOf(error)}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(
      "CONFIG_INVALID",
      `${path} is not valid JSON: ${messageOf(error)}`,
    );
  }
}

/** Adds `--project`, `--env` (and optionally `--reason`, `--json`) to a subcommand. */
function scoped(
  command: Command,
  extra: { reason?: boolean; json?: boolean } = {},
): Command {
  command
    .option(
      "--project <name>",
      "project (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option("--env <name>", "environment", "production");
  if (extra.reason)
    command.option("--reason <text>", "why: recorded in the audit log");
  if (extra.json) command.option("--json", "print JSON");
  return command;
}

export function registerFlags(program: Command, ctx: CliContext): void {
  const flags = program.command("flags").description(summaryOf("flags"));
  const backend = async () =>
    (await import("./flags-backend.js")).flagsBackend(ctx);

  scoped(
    flags
      .command("list")
      .description("list the flags of a project and environment"),
    { json: true },
  ).action(async (options: ScopeOptions) => {
    const list = await (await backend()).list(scopeOf(ctx, options));
    if (options.json) return ctx.json(list);
    if (list.length === 0) return ctx.stdout("no flags");
    for (const f of list)
      ctx.stdout(
        `${f.key}\t${f.state}\tdefault=${f.defaultVariant ?? "(code default)"}\tvariants=${f.variants.join(",")}${f.targeting ? "\ttargeting" : ""}`,
      );
  });

  scoped(
    flags
      .command("get")
      .argument("<key>")
      .description("show one flag's flagd definition"),
    { json: true },
  ).action(async (key: string, options: ScopeOptions) =>
    ctx.json(await (await backend()).get(scopeOf(ctx, options), key)),
  );

  scoped(
    flags
      .command("set")
      .argument("<key>")
      .argument("<definition>", "the flag as flagd JSON, or @FILE")
      .description("create or replace one flag"),
    { reason: true },
  ).action(async (key: string, definition: string, options: ScopeOptions) => {
    let flag: unknown;
    if (definition.startsWith("@")) flag = readJsonFile(definition.slice(1));
    else {
      try {
        flag = JSON.parse(definition);
      } catch (error) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `the flag definition is not valid JSON: ${messageOf(error)}`,
        );
      }
    }
    const saved = await (
      await backend()
    ).set(scopeOf(ctx, options), key, flag, options.reason);
    ctx.stdout(`flag ${key} saved (flag set version ${saved.version})`);
  });

  for (const [name, state] of [
    ["enable", "ENABLED"],
    ["disable", "DISABLED"],
  ] as const) {
    scoped(
      flags.command(name).argument("<key>").description(`${name} a flag`),
      { reason: true },
    ).action(async (key: string, options: ScopeOptions) => {
      const saved = await (
        await backend()
      ).setState(scopeOf(ctx, options), key, state, options.reason);
      // A server older than `changed` counts as a change, as before.
      ctx.stdout(
        saved.changed === false
          ? `flag ${key} is already ${state.toLowerCase()}; unchanged (flag set version ${saved.version})`
          : `flag ${key} ${state.toLowerCase()} (flag set version ${saved.version})`,
      );
    });
  }

  // A percentage split (flagd's `fractional`). `flags rollout` was its first name: it stays
  // as a hidden command for scripts and says the new one (ADR 062).
  for (const name of ["split", "rollout"] as const) {
    scoped(
      flags
        .command(name, { hidden: name === "rollout" })
        .argument("<key>")
        .argument("[percent]", "share of users now, e.g. 25%")
        .option(
          "--schedule <steps>",
          "a timetable: 10%@2026-08-01T09:00Z,50%@2026-08-02T09:00Z,100%@...",
        )
        .option(
          "--variant <name>",
          "the variant the split serves (default: the one whose value is true)",
        )
        .option(
          "--off-variant <name>",
          "the variant for everyone else (default: the default variant)",
        )
        .description(
          "serve a flag's variant to a percentage of users (a percentage split), now or on a timetable",
        ),
      { reason: true },
    ).action(
      async (
        key: string,
        percent: string | undefined,
        options: ScopeOptions & {
          schedule?: string;
          variant?: string;
          offVariant?: string;
        },
      ) => {
        if (name === "rollout")
          ctx.stderr(
            "sluice: `flags rollout` is now `flags split` (a rollout is a deployment's steps)",
          );
        if (!percent && !options.schedule)
          throw new AppError(
            "INVALID_ARGUMENT",
            "give a percentage (sluice flags split KEY 25%) or --schedule",
          );
        const plan = {
          ...(percent ? { percent } : {}),
          ...(options.schedule ? { schedule: options.schedule } : {}),
          ...(options.variant ? { variant: options.variant } : {}),
          ...(options.offVariant ? { offVariant: options.offVariant } : {}),
        };
        const saved = await (
          await backend()
        ).split(scopeOf(ctx, options), key, plan, options.reason);
        ctx.stdout(
          `flag ${key}: percentage split set (flag set version ${saved.version})`,
        );
      },
    );
  }

  scoped(
    flags
      .command("import")
      .argument("<file>", "a flagd JSON file")
      .description("replace the flag set with a flagd JSON file"),
    { reason: true },
  ).action(async (file: string, options: ScopeOptions) => {
    // Sent as its text: the server's flag set check names where a document is wrong (a body
    // nested too deep for the HTTP parser would only say that).
    const document = JSON.stringify(readJsonFile(file));
    const saved = await (
      await backend()
    ).importSet(scopeOf(ctx, options), document, options.reason);
    ctx.stdout(`imported ${file} (flag set version ${saved.version})`);
  });

  scoped(
    flags
      .command("export")
      .option("--output <file>", "write to a file instead of stdout")
      .description(
        "print the flag set as flagd JSON (loads in any flagd provider)",
      ),
  ).action(async (options: ScopeOptions & { output?: string }) => {
    const document = await (await backend()).export(scopeOf(ctx, options));
    const text = `${JSON.stringify({ $schema: "https://flagd.dev/schema/v0/flags.json", ...document }, null, 2)}\n`;
    if (options.output) writeFileSync(options.output, text);
    else process.stdout.write(text);
  });

  scoped(
    flags
      .command("history")
      .argument("[key]")
      .description("the audit log: who changed what, when and why"),
    {
      json: true,
    },
  ).action(async (key: string | undefined, options: ScopeOptions) => {
    const entries = await (await backend()).history(scopeOf(ctx, options), key);
    if (options.json) return ctx.json(entries);
    if (entries.length === 0) return ctx.stdout("no changes recorded");
    for (const e of entries) {
      const at = new Date(e.createdAt).toISOString();
      const what = e.changes.length > 0 ? ` ${e.changes.join(", ")}` : "";
      ctx.stdout(
        `${at}\tv${e.version}\t${e.flagKey}\t${e.action}${what}\tby ${e.actor}${e.reason ? `\t"${e.reason}"` : ""}`,
      );
    }
  });

  scoped(
    flags
      .command("stale")
      .option(
        "--days <n>",
        "not evaluated, or split 100% to one variant, for this many days",
        "30",
      )
      .description(
        "flags that look finished: unused, or split 100% to one variant, for N days",
      ),
    { json: true },
  ).action(async (options: ScopeOptions & { days: string }) => {
    const days = Number(options.days);
    if (!Number.isFinite(days) || days < 0)
      throw new AppError(
        "INVALID_ARGUMENT",
        `--days must be a number ≥ 0, got "${options.days}"`,
      );
    const stale = await (await backend()).stale(scopeOf(ctx, options), days);
    if (options.json) return ctx.json(stale);
    if (stale.length === 0) return ctx.stdout(`no stale flags (${days} days)`);
    for (const s of stale)
      ctx.stdout(
        `${s.key}\t${s.reason}\tsince ${new Date(s.since).toISOString()}`,
      );
  });

  scoped(
    flags
      .command("kill")
      .argument("<keys...>")
      .requiredOption("--reason <text>", "why: recorded in the audit log")
      .description(
        "the kill switch: disable flags at once (clients fall back to their code default)",
      ),
  ).action(
    async (keys: string[], options: ScopeOptions & { reason: string }) => {
      const saved = await (
        await backend()
      ).kill(scopeOf(ctx, options), keys, options.reason);
      ctx.stdout(
        `killed ${keys.join(", ")} (flag set version ${saved.version})`,
      );
    },
  );

  const keys = flags
    .command("keys")
    .description("API keys for OFREP evaluation");
  scoped(
    keys
      .command("create")
      .option("--name <name>", "a label for the key", "default")
      .description(
        "create an API key scoped to a project and environment; prints the key alone (shown once)",
      ),
  ).action(async (options: ScopeOptions & { name: string }) => {
    const created = await (
      await backend()
    ).createKey(scopeOf(ctx, options), options.name);
    ctx.stdout(created.key);
  });

  keys
    .command("list")
    .option("--project <name>", "only this project's keys (default: all)")
    .option("--env <name>", "only this environment's keys (default: all)")
    .option("--json", "print JSON")
    .description(
      "list API keys: id, name, scope, created, last used, revoked (never the key)",
    )
    .action(async (options: ScopeOptions) => {
      const list = await (
        await backend()
      ).listKeys({
        ...(options.project === undefined ? {} : { project: options.project }),
        ...(options.env === undefined ? {} : { environment: options.env }),
      });
      if (options.json) return ctx.json(list);
      if (list.length === 0) return ctx.stdout("no API keys");
      const at = (date: Date | string | null) =>
        date === null ? "never" : new Date(date).toISOString();
      for (const k of list)
        ctx.stdout(
          [
            k.id,
            k.name,
            `${k.project}/${k.environment}`,
            `created ${at(k.createdAt)}`,
            `last used ${at(k.lastUsedAt)}`,
            k.revokedAt === null
              ? "active"
              : `revoked ${at(k.revokedAt)}${k.revokedBy ? ` by ${k.revokedBy}` : ""}${k.revokedReason ? ` "${k.revokedReason}"` : ""}`,
          ].join("\t"),
        );
    });

  keys
    .command("revoke")
    .argument("<id>", "the key's id, as `sluice flags keys list` shows it")
    .option("--reason <text>", "why: recorded in the audit log")
    .description(
      "revoke an API key: refused at once (as an unknown key), kept in the list for audit",
    )
    .action(async (id: string, options: { reason?: string }) => {
      const { key, changed } = await (
        await backend()
      ).revokeKey(id, options.reason);
      const what = `API key ${key.id} (${key.name}, ${key.project}/${key.environment})`;
      if (changed) return ctx.stdout(`revoked ${what}`);
      const when = key.revokedAt ? new Date(key.revokedAt).toISOString() : "";
      ctx.stdout(
        `${what} was already revoked at ${when}${key.revokedBy ? ` by ${key.revokedBy}` : ""}; nothing changed`,
      );
    });
}
