import type { Command } from "commander";
import { AppError } from "../../kernel/index.js";
import type { CliContext } from "../context.js";
import type { Grant, UserSummary } from "../../accounts/index.js";
import { summaryOf } from "../command-summaries.js";

/** `shop=developer` (repeatable) → a role on a project; `*` is every project. */
export function parseGrant(
  value: string,
  previous: { project: string; role: string }[] = [],
): { project: string; role: string }[] {
  const at = value.lastIndexOf("=");
  if (at <= 0 || at === value.length - 1)
    throw new AppError(
      "INVALID_ARGUMENT",
      `--role wants PROJECT=ROLE (e.g. shop=developer, *=admin), not ${JSON.stringify(value)}`,
    );
  return [
    ...previous,
    { project: value.slice(0, at), role: value.slice(at + 1) },
  ];
}

/** The `--role` options as grants, each role checked (loaded inside the action, not at start-up). */
export async function grantsOf(
  list: { project: string; role: string }[] = [],
): Promise<Grant[]> {
  const { isRole } = await import("../../accounts/index.js");
  return list.map(({ project, role }) => {
    if (!isRole(role))
      throw new AppError(
        "INVALID_ARGUMENT",
        `unknown role ${role}: use viewer, developer, approver or admin`,
      );
    return { project, role };
  });
}

/** Refuses a secret given as an argument: it would stay in the shell history and in `ps`. */
function refuseArgument(what: string, value: string | undefined): void {
  if (value !== undefined)
    throw new AppError(
      "INVALID_ARGUMENT",
      `the ${what} is read from standard input or a prompt, never from an argument (it would stay in the shell history and in ps)`,
    );
}

/**
 * The local server of the home (started on demand): account commands are its clients, as the
 * socket's owner (admin of everything), so they work while `sluice serve` holds the store.
 */
export async function accountsClient(ctx: CliContext) {
  const [{ localClient }, { actorOf }] = await Promise.all([
    import("../client/local-server.js"),
    import("../actor.js"),
  ]);
  // Audited as this terminal's identity, as when the command wrote the store itself.
  return localClient({ ...ctx, actor: actorOf(ctx) });
}

/** `/api/v1/users/NAME`: a name is one path segment, whatever it holds. */
const userPath = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;

export function registerUsers(program: Command, ctx: CliContext): void {
  const users = program.command("users").description(summaryOf("users"));

  users
    .command("add")
    .argument("<name>", "the user's name (letters, digits, '.', '_', '-')")
    .argument(
      "[password]",
      "refused: the password is read from standard input or a prompt",
    )
    .option(
      "--role <project=role>",
      "a role on a project, repeatable (viewer, developer, approver, admin; project * is every project)",
      parseGrant,
    )
    .option(
      "--email <email>",
      "the person's email, as in their git commits: the gate never lets the author of a change approve it",
    )
    .option(
      "--no-password",
      "an account for API tokens only (agents, webhooks): it cannot sign in",
    )
    .description(
      "add a user; the password (12 characters or more) is read from standard input or a prompt, never an argument",
    )
    .action(
      async (
        name: string,
        secret: string | undefined,
        options: {
          role?: { project: string; role: string }[];
          email?: string;
          password: boolean;
        },
      ) => {
        refuseArgument("password", secret);
        let password: string | undefined;
        if (options.password) {
          const { readSecretValue } = await import("./secrets-input.js");
          password = await readSecretValue(`the password of ${name}`);
        }
        const roles = await grantsOf(options.role);
        const user = await (
          await accountsClient(ctx)
        ).json<UserSummary>("POST", "/api/v1/users", {
          name,
          email: options.email,
          password,
          roles,
        });
        ctx.stdout(
          `user ${user.name} added${user.roles.length ? ` (${user.roles.map((g) => `${g.role} on ${g.project}`).join(", ")})` : " (no role yet)"}${user.hasPassword ? "" : ", tokens only"}`,
        );
      },
    );

  users
    .command("list")
    .option("--json", "print JSON")
    .description("list users and their roles")
    .action(async (options: { json?: boolean }) => {
      const list = await (
        await accountsClient(ctx)
      ).json<UserSummary[]>("GET", "/api/v1/users");
      if (options.json) return ctx.json(list);
      if (list.length === 0)
        return ctx.stdout("no users (sluice users add NAME)");
      for (const user of list)
        ctx.stdout(
          `${user.name}\t${user.email ?? "-"}\t${user.roles.map((g) => `${g.project}=${g.role}`).join(",") || "-"}\t${user.hasPassword ? "password" : "tokens only"}`,
        );
    });

  users
    .command("email")
    .argument("<name>", "the user")
    .argument(
      "<email>",
      "the person's email, as in their git commits; - removes it",
    )
    .description(
      "set a user's email: the gate knows a change's author by it, and an account without one cannot approve over HTTP",
    )
    .action(async (name: string, email: string) => {
      await (
        await accountsClient(ctx)
      ).json("PUT", `${userPath(name)}/email`, {
        email: email === "-" ? null : email,
      });
      ctx.stdout(
        email === "-"
          ? `${name} has no email now`
          : `${name}'s email is ${email.trim().toLowerCase()}`,
      );
    });

  users
    .command("rm")
    .argument("<name>", "the user")
    .description("remove a user with their sessions and API tokens")
    .action(async (name: string) => {
      await (await accountsClient(ctx)).json("DELETE", userPath(name));
      ctx.stdout(`user ${name} removed, with their sessions and tokens`);
    });

  users
    .command("role")
    .argument("<name>", "the user")
    .argument("<project>", "the project (* for every project)")
    .argument(
      "<role>",
      "viewer, developer, approver, admin, or none to take the role away",
    )
    .description(
      "set a user's role on a project (their API tokens never exceed it)",
    )
    .action(async (name: string, project: string, role: string) => {
      const grant =
        role === "none" ? undefined : (await grantsOf([{ project, role }]))[0];
      const path = `${userPath(name)}/roles/${encodeURIComponent(project)}`;
      const client = await accountsClient(ctx);
      if (grant) await client.json("PUT", path, { role: grant.role });
      else await client.json("DELETE", path);
      ctx.stdout(
        role === "none"
          ? `${name} has no role on ${project} now`
          : `${name} is ${role} on ${project}`,
      );
    });
}
