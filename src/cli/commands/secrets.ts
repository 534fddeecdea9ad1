import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import { AppError, messageOf } from "../../kernel/index.js";
import { resolveProject } from "../context.js";
import type { CliContext } from "../context.js";
import type { SecretsClient } from "./secrets-client.js";
import { summaryOf } from "../command-summaries.js";

interface ScopeOptions {
  project?: string;
  env?: string;
  json?: boolean;
}

/** `--project` and `--env`; without `--env` a secret is project-wide (every environment sees it). */
function scoped(command: Command, json = false): Command {
  command
    .option(
      "--project <name>",
      "project (default: the name in ./sluice.yml, else the repository folder's name)",
    )
    .option(
      "--env <name>",
      "environment (its value overrides the project-wide one); without it, project-wide",
    );
  if (json) command.option("--json", "print JSON");
  return command;
}

const scopeOf = (ctx: CliContext, options: ScopeOptions) => ({
  project: resolveProject(ctx.cwd, options.project).name,
  environment: options.env,
});

const scopeText = (environment: string) =>
  environment === "" ? "project-wide" : `env ${environment}`;

export function registerSecrets(program: Command, ctx: CliContext): void {
  const secrets = program.command("secrets").description(summaryOf("secrets"));
  // Every verb but `identity` is a client of the home's server (ADR 105).
  // Loaded when a verb runs, not for `--help`.
  const service = async () =>
    (await import("./secrets-client.js")).secretsClient(ctx);
  const noticeKey = (path: string | undefined, recipient?: string) => {
    if (path)
      ctx.stderr(
        `sluice: created your age identity ${path} (mode 0600)${recipient ? `, recipient ${recipient}` : ""}. Back it up: without it these secrets cannot be decrypted.`,
      );
  };

  scoped(
    secrets
      .command("set")
      .argument("<name>", "the secret's name (letters, digits, _)")
      .argument(
        "[value]",
        "refused: the value is read from standard input or a prompt",
      )
      .description(
        "store a new version of a secret; the value is read from standard input or a prompt, never an argument",
      ),
  ).action(
    async (name: string, value: string | undefined, options: ScopeOptions) => {
      if (value !== undefined)
        throw new AppError(
          "INVALID_ARGUMENT",
          "the value is read from standard input or a prompt, never from an argument (it would stay in the shell history and in ps): `printf %s VALUE | sluice secrets set NAME`",
        );
      const { checkName, checkValue } = await import("../../secrets/index.js");
      checkName(name);
      const { readSecretValue } = await import("./secrets-input.js");
      const text = await readSecretValue(name);
      // Checked here too: a value too long to store is not sent to the server at all.
      checkValue(name, text);
      const scope = scopeOf(ctx, options);
      const saved = await (await service()).set(scope, name, text);
      noticeKey(saved.createdKeyFile);
      ctx.stdout(
        `secret ${name} saved (${scope.project}, ${scopeText(scope.environment ?? "")}, version ${saved.version})`,
      );
    },
  );

  scoped(
    secrets
      .command("get")
      .argument("<name>")
      .description(
        "print a secret's value (the environment's, else the project-wide one); an audited read",
      )
      .option(
        "--age",
        "print the stored age file instead, not decrypted (`age -d -i KEY` opens it)",
      ),
  ).action(async (name: string, options: ScopeOptions & { age?: boolean }) => {
    if (options.age) {
      const stored = await (
        await service()
      ).ciphertext(scopeOf(ctx, options), name);
      return ctx.stdout(stored.armored);
    }
    const found = await (await service()).get(scopeOf(ctx, options), name);
    process.stdout.write(
      process.stdout.isTTY ? `${found.value}\n` : found.value,
    );
  });

  scoped(
    secrets
      .command("list")
      .description(
        "list secrets: names, scope, version, who and when, never values (with --env: what that environment sees)",
      ),
    true,
  ).action(async (options: ScopeOptions) => {
    const scope = scopeOf(ctx, options);
    const list = await (await service()).list(scope);
    if (options.json) return ctx.json(list);
    if (list.length === 0)
      return ctx.stdout(`no secrets for project ${scope.project}`);
    for (const s of list)
      ctx.stdout(
        `${s.name}\t${scopeText(s.environment)}\tv${s.version}\t${s.updatedAt.toISOString()}\t${s.updatedBy}`,
      );
  });

  scoped(
    secrets
      .command("history")
      .argument("<name>")
      .description(
        "the versions of a secret in one scope: who and when, never values",
      ),
    true,
  ).action(async (name: string, options: ScopeOptions) => {
    const history = await (
      await service()
    ).history(scopeOf(ctx, options), name);
    if (options.json) return ctx.json(history);
    for (const h of history)
      ctx.stdout(
        `v${h.version}\t${h.removed ? "removed" : "set"}\t${h.createdAt.toISOString()}\t${h.createdBy}`,
      );
  });

  scoped(
    secrets
      .command("rm")
      .argument("<name>")
      .description("remove a secret from one scope (its history stays)"),
  ).action(async (name: string, options: ScopeOptions) => {
    const scope = scopeOf(ctx, options);
    const removed = await (await service()).remove(scope, name);
    ctx.stdout(
      `secret ${name} removed (${scope.project}, ${scopeText(scope.environment ?? "")}, version ${removed.version})`,
    );
  });

  scoped(
    secrets
      .command("import")
      .argument(
        "<file>",
        "a .env file, plain or encrypted with age to your recipient",
      )
      .description(
        "import every NAME=value of a .env file at once; any malformed line, duplicate or bad value imports nothing",
      ),
  ).action(async (file: string, options: ScopeOptions) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `cannot read ${file}: ${messageOf(error)}`,
      );
    }
    const scope = scopeOf(ctx, options);
    const done = await (
      await service()
    ).importFile(scope, { name: basename(file), bytes });
    noticeKey(done.createdKeyFile);
    ctx.stdout(
      `imported ${done.names.length} ${done.names.length === 1 ? "secret" : "secrets"} into ${scope.project}, ${scopeText(scope.environment ?? "")}: ${done.names.join(", ")}`,
    );
  });

  scoped(
    secrets
      .command("audit")
      .argument("[name]")
      .description("who set, removed or read which secret, and from which run"),
    true,
  ).action(async (name: string | undefined, options: ScopeOptions) => {
    const scope = scopeOf(ctx, options);
    const log = await (await service()).auditLog(scope.project, name);
    if (options.json) return ctx.json(log);
    for (const e of log)
      ctx.stdout(
        `${e.createdAt.toISOString()}\t${e.action}\t${e.name}${e.version === null ? "" : ` v${e.version}`}\t${scopeText(e.environment)}\t${e.actor}${e.runId ? `\trun ${e.runId}` : ""}`,
      );
  });

  scoped(
    secrets
      .command("exec")
      .argument("<command...>", "the command and its arguments, after --")
      .description(
        "run a local command with the secrets of an environment as environment variables, its output masked",
      )
      .usage("--env ENV [--project P] -- CMD [ARGS...]"),
  ).action(async (command: string[], options: ScopeOptions) => {
    const { execWithSecrets } = await import("./secrets-exec.js");
    await execWithSecrets(ctx, command, options, await service());
  });

  secrets
    .command("identity")
    .description(
      "print your age recipient (age1…), to be added by a teammate; makes your key file on first use",
    )
    .action(async () => {
      // The key is this terminal's: no store, no server.
      const { ownRecipient } = await import("./secrets-client.js");
      const own = await ownRecipient(ctx);
      noticeKey(own.created);
      ctx.stdout(own.recipient);
    });

  registerRecipients(secrets, ctx, service);
}

