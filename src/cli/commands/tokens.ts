import type { Command } from "commander";
import { AppError, parseDuration } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import type { CreatedToken, TokenSummary } from "../../accounts/index.js";
import { accountsClient, grantsOf, parseGrant } from "./users.js";
import { summaryOf } from "../command-summaries.js";

const dayMs = 86_400_000;

export function registerTokens(program: Command, ctx: CliContext): void {
  const tokens = program.command("tokens").description(summaryOf("tokens"));

  tokens
    .command("create")
    .requiredOption(
      "--user <name>",
      "the user the token acts for (its roles never exceed theirs)",
    )
    .requiredOption(
      "--role <project=role>",
      "a role on a project, repeatable (viewer, developer, approver, admin; project * is every project)",
      parseGrant,
    )
    .option("--name <name>", "what the token is for", "cli")
    .option(
      "--expires <duration>",
      "lifetime, at most 366 days (e.g. 30d, 12h)",
      "90d",
    )
    .option("--json", "print JSON (the token included)")
    .description(
      "create an API token: printed once on standard output, then only its hash is kept",
    )
    .action(
      async (options: {
        user: string;
        role: { project: string; role: string }[];
        name: string;
        expires: string;
        json?: boolean;
      }) => {
        const ms = parseDuration(options.expires);
        if (ms === undefined)
          throw new AppError(
            "INVALID_ARGUMENT",
            `--expires wants a duration such as 30d or 12h, not ${JSON.stringify(options.expires)}`,
          );
        const roles = await grantsOf(options.role);
        const created = await (
          await accountsClient(ctx)
        ).json<CreatedToken>("POST", "/api/v1/tokens", {
          name: options.name,
          user: options.user,
          roles,
          expiresInDays: ms / dayMs,
        });
        if (options.json) return ctx.json(created);
        ctx.stderr(
          `token ${created.id} for ${created.user} (${roles.map((g) => `${g.role} on ${g.project}`).join(", ")}), expires ${created.expiresAt?.toISOString()}. It is shown this once: store it now.`,
        );
        ctx.stdout(created.token);
      },
    );

  tokens
    .command("list")
    .option("--user <name>", "only this user's tokens")
    .option("--json", "print JSON")
    .description("list API tokens (never their secrets)")
    .action(async (options: { user?: string; json?: boolean }) => {
      const query = options.user
        ? `?${new URLSearchParams({ user: options.user })}`
        : "";
      const list = await (
        await accountsClient(ctx)
      ).json<TokenSummary[]>("GET", `/api/v1/tokens${query}`);
      if (options.json) return ctx.json(list);
      if (list.length === 0)
        return ctx.stdout(
          "no tokens (sluice tokens create --user NAME --role PROJECT=ROLE)",
        );
      const now = Date.now();
      for (const token of list) {
        const state = token.revokedAt
          ? `revoked ${token.revokedAt.toISOString()}`
          : token.expiresAt && token.expiresAt.getTime() <= now
            ? `expired ${token.expiresAt.toISOString()}`
            : `expires ${token.expiresAt?.toISOString() ?? "never"}`;
        ctx.stdout(
          `${token.id}\t${token.user}\t${token.name}\t${token.roles.map((g) => `${g.project}=${g.role}`).join(",") || "as-user"}\t${state}`,
        );
      }
    });

  tokens
    .command("revoke")
    .argument("<id>", "the token's id (tok_..., from sluice tokens list)")
    .description("revoke an API token: it is refused from now on")
    .action(async (id: string) => {
      const token = await (
        await accountsClient(ctx)
      ).json<TokenSummary>(
        "POST",
        `/api/v1/tokens/${encodeURIComponent(id)}/revoke`,
        {},
      );
      ctx.stdout(`token ${token.id} of ${token.user} revoked`);
    });
}