function registerRecipients(
  secrets: Command,
  ctx: CliContext,
  service: () => Promise<SecretsClient>,
): void {
  const recipients = secrets
    .command("recipients")
    .description(
      "who can decrypt a project's secrets (age recipients); adding or removing one re-encrypts every version",
    );
  const projectOption = (command: Command) =>
    command.option(
      "--project <name>",
      "project (default: the name in ./sluice.yml, else the repository folder's name)",
    );
  projectOption(recipients.command("list").description("list the recipients"))
    .option("--json", "print JSON")
    .action(async (options: ScopeOptions) => {
      const project = resolveProject(ctx.cwd, options.project).name;
      const list = await (await service()).recipients(project);
      if (options.json) return ctx.json(list);
      if (list.length === 0)
        return ctx.stdout(
          `no recipients for project ${project} (the first \`secrets set\` adds yours)`,
        );
      for (const r of list)
        ctx.stdout(
          `${r.recipient}\t${r.label}\tadded ${isoOf(r.addedAt)} by ${r.addedBy}`,
        );
    });
  projectOption(
    recipients
      .command("add")
      .argument("<recipient>", "an age recipient, age1…")
      .option("--name <label>", "who or what it is (a teammate, a runner)")
      .description(
        "add a recipient and re-encrypt every version to the new set",
      ),
  ).action(
    async (recipient: string, options: ScopeOptions & { name?: string }) => {
      const project = resolveProject(ctx.cwd, options.project).name;
      const done = await (
        await service()
      ).addRecipient(project, recipient, options.name ?? recipient);
      ctx.stdout(
        `${recipient} added to project ${project}; ${done.reencrypted} ${done.reencrypted === 1 ? "version" : "versions"} re-encrypted`,
      );
    },
  );
  projectOption(
    recipients
      .command("rm")
      .argument("<recipient>", "an age recipient, age1…")
      .description(
        "remove a recipient and re-encrypt every version without it (rotate the values too: it may have kept copies)",
      ),
  ).action(async (recipient: string, options: ScopeOptions) => {
    const project = resolveProject(ctx.cwd, options.project).name;
    const done = await (await service()).removeRecipient(project, recipient);
    ctx.stdout(
      `${recipient} removed from project ${project}; ${done.reencrypted} ${done.reencrypted === 1 ? "version" : "versions"} re-encrypted`,
    );
  });
}

/** `addedAt` is stored as ISO text; the client's JSON reader makes a Date of it. */
const isoOf = (at: string | Date) =>
  typeof at === "string" ? at : at.toISOString();
